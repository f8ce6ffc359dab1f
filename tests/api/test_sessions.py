"""Web sessions: idle and absolute timeouts, rotation at sign-in, server-side logout, in
both session stores (the database, and Redis when ``ENERGY_PORTAL_TEST_REDIS_URL`` is set).

Each test runs the real application on the shared demo database with a session store of
its own whose clock the test moves.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db import read_session_factory
from app.http import build_app
from app.runtime import Runtime
from app.settings import Settings
from auth.ratelimit import RedisRateLimiter
from auth.sessions import (
    DatabaseSessionStore,
    RedisSessionStore,
    bind_session_store,
    create_session,
    end_user_sessions,
    principal_from_session,
    session_store,
)
from domain.users import User, UserSession
from tests.conftest import gql, login

REDIS_URL = os.environ.get("ENERGY_PORTAL_TEST_REDIS_URL")
VIEWER = "{ viewer { user { username } } }"
IDLE = timedelta(minutes=60)
T0 = datetime.now(UTC).replace(microsecond=0)


class Clock:
    """A clock that the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclasses.dataclass
class Harness:
    """An app whose sessions live in ``store``, which follows ``clock``."""

    runtime: Runtime
    store: DatabaseSessionStore | RedisSessionStore
    clock: Clock
    client: httpx.AsyncClient

    async def viewer(self) -> str | None:
        viewer = (await gql(self.client, VIEWER)).data["viewer"]
        return None if viewer is None else viewer["user"]["username"]


