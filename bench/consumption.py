"""In-process cost of the ``Consumption`` operation on the demo data, against a floor.

Run from the repository root::

    .venv/bin/python -m bench.consumption                 # SQLite and PostgreSQL
    .venv/bin/python -m bench.consumption --no-postgres   # SQLite only
    .venv/bin/python -m bench.consumption --runs 25

The SQLite database is ``var/bench/energy-portal.sqlite3`` and the PostgreSQL one
``postgresql+asyncpg://postgres@127.0.0.1:5432/bench_d`` (``--postgres URL``; create it
with ``createdb -h 127.0.0.1 -U postgres bench_d``); each is migrated and, when empty,
seeded with the demo data for today (which takes a minute). The cases run on Maija's
apartment (15-minute metered from 2025-10-01, hourly before), ending yesterday:

* ``HOUR``, a year (8,760 points); ``QUARTER_HOUR``, a year (35,040 points, or from the
  first 15-minute day when that is later); ``DAY``, three years; ``MONTH``, all years.

For each case the table gives the median wall time (ms) of:

* ``stock``: ``schema.execute`` of the client's ``Consumption`` operation (every field:
  points with ``start kwh unitPrice cost quality``, totals, completeness, trend, similar
  locations) with graphql-core's own list completion, plus ``orjson.dumps`` of the result;
* ``fast``: the same with the list fast path of ``schema.fastpath`` (what the server runs);
* ``floor``: the same payload from hand-written SQL (points with the local ISO time, kWh,
  unit price and cost computed in SQL, from the same tables: readings, rollups, spot
  prices), the previous-period and peer queries, dicts built in Python, ``orjson.dumps``;
* ``fast/floor``: the ratio the issue bounds at 3.

Also printed: the CPU time of the fast path's event-loop thread (``cpu``; the SQLite
threads and the PostgreSQL server are not in it) and the machine. Times are medians of
``--runs`` rounds after two warm-ups; in each round ``fast`` and ``floor`` run one after
the other, so that the drift of a shared machine hits them alike (``stock`` runs on its
own before them: the garbage of its 175,000 leaf completions would land on the others). The garbage
collector is set up as the server sets it up after start-up
(``app.runtime.tune_garbage_collector``); ``--default-gc`` leaves CPython's defaults.
``--only HOUR`` runs the cases whose name contains ``HOUR``; ``--no-stock`` skips the
slow column.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import orjson
import strawberry
from sqlalchemy import select, text

from app.runtime import Runtime, tune_garbage_collector
from app.settings import Settings
from auth.principal import Principal
from domain import reporting
from domain.base import Language, Resolution, today_helsinki
from domain.customers import Customer, LocationOfUse
from domain.reporting import local_time
from domain.users import User, UserRole
from resolvers.context import Context
from resolvers.ids import to_global_id
from schema.build import build_schema

ROOT = Path(__file__).resolve().parent.parent
Job = Callable[[], Awaitable[tuple[bytes, int]]]
OPERATION = (ROOT.parent / "shared" / "operations" / "web" / "Consumption.graphql").read_text()
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_d"
DEFAULT_SQLITE = ROOT / "var" / "bench" / "energy-portal.sqlite3"


@dataclass(frozen=True)
class Case:
    name: str
    resolution: Resolution
    first: date
    last: date


@dataclass
class Target:
    """One database with the demo data and what the cases need of it."""

    label: str
    runtime: Runtime
    fast: strawberry.Schema
    stock: strawberry.Schema
    principal: Principal
    customer_id: int
    location: LocationOfUse
    quarter_from: date | None


async def prepare(label: str, url: str, data_dir: Path) -> Target:
    settings = Settings(mode="development", data_dir=data_dir, database_url=url, seed_demo_data=True)
    runtime = await Runtime.start(settings)
    async with runtime.sessions() as db:
        user = (await db.execute(select(User).where(User.username == "maija"))).scalar_one()
        customer = (
            await db.execute(select(Customer).where(Customer.personal_identity_code == "150585-902R"))
        ).scalar_one()
        location = (
            (
                await db.execute(
                    select(LocationOfUse)
                    .where(LocationOfUse.customer_id == customer.id, LocationOfUse.city == "Helsinki")
                    .order_by(LocationOfUse.id)
                )
            )
            .scalars()
            .first()
        )
        assert location is not None and user.id is not None and customer.id is not None
        quarter_from = await reporting.quarter_hour_metering_from(db, location)
    return Target(
        label=label,
        runtime=runtime,
        fast=build_schema(fast_path=True),
        stock=build_schema(fast_path=False),
        principal=Principal(user_id=user.id, role=UserRole.CUSTOMER),
        customer_id=customer.id,
        location=location,
        quarter_from=quarter_from,
    )


def cases(target: Target, today: date) -> list[Case]:
    last = today - timedelta(days=1)
    year = last - timedelta(days=364)
    quarter_first = max(year, target.quarter_from or year)
    first_day = date(2019, 9, 1)
    return [
        Case("HOUR, a year", Resolution.HOUR, year, last),
        Case("QUARTER_HOUR, a year", Resolution.QUARTER_HOUR, quarter_first, last),
        Case("DAY, three years", Resolution.DAY, last - timedelta(days=3 * 365), last),
        Case("MONTH, all years", Resolution.MONTH, first_day, last),
    ]


def context(target: Target, today: date) -> Context:
    rt = target.runtime
    return Context(
        sessions=rt.sessions,
        read_sessions=rt.read_sessions,
        read_connections=rt.read_connections,
        rules=rt.rules,
        principal=target.principal,
        today=today,
        language=Language.FI,
        limiter=rt.limiter,
    )


async def run_graphql(
    schema: strawberry.Schema, target: Target, case: Case, today: date
) -> tuple[bytes, int]:
    variables = {
        "customerId": to_global_id("Customer", target.customer_id),
        "locationOfUseId": to_global_id("LocationOfUse", target.location.id or 0),
        "from": case.first.isoformat(),
        "to": case.last.isoformat(),
        "resolution": case.resolution.value,
    }
    result = await schema.execute(OPERATION, variable_values=variables, context_value=context(target, today))
    if result.errors:
        raise RuntimeError(f"{case.name}: {result.errors}")
    assert result.data is not None
    points = len(result.data["customer"]["consumption"]["points"])
    return orjson.dumps({"data": result.data}), points


# --------------------------------------------------------------------------------------
# The floor: hand-written SQL and orjson
# --------------------------------------------------------------------------------------


def _offset_case(column: str, t0: int, t1: int) -> str:
    """SQL for the Helsinki UTC offset (seconds) of the instants in ``column``."""
    changes = local_time.transitions(t0, t1)
    current = local_time.offset_at(t0)
    if not changes:
        return str(current)
    parts = []
    for at, offset in changes:
        parts.append(f"WHEN {column} < {at} THEN {current}")
        current = offset
    return f"(CASE {' '.join(parts)} ELSE {current} END)"


def _iso_sql(dialect: str, column: str, offset: str) -> str:
    suffix = f"(CASE {offset} WHEN 7200 THEN '+02:00' ELSE '+03:00' END)"
    if dialect == "sqlite":
        return f"strftime('%Y-%m-%dT%H:%M:%S', {column} + {offset}, 'unixepoch') || {suffix}"
    local = f"to_timestamp({column} + {offset}) AT TIME ZONE 'UTC'"
    return f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || {suffix}"


_QUALITY_SQL = "(CASE {q} WHEN 2 THEN 'MEASURED' WHEN 1 THEN 'ESTIMATED' ELSE 'MISSING' END)"
#: Spot margin (c/kWh) and VAT of Maija's spot contract, as the floor's hand-written pricing.
_MARGIN, _VAT = 0.39, 1.255


async def run_floor(target: Target, case: Case, today: date) -> tuple[bytes, int]:
    dialect = target.runtime.engine.dialect.name
    lid = target.location.id
    t0 = reporting.local_midnight_ts(case.first)
    t1 = reporting.local_midnight_ts(case.last + timedelta(days=1))
    if case.resolution is Resolution.QUARTER_HOUR:
        offset = _offset_case("r.ts", t0, t1)
        sql = f"""
            SELECT {_iso_sql(dialect, "r.ts", offset)}, CAST(r.wh / 1000.0 AS DOUBLE PRECISION),
                   CAST(ROUND((sp.eur_per_mwh / 10 + {_MARGIN}) * {_VAT}, 3) AS DOUBLE PRECISION),
                   CAST(ROUND(r.wh * (sp.eur_per_mwh / 10 + {_MARGIN}) * {_VAT} / 100000, 5)
                        AS DOUBLE PRECISION),
                   {_QUALITY_SQL.format(q="r.quality")}
            FROM meter_readings r LEFT JOIN spot_prices sp ON sp.ts = r.ts
            WHERE r.location_of_use_id = {lid} AND r.ts >= {t0} AND r.ts < {t1} ORDER BY r.ts"""
    elif case.resolution is Resolution.HOUR:
        offset = _offset_case("h.hour_ts", t0, t1)
        sql = f"""
            SELECT {_iso_sql(dialect, "h.hour_ts", offset)}, CAST(h.wh / 1000.0 AS DOUBLE PRECISION),
                   CAST(ROUND((h.spot_units * 25.0 + h.wh * {_MARGIN * 100000}) * {_VAT}
                         / NULLIF(h.wh, 0) / 100000, 3) AS DOUBLE PRECISION),
                   CAST(ROUND((h.spot_units * 25.0 + h.wh * {_MARGIN * 100000}) * {_VAT}
                         / 10000000000.0, 5) AS DOUBLE PRECISION),
                   {_QUALITY_SQL.format(q="CASE WHEN h.readings < 4 THEN 0 ELSE h.min_quality END")}
            FROM hourly_consumption h
            WHERE h.location_of_use_id = {lid} AND h.hour_ts >= {t0} AND h.hour_ts < {t1}
            ORDER BY h.hour_ts"""
    else:
        if case.resolution is Resolution.DAY:
            key = "d.local_date"
        elif dialect == "sqlite":
            key = "substr(d.local_date, 1, 7)"
        else:
            key = "to_char(d.local_date, 'YYYY-MM')"
        sql = f"""
            SELECT MIN(d.local_date), CAST(SUM(d.wh) / 1000.0 AS DOUBLE PRECISION),
                   CAST(ROUND((SUM(d.spot_units) * 25.0 + SUM(d.wh) * {_MARGIN * 100000}) * {_VAT}
                         / NULLIF(SUM(d.wh), 0) / 100000, 3) AS DOUBLE PRECISION),
                   CAST(ROUND((SUM(d.spot_units) * 25.0 + SUM(d.wh) * {_MARGIN * 100000}) * {_VAT}
                         / 10000000000.0, 5) AS DOUBLE PRECISION),
                   CASE WHEN SUM(d.estimated) > 0 THEN 'ESTIMATED' ELSE 'MEASURED' END
            FROM daily_consumption d
            WHERE d.location_of_use_id = {lid}
              AND d.local_date >= '{case.first}' AND d.local_date <= '{case.last}'
            GROUP BY {key} ORDER BY 1"""
    previous_first = case.first - timedelta(days=(case.last - case.first).days + 1)
    previous = f"""
        SELECT SUM(wh) FROM daily_consumption WHERE location_of_use_id = {lid}
        AND local_date >= '{previous_first}' AND local_date < '{case.first}'"""
    peers = f"""
        SELECT d.location_of_use_id, SUM(d.wh) FROM daily_consumption d
        JOIN locations_of_use l ON l.id = d.location_of_use_id
        WHERE l.building_type = 'APARTMENT' AND l.heating_type = 'DISTRICT_HEATING' AND l.floor_area_band = 40
        AND d.local_date >= '{case.first}' AND d.local_date <= '{case.last}'
        GROUP BY d.location_of_use_id"""
    if dialect != "sqlite":
        previous = previous.replace("'" + str(previous_first) + "'", f"DATE '{previous_first}'").replace(
            "'" + str(case.first) + "'", f"DATE '{case.first}'"
        )
        peers = peers.replace("'" + str(case.first) + "'", f"DATE '{case.first}'").replace(
            "'" + str(case.last) + "'", f"DATE '{case.last}'"
        )
        sql = sql.replace("'" + str(case.first) + "'", f"DATE '{case.first}'").replace(
            "'" + str(case.last) + "'", f"DATE '{case.last}'"
        )
    prices = f"""
        SELECT c.valid_from, c.valid_until, p.kind, pc.kind, pc.amount_excl_vat FROM contracts c
        JOIN products p ON p.id = c.product_id JOIN price_components pc ON pc.contract_id = c.id
        WHERE c.location_of_use_id = {lid}"""
    available = f"""
        SELECT ts + 60 * interval_minutes FROM meter_readings WHERE location_of_use_id = {lid}
        ORDER BY ts DESC LIMIT 1"""
    async with target.runtime.engine.connect() as conn:
        await conn.exec_driver_sql(prices)
        rows = (await conn.exec_driver_sql(sql)).all()
        previous_wh = (await conn.exec_driver_sql(previous)).scalar()
        peer_rows = (await conn.exec_driver_sql(peers)).all()
        until = (await conn.exec_driver_sql(available)).scalar()
    points = [
        {"start": str(start), "kwh": kwh, "unitPrice": unit, "cost": cost, "quality": quality}
        for start, kwh, unit, cost, quality in rows
    ]
    totals = sorted(float(wh) for _, wh in peer_rows)
    payload = {
        "data": {
            "customer": {
                "consumption": {
                    "resolution": case.resolution.value,
                    "from": case.first.isoformat(),
                    "to": case.last.isoformat(),
                    "totalKwh": sum(p["kwh"] or 0 for p in points),
                    "points": points,
                    "dataAvailableUntil": until,
                    "previousPeriod": {"totalKwh": float(previous_wh or 0) / 1000},
                    "similarLocations": {"sampleSize": len(totals), "medianKwh": statistics.median(totals)},
                }
            }
        }
    }
    return orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS), len(points)


# --------------------------------------------------------------------------------------
# Timing and the table
# --------------------------------------------------------------------------------------


@dataclass
class Timing:
    """Median wall and event-loop-thread CPU milliseconds of a job, and its points."""

    wall: float
    cpu: float
    points: int


async def measure(runs: int, jobs: dict[str, Job]) -> dict[str, Timing]:
    """Each job ``runs`` times after two warm-ups, the jobs taking turns in every round."""
    points = dict.fromkeys(jobs, 0)
    for _ in range(2):
        for name, job in jobs.items():
            _, points[name] = await job()
    walls: dict[str, list[float]] = {name: [] for name in jobs}
    cpus: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, job in jobs.items():
            wall, cpu = time.perf_counter(), time.thread_time()
            _, points[name] = await job()
            cpus[name].append((time.thread_time() - cpu) * 1000)
            walls[name].append((time.perf_counter() - wall) * 1000)
    return {
        name: Timing(statistics.median(walls[name]), statistics.median(cpus[name]), points[name])
        for name in jobs
    }


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


async def bench(args: argparse.Namespace) -> int:
    today = today_helsinki()
    targets = [("SQLite", f"sqlite+aiosqlite:///{args.sqlite}")] if args.sqlite else []
    if args.postgres:
        targets.append(("PostgreSQL", args.postgres))
    print(f"Machine: {machine()}")
    collector = "CPython defaults" if args.default_gc else "as the server"
    print(
        f"Runs: median of {args.runs} rounds after 2 warm-ups; times in ms (wall; cpu = event-loop "
        f"thread CPU of fast); garbage collector: {collector}\n"
    )
    header = (
        f"{'database':<11} {'case':<22} {'points':>7} {'stock':>8} {'fast':>8} {'cpu':>7} "
        f"{'floor':>8} {'fast/floor':>10}"
    )
    print(header)
    print("-" * len(header))
    for label, url in targets:
        data_dir = Path(args.sqlite).parent if args.sqlite else ROOT / "var" / "bench"
        data_dir.mkdir(parents=True, exist_ok=True)
        target = await prepare(label, url, data_dir)
        if not args.default_gc:
            tune_garbage_collector()
        try:
            if label == "PostgreSQL":
                async with target.runtime.engine.connect() as conn:
                    version = (await conn.execute(text("SHOW server_version"))).scalar()
                print(f"(PostgreSQL {version})")
            for case in cases(target, today):
                if args.only and not any(part.lower() in case.name.lower() for part in args.only):
                    continue
                stock_ms = float("nan")
                if not args.no_stock:  # on its own: its garbage would land on the others
                    stock = lambda c=case, t=target: run_graphql(t.stock, t, c, today)  # noqa: E731
                    stock_ms = (await measure(args.runs, {"stock": stock}))["stock"].wall
                jobs: dict[str, Job] = {
                    "fast": lambda c=case, t=target: run_graphql(t.fast, t, c, today),
                    "floor": lambda c=case, t=target: run_floor(t, c, today),
                }
                found = await measure(args.runs, jobs)
                fast, floor = found["fast"], found["floor"]
                print(
                    f"{label:<11} {case.name:<22} {fast.points:>7} {stock_ms:>8.1f} {fast.wall:>8.1f} "
                    f"{fast.cpu:>7.1f} {floor.wall:>8.1f} {fast.wall / floor.wall:>10.2f}",
                    flush=True,
                )
        finally:
            await target.runtime.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.consumption", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sqlite", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_const", const=None)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", dest="postgres", action="store_const", const=None)
    parser.add_argument("--default-gc", action="store_true", help="leave the collector as CPython sets it")
    parser.add_argument("--only", action="append", help="run the cases whose name contains this (repeatable)")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock executor (the slow column)")
    args = parser.parse_args(argv)
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
