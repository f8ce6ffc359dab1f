"""In process: the application driven through ASGI, CPU and statements per request."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from bench.load import ensure_database
from bench.pages.catalogue import (
    DASHBOARD_BODY,
    DATA_DIR,
    LOGIN,
    PAGES,
    Page,
    facts_from,
    graphql_body,
    invoices_body,
    own_customer,
)


class Asgi:
    """One POST /graphql straight into an ASGI application (no sockets, no HTTP client)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def post(self, body: bytes, cookie: str) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"127.0.0.1:8000"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cookie", cookie.encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        done = asyncio.Event()
        sent = False
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        return status, b"".join(chunks), headers


@dataclass
class InProcess:
    label: str
    runtime: Any
    app: Asgi
    view: Any
    statements: list[int] = field(default_factory=lambda: [0])


@contextlib.contextmanager
def counting(engine: Any, counter: list[int]) -> Iterator[None]:
    from sqlalchemy import event

    def before(*_: Any) -> None:
        counter[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def sign_in_asgi(app: Asgi, user: str) -> str:
    body = orjson.dumps(
        {"query": LOGIN, "variables": {"input": {"username": user, "password": f"{user}-demo-password"}}}
    )
    status, payload, headers = await app.post(body, "")
    errors = orjson.loads(payload)["data"]["login"]["errors"]
    if status != 200 or errors:
        raise SystemExit(f"signing in {user} in process failed: {status} {errors}")
    cookies = []
    for name, value in headers:
        if name.lower() == b"set-cookie":
            cookies.append(value.decode().split(";", 1)[0])
    return "; ".join(cookies)


@contextlib.asynccontextmanager
async def started(label: str, url: str, redis_url: str | None, cost_budget: int) -> AsyncIterator[InProcess]:
    from app.graphql_view import GraphQLView
    from app.http import build_app
    from app.runtime import Runtime, tune_garbage_collector
    from app.settings import Settings

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        mode="development",
        data_dir=DATA_DIR,
        database_url=url,
        redis_url=redis_url or None,
        seed_demo_data=True,
        cost_budget=cost_budget,
        cost_restore_per_second=cost_budget,
        public_origin="http://127.0.0.1:8000",
    )
    runtime = await Runtime.start(settings)
    try:
        tune_garbage_collector()
        yield InProcess(label, runtime, Asgi(build_app(runtime)), GraphQLView(runtime))
    finally:
        await runtime.close()


@dataclass
class Sample:
    context_cpu: list[float] = field(default_factory=list)
    execute_cpu: list[float] = field(default_factory=list)
    request_cpu: list[float] = field(default_factory=list)
    request_wall: list[float] = field(default_factory=list)
    context_statements: int = 0
    execute_statements: int = 0
    request_statements: int = 0
    size: int = 0


async def one_round(
    target: InProcess, page: Page, variables: dict[str, Any], cookie: str, sample: Sample
) -> None:
    """The page once through context + execute, and once as a whole request."""
    from starlette.requests import Request
    from starlette.responses import Response

    schema = target.runtime.schema
    counter = target.statements
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "headers": [(b"cookie", cookie.encode()), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "query_string": b"",
        "state": {},
    }
    request = Request(scope)
    start_statements = counter[0]
    cpu = time.thread_time()
    context = await target.view.get_context(request, Response())
    sample.context_cpu.append((time.thread_time() - cpu) * 1000)
    sample.context_statements = counter[0] - start_statements
    start_statements = counter[0]
    cpu = time.thread_time()
    result = await schema.execute(
        page.document, variable_values=variables, context_value=context, operation_name=page.operation
    )
    sample.execute_cpu.append((time.thread_time() - cpu) * 1000)
    sample.execute_statements = counter[0] - start_statements
    if result.errors:
        raise RuntimeError(f"{page.name}: {result.errors}")
    body = graphql_body(page.document, page.operation, variables)
    start_statements = counter[0]
    wall, cpu = time.perf_counter(), time.thread_time()
    status, payload, _ = await target.app.post(body, cookie)
    sample.request_cpu.append((time.thread_time() - cpu) * 1000)
    sample.request_wall.append((time.perf_counter() - wall) * 1000)
    sample.request_statements = counter[0] - start_statements
    if status != 200 or b'"errors"' in payload:
        raise RuntimeError(f"{page.name}: HTTP {status}: {payload[:500]!r}")
    sample.size = len(payload)


async def in_process(args: argparse.Namespace, pages: list[Page]) -> None:
    targets = [("PostgreSQL", args.database_url)]
    if args.sqlite:
        targets.append(("SQLite", f"sqlite+aiosqlite:///{args.sqlite}"))
    print(
        f"In process: median of {args.runs} rounds after {args.warmups} warm-ups; ms of event-loop "
        "thread CPU (context = GraphQLView.get_context with the principal lookup; execute = "
        "schema.execute; request = the whole ASGI request), wall of the whole request; "
        "stmts = SQL statements (context + execute / whole request)"
    )
    print(f"cost budget raised: {args.cost_budget:,} per user, as much restored per second")
    header = (
        f"{'database':<11} {'page':<15} {'user':<13} {'bytes':>7} {'stmts':>7} {'context':>8} "
        f"{'execute':>8} {'request':>8} {'wall':>7}"
    )
    print(header)
    print("-" * len(header))
    for label, url in targets:
        await ensure_database(url)
        async with started(label, url, args.redis_url, args.cost_budget) as target:
            with counting(target.runtime.engine, target.statements):
                cookies = {user: await sign_in_asgi(target.app, user) for user in ("maija", "isannoitsija")}

                maija = cookies["maija"]
                dashboard = orjson.loads((await target.app.post(DASHBOARD_BODY, maija))[1])
                invoices = orjson.loads(
                    (await target.app.post(invoices_body(own_customer(dashboard)), maija))[1]
                )
                facts = facts_from(dashboard, invoices)
                cases = [(page, "maija") for page in pages]
                if any(page.name == "Dashboard" for page in pages):
                    cases.insert(1, (PAGES[0], "isannoitsija"))
                samples = {(p.name, user): Sample() for p, user in cases}
                for _ in range(args.warmups):
                    for page, user in cases:
                        await one_round(target, page, page.variables(facts), cookies[user], Sample())
                for _ in range(args.runs):
                    for page, user in cases:
                        await one_round(
                            target, page, page.variables(facts), cookies[user], samples[page.name, user]
                        )
            for page, user in cases:
                s = samples[page.name, user]
                m = statistics.median
                print(
                    f"{label:<11} {page.name:<15} {user:<13} {s.size:>7,} "
                    f"{f'{s.context_statements + s.execute_statements}/{s.request_statements}':>7} "
                    f"{m(s.context_cpu):>8.2f} {m(s.execute_cpu):>8.2f} {m(s.request_cpu):>8.2f} "
                    f"{m(s.request_wall):>7.2f}",
                    flush=True,
                )
    print()