@pytest.fixture(params=["database", "redis"])
async def store_kind(request) -> AsyncIterator[tuple[str, object]]:
    if request.param == "database":
        yield "database", None
        return
    if not REDIS_URL:
        pytest.skip("Redis session store: set ENERGY_PORTAL_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    prefix = f"energy-portal-test:{uuid.uuid4().hex}:"
    try:
        yield "redis", (redis, prefix)
    finally:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


def make_store(kind: str, extra: object, clock: Clock, idle: timedelta):
    if kind == "database":
        return DatabaseSessionStore(idle=idle, clock=clock)
    redis, prefix = extra  # type: ignore[misc]
    return RedisSessionStore(redis, prefix=prefix, idle=idle, clock=clock)


async def harness(runtime: Runtime, store_kind, *, idle: timedelta = IDLE, days: int | None = None):
    kind, extra = store_kind
    clock = Clock()
    store = make_store(kind, extra, clock, idle)
    sessions = async_sessionmaker(runtime.engine, expire_on_commit=False)
    read_sessions = read_session_factory(runtime.engine)  # the principal lookup of every request
    bind_session_store(sessions, store)
    bind_session_store(read_sessions, store)
    rules = runtime.rules if days is None else dataclasses.replace(runtime.rules, session_days=days)
    own = dataclasses.replace(runtime, sessions=sessions, read_sessions=read_sessions, rules=rules)
    transport = httpx.ASGITransport(app=build_app(own))
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    return Harness(own, store, clock, client)


@pytest.fixture
async def app(runtime, store_kind) -> AsyncIterator[Harness]:
    h = await harness(runtime, store_kind)
    async with h.client:
        yield h


async def test_idle_timeout(app: Harness) -> None:
    await login(app.client, "maija")
    app.clock.advance(minutes=59)
    assert await app.viewer() == "maija"  # recorded: the idle time starts again
    app.clock.advance(minutes=59)
    assert await app.viewer() == "maija"
    app.clock.advance(minutes=60)
    assert await app.viewer() is None
    app.clock.advance(minutes=-1)  # nothing brings it back
    assert await app.viewer() is None


async def test_last_seen_is_written_at_most_once_a_minute(app: Harness) -> None:
    await login(app.client, "maija")
    token = app.client.cookies["ep_session"]

    async def last_seen() -> datetime:
        async with app.runtime.sessions() as db:
            record = await session_store(db).get(db, _hash(token))
        assert record is not None
        return record.last_seen_at

    assert await last_seen() == T0
    app.clock.advance(seconds=30)
    assert await app.viewer() == "maija"
    assert await last_seen() == T0  # not written for a request within the minute
    app.clock.advance(seconds=31)
    assert await app.viewer() == "maija"
    assert await last_seen() == T0 + timedelta(seconds=61)


@pytest.fixture
async def long_idle_app(runtime, store_kind) -> AsyncIterator[Harness]:
    h = await harness(runtime, store_kind, idle=timedelta(days=30), days=1)
    async with h.client:
        yield h


async def test_absolute_timeout_ends_even_a_busy_session(long_idle_app: Harness) -> None:
    app = long_idle_app
    await login(app.client, "maija")
    for _ in range(23):
        app.clock.advance(hours=1)
        assert await app.viewer() == "maija"
    app.clock.advance(minutes=59, seconds=59)
    assert await app.viewer() == "maija"
    app.clock.advance(seconds=1)
    assert await app.viewer() is None


async def test_logout_ends_the_session_server_side(app: Harness) -> None:
    await login(app.client, "maija")
    token = app.client.cookies["ep_session"]
    assert (await gql(app.client, "mutation { logout { errors { code } } }")).data["logout"]["errors"] == []
    app.client.cookies.set("ep_session", token)
    assert await app.viewer() is None
    async with app.runtime.sessions() as db:
        record = await session_store(db).get(db, _hash(token))
    assert record is None or record.ended


async def test_sign_in_rotates_the_session(app: Harness) -> None:
    await login(app.client, "maija")
    first = app.client.cookies["ep_session"]
    await login(app.client, "liisa")
    second = app.client.cookies["ep_session"]
    assert second != first
    assert await app.viewer() == "liisa"
    app.client.cookies.set("ep_session", first)
    assert await app.viewer() is None


async def test_end_user_sessions_keeps_only_the_one_asked(app: Harness) -> None:
    async with app.runtime.sessions() as db, db.begin():
        user_id = await db.scalar(select(User.id).where(User.username_key == "matti"))
        assert user_id is not None
        tokens = [await create_session(db, user_id, days=14) for _ in range(3)]
    async with app.runtime.sessions() as db, db.begin():
        keep = await principal_from_session(db, tokens[0])
        assert keep is not None
        await end_user_sessions(db, user_id, keep=keep.session_id)
    async with app.runtime.sessions() as db:
        alive = [await principal_from_session(db, t) is not None for t in tokens]
    assert alive == [True, False, False]


async def test_the_stores_keep_only_a_hash_of_the_token(app: Harness, store_kind) -> None:
    await login(app.client, "liisa")
    token = app.client.cookies["ep_session"]
    kind, extra = store_kind
    if kind == "database":
        async with app.runtime.sessions() as db:
            hashes = (await db.execute(select(UserSession.token_hash))).scalars().all()
        assert _hash(token) in hashes and token not in hashes
    else:
        redis, prefix = extra
        keys = [k.decode() async for k in redis.scan_iter(match=f"{prefix}*")]
        values = [await redis.get(k) for k in keys if ":s:" in k]
        assert f"{prefix}s:{_hash(token)}" in keys
        assert all(token not in k for k in keys)
        assert all(token.encode() not in v for v in values if v)


async def test_redis_keys_expire_with_the_session(runtime, store_kind) -> None:
    kind, extra = store_kind
    if kind != "redis":
        pytest.skip("Redis only: the database store keeps ended rows")
    redis, prefix = extra
    h = await harness(runtime, store_kind, idle=timedelta(minutes=30), days=14)
    async with h.client:
        await login(h.client, "maija")
        key = f"{prefix}s:{_hash(h.client.cookies['ep_session'])}"
        ttl = await redis.pttl(key)
        assert 29 * 60_000 < ttl <= 30 * 60_000


async def test_the_runtime_uses_the_database_store_by_default(runtime) -> None:
    async with runtime.sessions() as db:
        store = session_store(db)
    assert isinstance(store, DatabaseSessionStore)
    assert store.idle == timedelta(minutes=runtime.settings.session_idle_minutes)


@pytest.mark.skipif(not REDIS_URL, reason="set ENERGY_PORTAL_TEST_REDIS_URL to test the Redis store")
async def test_the_runtime_uses_redis_when_configured(tmp_path) -> None:
    settings = Settings(
        mode="development",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'redis-wiring.sqlite3'}",
        redis_url=REDIS_URL,
        seed_demo_data=False,
        session_idle_minutes=20,
    )
    rt = await Runtime.start(settings, seed=False)
    try:
        async with rt.sessions() as db:
            store = session_store(db)
        assert isinstance(store, RedisSessionStore)
        assert store.idle == timedelta(minutes=20)
        assert isinstance(rt.limiter, RedisRateLimiter)
        assert store.redis is rt.limiter.redis
    finally:
        await rt.close()


def _hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()
