"""A crowd on the Dashboard: wrk against ``energy-portal serve --workers 2`` on PostgreSQL + Redis.

Run from the repository root (wrk comes from Debian's packages: ``apt-get install wrk``)::

    .venv/bin/python -m bench.load                       # 200 connections, 60 s
    .venv/bin/python -m bench.load --connections 64 --duration 20

It starts the server in development mode on ``--port`` (default 8765) with
``--workers`` (2), the database ``--database-url`` (default
``postgresql+asyncpg://postgres@127.0.0.1:5432/bench_load``, created when missing and
seeded with the demo data on the first run, which takes about a minute) and Redis
``--redis-url`` (default ``redis://127.0.0.1:6379/5``; web sessions, rate limits and cost
budgets live there, as in a deployment of several workers). It signs in the demo users
(``--users``), then wrk sends the client's ``Dashboard`` operation for ``--duration``
seconds over ``--connections`` connections, each wrk thread as one of the users.

The per-principal cost budget is raised for the run (``--cost-budget``, default
10,000,000 with as much restored per second), since a handful of users sending hundreds
of requests a second is exactly what the budget exists to stop; the output says so.

Printed: requests/s, latency p50/p90/p99, and the counts of non-2xx responses, socket
errors (connect, read, write, timeout) and responses with GraphQL ``errors``. The
issue's goal: zero errors of any kind and p99 under 2 s at 200 connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

LOGIN = "mutation($input: LoginInput!) { login(input: $input) { errors { code } } }"

WRK_SCRIPT = """
local bodies = {BODY}
local cookies = {COOKIES}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("cookie", cookies[(counter - 1) % #cookies + 1])
  table.insert(threads, thread)
end

function init(args)
  graphql_errors = 0
  wrk.method = "POST"
  wrk.body = bodies
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Cookie"] = cookie
end

"""

#: What every wrk run of the benchmarks reports: GraphQL errors counted per thread (a 200
#: whose body has ``"errors"``), latency percentiles, requests and wrk's error counts, as
#: ``NAME value`` lines that ``parse_wrk`` reads. A script's own part must keep the wrk
#: threads in ``threads`` and count into ``graphql_errors``.
WRK_REPORT = """
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


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


async def ensure_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist."""
    import asyncpg

    match = re.match(
        r"postgresql\+asyncpg://(?P<user>[^@]+)@(?P<host>[^:/]+):(?P<port>\d+)/(?P<db>\w+)$", url
    )
    if match is None:
        return
    connection = await asyncpg.connect(
        user=match["user"], host=match["host"], port=int(match["port"]), database="postgres"
    )
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", match["db"])
        if not exists:
            await connection.execute(f'CREATE DATABASE "{match["db"]}"')
    finally:
        await connection.close()


def wait_ready(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"the server at {base} did not become ready in {seconds:.0f} s")


def sign_in(base: str, users: list[str]) -> list[str]:
    cookies = []
    for user in users:
        with httpx.Client(base_url=base, timeout=30) as client:
            variables = {"input": {"username": user, "password": f"{user}-demo-password"}}
            response = client.post("/graphql", json={"query": LOGIN, "variables": variables})
            errors = response.json()["data"]["login"]["errors"]
            if errors:
                raise SystemExit(f"signing in {user} failed: {errors}")
            cookies.append("; ".join(f"{k}={v}" for k, v in client.cookies.items()))
    return cookies


def parse_wrk(output: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in {
            "GRAPHQL_ERRORS",
            "P50_US",
            "P90_US",
            "P99_US",
            "REQUESTS",
            "DURATION_US",
        }:
            figures[parts[0]] = float(parts[1])
        elif parts and parts[0] == "ERRORS":
            for item in parts[1:]:
                name, value = item.split("=")
                figures[f"socket_{name}"] = float(value)
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            figures["non_2xx"] = float(line.split(":")[1])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/bench_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--users", default="maija,matti,liisa,kahvila,isannoitsija")
    parser.add_argument("--cost-budget", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    asyncio.run(ensure_database(args.database_url))
    base = f"http://127.0.0.1:{args.port}"
    data_dir = ROOT / "var" / "bench-load"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "ENERGY_PORTAL_DATABASE_URL": args.database_url,
        "ENERGY_PORTAL_REDIS_URL": args.redis_url,
        "ENERGY_PORTAL_DATA_DIR": str(data_dir),
        "ENERGY_PORTAL_COST_BUDGET": str(args.cost_budget),
        "ENERGY_PORTAL_COST_RESTORE_PER_SECOND": str(args.cost_budget),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "energy-portal"),
            "serve",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(data_dir / "server.log", "w"),  # noqa: SIM115 (closed with the process)
        start_new_session=True,
    )
    try:
        wait_ready(base, 300)
        users = args.users.split(",")
        cookies = sign_in(base, users)
        dashboard = (SHARED / "operations" / "web" / "Dashboard.graphql").read_text()
        body = json.dumps({"query": dashboard, "operationName": "Dashboard", "variables": {"language": "FI"}})
        script = (
            (WRK_SCRIPT + WRK_REPORT)
            .replace("{BODY}", lua_string(body))
            .replace("{COOKIES}", "{" + ", ".join(lua_string(c) for c in cookies) + "}")
        )
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        threads = min(len(users), args.connections)
        command = [
            wrk, f"-t{threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
            "--latency", "-s", handle.name, f"{base}/graphql",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        figures = parse_wrk(done.stdout)
        requests = figures.get("REQUESTS", 0)
        seconds = figures.get("DURATION_US", 1) / 1e6
        sockets = sum(v for k, v in figures.items() if k.startswith("socket_") and k != "socket_status")
        print(
            f"Dashboard as {len(users)} users ({', '.join(users)}), {args.connections} connections, "
            f"{args.duration} s, --workers {args.workers}, PostgreSQL + Redis"
        )
        print(
            f"cost budget raised for the run: {args.cost_budget:,} per user, "
            f"{args.cost_budget:,} restored per second"
        )
        print(f"requests/s          {requests / seconds:10.1f}   ({int(requests):,} requests)")
        for name in ("P50", "P90", "P99"):
            print(f"latency {name.lower():<11} {figures.get(f'{name}_US', 0) / 1000:10.1f} ms")
        print(f"non-2xx responses   {int(figures.get('non_2xx', 0)):10d}")
        print(
            f"socket errors       {int(sockets):10d}   "
            + " ".join(f"{k[7:]}={int(v)}" for k, v in figures.items() if k.startswith("socket_"))
        )
        print(f"GraphQL errors      {int(figures.get('GRAPHQL_ERRORS', 0)):10d}")
        os.unlink(handle.name)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
