"""Over HTTP: wrk against each server in turn, throughput, latency and CPU per request."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

import httpx

from bench.load import WRK_REPORT, ensure_database, lua_string, parse_wrk
from bench.pages.catalogue import (
    DASHBOARD_BODY,
    DATA_DIR,
    PGL_DIR,
    Page,
    facts_from,
    graphql_body,
    invoices_body,
    own_customer,
)
from bench.pages.servers import Server, ensure_postgraphile, project_server, sign_in_http

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

"""


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
    script = (WRK_SCRIPT + WRK_REPORT).replace("{BODY}", lua_string(body.decode()))
    script = script.replace("{COOKIE}", cookie_line)
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
