"""Failures are answered once, as JSON with a code and the request ID, and never drop the connection.

Body limits (chunked too), broken multipart requests, a database or Redis that cannot be
reached (in ``get_context``, in a resolver, a pool that stays busy), readiness, and the
pools that queue instead of failing. Outages are simulated with dead ports (nothing
listens on port 1) and small pools; the shared servers are never stopped.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.http import build_app, create_app
from app.runtime import Runtime
from auth.sessions import SESSION_COOKIE
from resolvers.errors import is_unavailable
from tests.api.messaging_helpers import SEND
from tests.conftest import LOGIN, login

DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"
TEST_REDIS = os.environ.get("ENERGY_PORTAL_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not TEST_REDIS, reason="ENERGY_PORTAL_TEST_REDIS_URL is not set")

VIEWER = "{ viewer { user { id } } }"
WRONG_LOGIN = {"query": LOGIN, "variables": {"input": {"username": "maija", "password": "x" * 20}}}


def coded(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The one error of a JSON failure, after checking its status, code and request ID."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code, error
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert error["message"]
    if status == 503:
        assert int(response.headers["retry-after"]) > 0
    return error


async def started(settings_update: dict[str, Any], runtime: Runtime) -> Runtime:
    """A second runtime on the test database with other settings (nothing migrated or seeded)."""
    settings = runtime.settings.model_copy(update=settings_update)
    return await Runtime.start(settings, migrate=False, seed=False)


def client_for(runtime: Runtime, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(runtime)), base_url="http://testserver", **kwargs
    )


# -- bodies ----------------------------------------------------------------------------


async def test_a_chunked_body_over_the_limit_is_413(client) -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ viewer { user { id } } }", "padding": "'
        for _ in range(26):  # 2.6 MB in 100 kB chunks, without a Content-Length
            sent += 100_000
            yield b"x" * 100_000
        yield b'"}'

    response = await client.post("/graphql", content=body(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    error = coded(response, 413, "BAD_REQUEST")
    assert "1 MiB" in error["message"]
    # the server stopped reading soon after the limit
    assert sent < 2 * 1024 * 1024


async def test_a_chunked_body_under_the_limit_runs(client) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"query": "{ viewer { user { id } } }", "variables": {}}'

    response = await client.post("/graphql", content=body(), headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["data"] == {"viewer": None}


# -- broken multipart requests -----------------------------------------------------------

OPERATIONS = json.dumps(
    {
        "query": SEND,
        "variables": {
            "input": {
                "customerId": "x",
                "subject": "Hei",
                "category": "OTHER",
                "body": "b",
                "attachments": [None],
            }
        },
    }
)
FILE = ("mittari.txt", b"lukema 12345\n", "text/plain")


@pytest.mark.parametrize(
    ("fields", "files", "fragment"),
    [
        pytest.param({"operations": OPERATIONS, "map": "{not json"}, {"0": FILE}, "map", id="map-not-json"),
        pytest.param({"operations": OPERATIONS, "map": '[["x"]]'}, {"0": FILE}, "map", id="map-not-object"),
        pytest.param(
            {"operations": OPERATIONS, "map": '{"0": "variables.input.attachments.0"}'},
            {"0": FILE},
            "list of paths",
            id="map-entry-not-a-list",
        ),
        pytest.param(
            {"operations": OPERATIONS, "map": '{"1": ["variables.input.attachments.0"]}'},
            {"0": FILE},
            "missing",
            id="map-to-a-missing-file",
        ),
        pytest.param(
            {"operations": OPERATIONS, "map": '{"operations": ["variables.input.attachments.0"]}'},
            {"0": FILE},
            "missing",
            id="map-to-a-form-field",
        ),
        pytest.param(
            {"operations": OPERATIONS, "map": '{"0": ["variables.input.attachments.5"]}'},
            {"0": FILE},
            "attachments.5",
            id="map-to-a-missing-list-index",
        ),
        pytest.param(
            {"operations": OPERATIONS, "map": '{"0": ["variables.nothing.here"]}'},
            {"0": FILE},
            "nothing.here",
            id="map-to-a-missing-key",
        ),
        pytest.param(
            {"operations": OPERATIONS, "map": '{"0": ["variables.input.subject.0"]}'},
            {"0": FILE},
            "subject.0",
            id="map-through-a-string",
        ),
        pytest.param(
            {"operations": OPERATIONS, "map": '{"0": ["variables.input.subject"]}'},
            {"0": FILE},
            "null",
            id="map-to-a-value-that-is-not-a-placeholder",
        ),
        pytest.param(
            {"operations": OPERATIONS, "map": '{"0": ["query"]}'},
            {"0": FILE},
            "variables",
            id="map-outside-variables",
        ),
        pytest.param(
            {"operations": "{nope", "map": "{}"}, {"0": FILE}, "operations", id="operations-not-json"
        ),
        pytest.param(
            {"operations": "[]", "map": "{}"}, {"0": FILE}, "operations", id="operations-not-object"
        ),
        pytest.param(
            {"map": '{"0": ["variables.file"]}'}, {"0": FILE}, "operations", id="operations-missing"
        ),
    ],
)
async def test_broken_multipart_requests_are_coded_400(client, fields, files, fragment) -> None:
    response = await client.post(
        "/graphql", data=fields, files=files, headers={"Apollo-Require-Preflight": "true"}
    )
    error = coded(response, 400, "BAD_REQUEST")
    assert fragment in error["message"]


async def test_a_multipart_body_cut_off_is_a_coded_400(client) -> None:
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{OPERATIONS}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{}}\r\n'
    ).encode()
    response = await client.post(
        "/graphql",
        content=body,
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            "Apollo-Require-Preflight": "1",
        },
    )
    error = coded(response, 400, "BAD_REQUEST")
    assert error["extensions"]["reason"] == "UPLOAD_INCOMPLETE"


# -- an unreachable Redis -------------------------------------------------------------------


@pytest.fixture
async def dead_redis(runtime: Runtime) -> AsyncIterator[Runtime]:
    rt = await started({"redis_url": DEAD_REDIS}, runtime)
    yield rt
    await rt.close()


async def test_with_redis_unreachable_readiness_says_so_and_login_is_503(dead_redis) -> None:
    async with client_for(dead_redis) as c:
        ready = await c.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "unreachable"}}
        assert (await c.get("/healthz")).status_code == 200

        response = await c.post("/graphql", json=WRONG_LOGIN)
        coded(response, 503, "SERVICE_UNAVAILABLE")
        assert response.json()["data"] is None
        assert "127.0.0.1" not in response.text and "Traceback" not in response.text

        # a session cookie is looked up in Redis before the operation runs (get_context)
        c.cookies.set(SESSION_COOKIE, "a" * 43)
        coded(await c.post("/graphql", json={"query": VIEWER}), 503, "SERVICE_UNAVAILABLE")


# -- an unreachable database ------------------------------------------------------------------


def refusing_factory(error: Exception) -> Any:
    def factory(*args: Any, **kwargs: Any) -> Any:
        raise error

    return factory


async def test_a_database_failure_in_get_context_is_one_503(runtime, caplog) -> None:
    refused = OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "Connection refused"))
    broken = replace(runtime, sessions=refusing_factory(refused), read_sessions=refusing_factory(refused))
    async with client_for(broken, cookies={SESSION_COOKIE: "a" * 43}) as c:
        response = await c.post("/graphql", json={"query": VIEWER})
    coded(response, 503, "SERVICE_UNAVAILABLE")
    assert "Connection refused" not in response.text
    assert response.headers["x-request-id"] in caplog.text


async def test_a_dead_postgresql_port_gives_503_and_unready(runtime) -> None:
    dead = await started({"database_url": DEAD_POSTGRES}, runtime)
    try:
        async with client_for(dead, cookies={SESSION_COOKIE: "a" * 43}) as c:
            ready = await c.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {"status": "unavailable", "checks": {"database": "unreachable"}}
            coded(await c.post("/graphql", json={"query": VIEWER}), 503, "SERVICE_UNAVAILABLE")
            c.cookies.clear()
            # anonymous: get_context reads nothing; the login resolver is the first to fail
            coded(await c.post("/graphql", json=WRONG_LOGIN), 503, "SERVICE_UNAVAILABLE")
    finally:
        await dead.close()


async def test_an_unexpected_failure_in_get_context_is_one_500(runtime, caplog) -> None:
    failing = refusing_factory(RuntimeError("secret internals"))
    broken = replace(runtime, sessions=failing, read_sessions=failing)
    async with client_for(broken, cookies={SESSION_COOKIE: "a" * 43}) as c:
        response = await c.post("/graphql", json={"query": VIEWER})
    error = coded(response, 500, "INTERNAL_SERVER_ERROR")
    assert error["message"] == "Internal server error."
    assert "secret" not in response.text
    assert "secret internals" in caplog.text


async def test_a_resolver_that_cannot_reach_the_database_is_service_unavailable(client, monkeypatch) -> None:
    from schema import query as query_module

    async def unreachable(ctx, global_id):
        raise PoolTimeoutError("QueuePool limit of size 10 overflow 10 reached, connection timed out")

    monkeypatch.setattr(query_module, "load_node", unreachable)
    # nothing of the operation resolved: HTTP 503
    response = await client.post("/graphql", json={"query": '{ node(id: "x") { id } }'})
    coded(response, 503, "SERVICE_UNAVAILABLE")
    assert response.json()["data"] == {"node": None}
    assert "QueuePool" not in response.text
    # another field resolved: 200 with the coded error beside the data
    await login(client, "maija")
    response = await client.post(
        "/graphql", json={"query": '{ node(id: "x") { id } viewer { user { id } } }'}
    )
    assert response.status_code == 200 and "retry-after" not in response.headers
    body = response.json()
    assert body["data"]["viewer"]["user"]["id"]
    assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]


async def test_a_database_pool_that_stays_busy_gives_503_then_recovers(runtime) -> None:
    small = await started(
        {"database_pool_size": 1, "database_max_overflow": 0, "database_pool_timeout_seconds": 0.3}, runtime
    )
    try:
        async with client_for(small, cookies={SESSION_COOKIE: "a" * 43}) as c:
            async with small.engine.connect() as held:
                await held.execute(text("SELECT 1"))
                coded(await c.post("/graphql", json={"query": VIEWER}), 503, "SERVICE_UNAVAILABLE")
            response = await c.post("/graphql", json={"query": VIEWER})
            assert response.status_code == 200 and response.json()["data"] == {"viewer": None}
    finally:
        await small.close()


# -- readiness ------------------------------------------------------------------------------


async def test_readiness_lists_its_checks(client) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_readiness_times_out_on_a_pool_that_stays_busy(runtime) -> None:
    small = await started(
        {
            "database_pool_size": 1,
            "database_max_overflow": 0,
            "database_pool_timeout_seconds": 5,
            "readiness_timeout_seconds": 0.2,
        },
        runtime,
    )
    try:
        async with client_for(small) as c, small.engine.connect() as held:
            await held.execute(text("SELECT 1"))
            response = await c.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "timeout"}
    finally:
        await small.close()


async def test_readiness_is_503_from_sigterm_on(runtime, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("app.http.tune_garbage_collector", lambda: None)  # process-wide; not in tests
    settings = runtime.settings.model_copy(update={"data_dir": tmp_path, "seed_demo_data": False})
    app = create_app(settings)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    uvicorn_handler_calls: list[int] = []

    def server_handler(signum: int, frame: Any) -> None:  # stands in for uvicorn's handle_exit
        uvicorn_handler_calls.append(signum)

    previous = signal.signal(signal.SIGTERM, server_handler)
    lifespan = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put)
    )
    try:
        await inbox.put({"type": "lifespan.startup"})
        assert (await asyncio.wait_for(outbox.get(), 60))["type"] == "lifespan.startup.complete"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert (await c.get("/readyz")).status_code == 200
            signal.raise_signal(signal.SIGTERM)
            assert uvicorn_handler_calls == [signal.SIGTERM]  # the server's own handler still ran
            response = await c.get("/readyz")
            assert response.status_code == 503
            assert response.json()["status"] == "shutting down"
            assert (await c.get("/healthz")).status_code == 200
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await asyncio.wait_for(outbox.get(), 60))["type"] == "lifespan.shutdown.complete"
        await lifespan
        assert signal.getsignal(signal.SIGTERM) is server_handler  # put back at shutdown
    finally:
        if not lifespan.done():
            lifespan.cancel()
        signal.signal(signal.SIGTERM, previous)


# -- Redis pools that queue, retry and time out ---------------------------------------------------


async def small_redis_runtime(runtime: Runtime, pool_timeout: float) -> AsyncIterator[Runtime]:
    rt = await started(
        {"redis_url": TEST_REDIS, "redis_max_connections": 2, "redis_pool_timeout_seconds": pool_timeout},
        runtime,
    )
    yield rt
    limiter: Any = rt.limiter
    async for key in rt.redis.scan_iter(match=f"{limiter.prefix}*"):
        await rt.redis.delete(key)
    await rt.close()


@pytest.fixture
async def small_redis(runtime: Runtime) -> AsyncIterator[Runtime]:
    """Two Redis connections, waited for at most 0.3 s."""
    async for rt in small_redis_runtime(runtime, 0.3):
        yield rt


@pytest.fixture
async def small_patient_redis(runtime: Runtime) -> AsyncIterator[Runtime]:
    """Two Redis connections, waited for up to 30 s."""
    async for rt in small_redis_runtime(runtime, 30):
        yield rt


@needs_redis
async def test_redis_callers_queue_for_the_pool(small_patient_redis) -> None:
    rt = small_patient_redis
    verdicts = await asyncio.gather(
        *(rt.limiter.hit("test-failures:queue", limit=1000, window_seconds=60) for _ in range(100))
    )
    assert len(verdicts) == 100
    pool = rt.redis.connection_pool
    assert len(pool._available_connections) + len(pool._in_use_connections) <= 2


@needs_redis
async def test_a_redis_pool_that_stays_busy_gives_503(small_redis) -> None:
    pool = small_redis.redis.connection_pool
    held = [await pool.get_connection(), await pool.get_connection()]
    try:
        async with client_for(small_redis) as c:
            coded(await c.post("/graphql", json=WRONG_LOGIN), 503, "SERVICE_UNAVAILABLE")
    finally:
        for connection in held:
            await pool.release(connection)
    async with client_for(small_redis) as c:
        response = await c.post("/graphql", json=WRONG_LOGIN)
    assert response.status_code == 200
    assert response.json()["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


@needs_redis
async def test_a_redis_restart_costs_no_request(runtime) -> None:
    """Redis drops every connection (as a restart does): the next command reconnects once and works."""
    from redis.asyncio import Redis

    rt = await started({"redis_url": TEST_REDIS, "redis_max_connections": 1}, runtime)
    killer = Redis.from_url(TEST_REDIS)
    try:
        async with client_for(rt) as c:
            assert (await c.get("/readyz")).json()["checks"] == {"database": "ok", "redis": "ok"}
            ours = await rt.redis.client_id()  # the pool's only connection
            assert await killer.client_kill_filter(_id=ours) == 1
            response = await c.post("/graphql", json=WRONG_LOGIN)
            assert response.status_code == 200, response.text
            assert response.json()["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
            assert await rt.redis.client_id() != ours
    finally:
        await killer.aclose()
        limiter: Any = rt.limiter
        async for key in rt.redis.scan_iter(match=f"{limiter.prefix}*"):
            await rt.redis.delete(key)
        await rt.close()


# -- the classifier -------------------------------------------------------------------------------


def test_what_counts_as_unavailable() -> None:
    import sqlite3

    from redis import exceptions as redis_errors
    from sqlalchemy.exc import DBAPIError, ProgrammingError

    assert is_unavailable(PoolTimeoutError("pool"))
    assert is_unavailable(redis_errors.ConnectionError("refused"))
    assert is_unavailable(redis_errors.MaxConnectionsError("too many"))
    assert is_unavailable(redis_errors.TimeoutError("slow"))
    assert is_unavailable(ConnectionRefusedError(111, "refused"))
    assert is_unavailable(OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432)"))
    assert is_unavailable(OperationalError("SELECT 1", {}, ConnectionResetError(104, "reset")))
    invalidated = DBAPIError("SELECT 1", {}, Exception("connection is closed"), connection_invalidated=True)
    assert is_unavailable(invalidated)
    assert is_unavailable(OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")))

    class TooManyClients(Exception):
        sqlstate = "53300"

    wrapped = OperationalError("SELECT 1", {}, Exception("adapted"))
    wrapped.orig.__cause__ = TooManyClients()
    assert is_unavailable(wrapped)

    assert not is_unavailable(RuntimeError("bug"))
    assert not is_unavailable(FileNotFoundError(2, "No such file"))
    assert not is_unavailable(OperationalError("SELECT x", {}, sqlite3.OperationalError("no such table: x")))
    assert not is_unavailable(ProgrammingError("SELECT", {}, Exception("syntax error")))
    assert not is_unavailable(redis_errors.ResponseError("WRONGTYPE"))
