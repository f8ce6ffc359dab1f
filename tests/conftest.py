"""Shared test set-up: one demo database per test session, an ASGI client per test.

The database is the one ``ENERGY_PORTAL_DATABASE_URL`` names (CI sets it to the local
PostgreSQL server, whose tables are dropped first so every run starts clean), or a SQLite
file in a temporary folder. It is migrated and seeded with the demo data once; tests
that write only add rows of their own (sessions, messages), so they do not disturb
each other.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from app.db import create_engine
from app.http import build_app
from app.runtime import Runtime
from app.settings import Settings
from auth.ratelimit import RedisRateLimiter

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

DEMO_PASSWORDS = {
    name: f"{name}-demo-password"
    for name in ("maija", "matti", "liisa", "kahvila", "isannoitsija", "asiakaspalvelu")
}


def database_url(tmp: Path) -> str:
    return os.environ.get("ENERGY_PORTAL_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp / 'test.sqlite3'}"


async def reset_database(url: str) -> None:
    """Drop everything in a PostgreSQL test database (SQLite files are new anyway)."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
async def runtime(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Runtime]:
    tmp = tmp_path_factory.mktemp("energy-portal")
    url = database_url(tmp)
    await reset_database(url)
    settings = Settings(
        mode="development",
        data_dir=tmp,
        database_url=url,
        seed_demo_data=True,
        public_origin="http://testserver",
    )
    rt = await Runtime.start(settings)
    yield rt
    await rt.close()


async def forget_rate_limits(runtime: Runtime) -> None:
    """Drop every counted attempt and spent cost budget, so that one test's failed sign-ins
    and queries (all from 127.0.0.1) never throttle another test."""
    limiter: Any = runtime.limiter
    if getattr(limiter, "redis", None) is not None:
        async for key in limiter.redis.scan_iter(match=f"{limiter.prefix}*"):
            await limiter.redis.delete(key)
    else:
        async with runtime.sessions() as db, db.begin():
            await db.execute(text("DELETE FROM rate_limit_hits"))
    async with runtime.sessions() as db, db.begin():
        await db.execute(text("DELETE FROM cost_budgets"))


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
    await forget_rate_limits(runtime)


class GraphQLResult(dict):  # type: ignore[type-arg]
    """A GraphQL response body with helpers for tests.

    ``extensions`` (the cost report, whose ``remaining`` changes from request to request)
    is kept apart, so that the bodies of two answers compare equal when their data and
    errors are.
    """

    extensions: dict[str, Any]

    @classmethod
    def of(cls, body: dict[str, Any]) -> GraphQLResult:
        result = cls({k: v for k, v in body.items() if k != "extensions"})
        result.extensions = body.get("extensions") or {}
        return result

    @property
    def data(self) -> Any:
        return self.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.get("errors") or []

    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> GraphQLResult:
    """POST a GraphQL operation; asserts the HTTP status is 200."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return GraphQLResult.of(response.json())


LOGIN = """mutation Login($input: LoginInput!) {
  login(input: $input) { user { id username role } errors { field code message } }
}"""


async def login(client: httpx.AsyncClient, username: str, password: str | None = None) -> GraphQLResult:
    """Sign ``client`` in as a demo user (its cookie jar keeps the session)."""
    result = await gql(
        client, LOGIN, {"input": {"username": username, "password": password or DEMO_PASSWORDS[username]}}
    )
    assert result.data["login"]["errors"] == [], result
    return result


def operation(name: str) -> str:
    """The text of a client operation in ``../shared/operations``."""
    matches = list((SHARED / "operations").rglob(f"{name}.graphql"))
    assert len(matches) == 1, name
    return matches[0].read_text()


@contextmanager
def count_statements(runtime: Runtime) -> Iterator[list[str]]:
    """Collect the SQL statements the engine executes inside the block."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", before)


@asynccontextmanager
async def own_redis_limiter() -> AsyncIterator[RedisRateLimiter]:
    """A Redis limiter under a prefix of its own, emptied afterwards."""
    from redis.asyncio import Redis

    redis = Redis.from_url(os.environ["ENERGY_PORTAL_TEST_REDIS_URL"])
    limiter = RedisRateLimiter(redis, prefix=f"energy-portal-test:{secrets.token_hex(6)}:")
    try:
        yield limiter
    finally:
        async for key in redis.scan_iter(match=f"{limiter.prefix}*"):
            await redis.delete(key)
        await redis.aclose()
