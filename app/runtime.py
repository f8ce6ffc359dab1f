"""What a running service holds: settings, engine, sessions, schema, file storage.

``Runtime.start`` prepares the database (migrations; the demo data on a first start in
development) and checks that production is safe to start.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import strawberry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.db import create_engine, read_engine, read_session_factory, session_factory
from app.migrate import upgrade_to_head
from app.settings import Settings, SettingsError
from auth.ratelimit import DatabaseRateLimiter, RateLimiter, RedisRateLimiter
from auth.sessions import DatabaseSessionStore, RedisSessionStore, SessionStore, bind_session_store
from domain.base import today_helsinki
from domain.files import FilesystemStore
from domain.users import User
from resolvers.context import Rules
from schema.build import build_schema

log = logging.getLogger("energy_portal")


@dataclass
class Runtime:
    """The shared, request-independent state of one server process."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    #: Sessions for reads only (autocommit on PostgreSQL): dataloaders.
    read_sessions: async_sessionmaker[AsyncSession]
    #: Core connections for reads only (autocommit on PostgreSQL): reporting.
    read_connections: Callable[[], AsyncConnection]
    schema: strawberry.Schema
    files: FilesystemStore
    rules: Rules
    signing_key: str
    limiter: RateLimiter

    @classmethod
    async def start(cls, settings: Settings, *, migrate: bool = True, seed: bool | None = None) -> Runtime:
        """Connect, migrate, seed the demo data if due, and refuse unsafe production starts."""
        settings.check_for_production()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.resolved_database_url, pre_ping=settings.database_pre_ping)
        redis = _redis(settings)
        runtime = cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            read_sessions=read_session_factory(engine),
            read_connections=read_engine(engine).connect,
            schema=build_schema(production=settings.is_production),
            files=FilesystemStore(settings.files_dir),
            rules=Rules(
                cutover_date=settings.cutover_date,
                full_invoice_details_from=settings.full_invoice_details_from,
                session_days=settings.session_days,
                production=settings.is_production,
                secure_cookies=settings.is_production,
                payee_name=settings.payee_name,
                payee_iban=settings.payee_iban,
                payee_bic=settings.payee_bic,
                payee_business_id=settings.payee_business_id,
                public_origin=settings.public_origin,
                signing_key=settings.signing_key(),
                access_token_minutes=settings.access_token_minutes,
                refresh_token_days=settings.refresh_token_days,
                session_idle_minutes=settings.session_idle_minutes,
            ),
            signing_key=settings.signing_key(),
            limiter=_limiter(session_factory(engine), redis),
        )
        bind_session_store(runtime.sessions, _session_store(settings, redis))
        try:
            if migrate:
                await upgrade_to_head(engine)
            if settings.is_production:
                await runtime.refuse_demo_users()
            elif seed if seed is not None else settings.seed_demo_data:
                await runtime.seed_if_empty()
        except BaseException:
            await engine.dispose()
            raise
        return runtime

    async def refuse_demo_users(self) -> None:
        """Production must not start with the demo users (their passwords are public)."""
        async with self.sessions() as db:
            demo = await db.scalar(select(func.count()).select_from(User).where(User.is_demo.is_(True)))
        if demo:
            raise SettingsError(
                f"the database holds {demo} demo users; production mode refuses to start with them"
            )

    async def seed_if_empty(self) -> bool:
        """Seed the demo data when the database has no users yet; True if it did."""
        async with self.sessions() as db:
            users = await db.scalar(select(func.count()).select_from(User))
        if users:
            return False
        await self.seed(today_helsinki())
        return True

    async def seed(self, seeding_date: date) -> dict[str, int]:
        """Insert the demo data as of ``seeding_date``."""
        from fixtures.demo import seed_demo_data

        started = time.perf_counter()
        counts = await seed_demo_data(
            self.engine,
            seeding_date=seeding_date,
            cutover=self.settings.cutover_date,
            full_invoice_details_from=self.settings.full_invoice_details_from,
            file_store=self.files,
        )
        log.warning("demo data seeded in %.1f s: %s", time.perf_counter() - started, counts)
        return counts

    async def close(self) -> None:
        await self.engine.dispose()
        redis = getattr(self.limiter, "redis", None)
        if redis is not None:
            await redis.aclose()


#: Net new container objects between young collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 50_000


def tune_garbage_collector() -> None:
    """Set the collector up for serving, once start-up is done (the server and the benchmark).

    Everything alive after start-up (schema, modules, settings) leaves the collector's
    generations (``gc.freeze``), so full collections no longer rescan it. And a young
    collection waits for 50,000 net new container objects instead of 700: a year of
    quarter-hours builds ~35,000 point dictionaries and 35,000-long columns that all die
    with the request, and at 700 the collector ran ~46 young passes over the growing
    columns per request (~11 ms of a ~130 ms request, measured with gc.callbacks); at
    50,000 it runs none. Cyclic garbage is still collected, in larger, rarer passes.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def _redis(settings: Settings) -> Any:
    """One Redis client for the process when Redis is configured (closed with the limiter)."""
    if not settings.redis_url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url)


def _limiter(sessions: async_sessionmaker[AsyncSession], redis: Any) -> RateLimiter:
    """Redis-backed limits when Redis is configured (shared by all processes), else the database."""
    if redis is not None:
        return RedisRateLimiter(redis)
    return DatabaseRateLimiter(sessions)


def _session_store(settings: Settings, redis: Any) -> SessionStore:
    """Web sessions in Redis when configured (shared by all processes), else the database."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    if redis is not None:
        return RedisSessionStore(redis, idle=idle)
    return DatabaseSessionStore(idle=idle)
