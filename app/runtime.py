"""What a running service holds: settings, engine, sessions, schema, file storage.

``Runtime.start`` prepares the database (migrations; the demo data on a first start in
development) and checks that production is safe to start.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import strawberry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.db import create_engine, read_engine, read_session_factory, session_factory
from app.migrate import upgrade_to_head
from app.settings import Settings, SettingsError
from auth.budget import BucketPolicy, Budget, BudgetPolicy, DatabaseBudgetStore, RedisBudgetStore
from auth.ratelimit import DatabaseRateLimiter, RateLimiter, RedisRateLimiter
from auth.sessions import DatabaseSessionStore, RedisSessionStore, SessionStore, bind_session_store
from domain.base import today_helsinki
from domain.files import FilesystemStore
from domain.users import User
from resolvers.context import Rules
from resolvers.events import EventBus
from schema.build import build_schema
from schema.limits import Limits

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
    #: The process's Redis client when Redis is configured (sessions, limits; ``/readyz``).
    redis: Any = None
    #: Per-principal cost budgets (``auth.budget``), in Redis when configured.
    budget: Budget | None = None
    #: Live updates (``resolvers.events``), through Redis pub/sub when configured.
    events: EventBus = field(default_factory=EventBus)

    @classmethod
    async def start(cls, settings: Settings, *, migrate: bool = True, seed: bool | None = None) -> Runtime:
        """Connect, migrate, seed the demo data if due, and refuse unsafe production starts."""
        settings.check_for_production()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            settings.resolved_database_url,
            pre_ping=settings.database_pre_ping,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_timeout=settings.database_pool_timeout_seconds,
        )
        redis = _redis(settings)
        runtime = cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            read_sessions=read_session_factory(engine),
            read_connections=read_engine(engine).connect,
            schema=build_schema(
                production=settings.is_production, limits=Limits(max_cost=settings.max_query_cost)
            ),
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
                seller_street=settings.seller_street,
                seller_postal_code=settings.seller_postal_code,
                seller_city=settings.seller_city,
                seller_vat_number=settings.seller_vat_number,
                customer_service_phone=settings.customer_service_phone,
                customer_service_email=settings.customer_service_email,
                late_payment_interest_percent=settings.late_payment_interest_percent,
                contract_terms_version=settings.contract_terms_version,
                public_origin=settings.public_origin,
                web_app_origin=settings.web_app_origin or settings.public_origin,
                signing_key=settings.signing_key(),
                access_token_minutes=settings.access_token_minutes,
                refresh_token_days=settings.refresh_token_days,
                session_idle_minutes=settings.session_idle_minutes,
            ),
            signing_key=settings.signing_key(),
            limiter=_limiter(session_factory(engine), redis),
            budget=_budget(settings, session_factory(engine), redis),
            redis=redis,
            events=EventBus(redis),
        )
        store = _session_store(settings, redis)
        bind_session_store(runtime.sessions, store)
        bind_session_store(runtime.read_sessions, store)  # the principal lookup of every request
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
        await self.events.close()
        await self.engine.dispose()
        if self.redis is not None:
            await self.redis.aclose()


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


#: Seconds between the checks (a PING) of a Redis connection that has been idle.
REDIS_HEALTH_CHECK_SECONDS = 30
#: Seconds to connect to Redis, and to wait for an answer to one command.
REDIS_CONNECT_TIMEOUT_SECONDS = 2
REDIS_COMMAND_TIMEOUT_SECONDS = 5


def _redis(settings: Settings) -> Any:
    """One Redis client for the process when Redis is configured (closed in ``Runtime.close``).

    A blocking pool of ``redis_max_connections``: when all are busy, a caller waits up to
    ``redis_pool_timeout_seconds`` for one to come free (redis-py's default pool raises
    ``MaxConnectionsError`` at once), and past that gets a ``ConnectionError`` that the
    error responder answers with 503. A connection idle for over 30 s is checked with a
    PING before use, and a command that fails on a connection error or timeout is retried
    once on a fresh connection after a short pause, so a Redis restart (every pooled
    connection dead) costs no request; a Redis that stays down fails fast (two attempts,
    not redis-py's default of ten with backoff).
    """
    if not settings.redis_url:
        return None
    from redis.asyncio import BlockingConnectionPool, Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import ConstantBackoff
    from redis.exceptions import ConnectionError, TimeoutError

    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        timeout=settings.redis_pool_timeout_seconds,
        health_check_interval=REDIS_HEALTH_CHECK_SECONDS,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
        socket_timeout=REDIS_COMMAND_TIMEOUT_SECONDS,
        retry=Retry(ConstantBackoff(0.05), retries=1, supported_errors=(ConnectionError, TimeoutError)),
    )
    return Redis.from_pool(pool)


def _limiter(sessions: async_sessionmaker[AsyncSession], redis: Any) -> RateLimiter:
    """Redis-backed limits when Redis is configured (shared by all processes), else the database."""
    if redis is not None:
        return RedisRateLimiter(redis)
    return DatabaseRateLimiter(sessions)


def _budget(settings: Settings, sessions: async_sessionmaker[AsyncSession], redis: Any) -> Budget:
    """Cost budgets in Redis when configured (shared by all processes), else the database.

    A bucket holds at least one operation at the cost limit, so that every operation the
    limit allows can run.
    """
    policy = BudgetPolicy(
        max_cost=settings.max_query_cost,
        signed_in=BucketPolicy(
            max(settings.cost_budget, settings.max_query_cost), settings.cost_restore_per_second
        ),
        anonymous=BucketPolicy(
            max(settings.anonymous_cost_budget, settings.max_query_cost),
            settings.anonymous_cost_restore_per_second,
        ),
    )
    store = RedisBudgetStore(redis) if redis is not None else DatabaseBudgetStore(sessions)
    return Budget(store, policy)


def _session_store(settings: Settings, redis: Any) -> SessionStore:
    """Web sessions in Redis when configured (shared by all processes), else the database."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    if redis is not None:
        return RedisSessionStore(redis, idle=idle)
    return DatabaseSessionStore(idle=idle)
