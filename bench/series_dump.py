"""Dump many consumption series as JSON lines, to compare the reporting code before and after a change.

Run from the repository root on the benchmark's database (``bench.consumption`` seeds it)::

    .venv/bin/python -m bench.series_dump > before.jsonl     # on the old code
    .venv/bin/python -m bench.series_dump > after.jsonl      # on the new code
    cmp before.jsonl after.jsonl

Each line is one series of 24 locations (the first 12 and 12 drawn with a fixed seed) × 12
ranges (a day, both DST days, the cutover, contract and metering changes, a year, ranges
into the future and before the data) × 5 resolutions: its points as the API shows them,
totals, completeness and previous period, or the refusal's message. ``--postgres URL``
reads PostgreSQL instead of the SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from datetime import date, timedelta

import orjson
from sqlalchemy import select

from app.runtime import Runtime
from app.settings import Settings
from bench.consumption import DEFAULT_SQLITE
from domain import reporting
from domain.base import Resolution, today_helsinki
from domain.customers import Customer, LocationOfUse


def ranges(today: date) -> list[tuple[date, date]]:
    yesterday = today - timedelta(days=1)
    return [
        (yesterday, yesterday),
        (date(2025, 3, 30), date(2025, 3, 30)),
        (date(2025, 10, 26), date(2025, 10, 26)),
        (date(2019, 9, 20), date(2019, 10, 10)),
        (date(2024, 6, 25), date(2024, 7, 5)),
        (date(2025, 9, 28), date(2025, 10, 3)),
        (yesterday - timedelta(days=364), yesterday),
        (yesterday - timedelta(days=30), today + timedelta(days=3)),
        (date(2022, 11, 20), date(2023, 5, 10)),
        (date(2019, 1, 1), yesterday),
        (date(2012, 1, 1), date(2013, 1, 1)),
        (today.replace(day=1), today + timedelta(days=40)),
    ]


async def dump(url: str) -> None:
    settings = Settings(mode="development", data_dir=DEFAULT_SQLITE.parent, database_url=url)
    runtime = await Runtime.start(settings, migrate=False, seed=False)
    today = today_helsinki()
    async with runtime.sessions() as db:
        locations = (await db.execute(select(LocationOfUse).order_by(LocationOfUse.id))).scalars().all()
        kinds = dict((await db.execute(select(Customer.id, Customer.kind))).all())
    chosen = list(locations[:12]) + random.Random(7).sample(list(locations[12:]), 12)
    out = sys.stdout.buffer
    for location in chosen:
        for first, last in ranges(today):
            for resolution in Resolution:
                key = f"{location.id} {first} {last} {resolution.value}"
                try:
                    series = await reporting.consumption_series(
                        runtime.read_connections,
                        location,
                        first,
                        last,
                        resolution,
                        customer_id=location.customer_id,
                        cutover=runtime.rules.cutover_date,
                        today=today,
                        vat_included=reporting.vat_included_for(kinds[location.customer_id]),
                    )
                except reporting.ReportingInputError as error:
                    out.write(orjson.dumps({"key": key, "error": str(error)}) + b"\n")
                    continue
                async with runtime.read_connections() as db:
                    previous = await reporting.previous_period(db, location.id or 0, first, last)
                line = {
                    "key": key,
                    "total_wh": series.total_wh,
                    "total_cost": str(series.total_cost),
                    "completeness": vars(series.completeness),
                    "previous": None
                    if previous is None
                    else [str(previous.first), str(previous.last), previous.change_percent(series.total_wh)],
                    "points": [
                        [p.start.isoformat(), p.kwh, str(p.unit_price), str(p.cost), p.quality.value]
                        for p in series.points
                    ],
                }
                out.write(orjson.dumps(line) + b"\n")
    await runtime.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.series_dump", description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL instead of the benchmark's SQLite file")
    args = parser.parse_args(argv)
    asyncio.run(dump(args.postgres or f"sqlite+aiosqlite:///{DEFAULT_SQLITE}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
