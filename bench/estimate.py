"""Replay the next invoice estimate on every day of a year for every demo location and print
the distribution of its error against the actual period (README "The next invoice estimate
holds").

Run from the repository root on the benchmark's database (``bench.consumption`` seeds it)::

    .venv/bin/python -m bench.estimate [--year 2025] [--postgres URL] [--only 1,2]

For each location: the days replayed, the share within 10 / 20 / 30 % of the actual total,
the share with the actual inside ``low``..``high``, the median and 90th percentile of the
absolute error, the worst day, and the methods used; then the same over all locations,
over the named ones (the first 12), and by building type.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from app.runtime import Runtime
from app.settings import Settings
from bench.consumption import DEFAULT_SQLITE
from domain import reporting
from domain.customers import Customer, LocationOfUse
from domain.reporting.replay import ReplayDay, replay_estimates


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def summary(days: Sequence[ReplayDay]) -> str:
    """One line: days, within 10/20/30 %, inside low..high, median and p90 |error|, worst."""
    if not days:
        return "no days"
    errors = [abs(d.error) for d in days]
    n = len(days)

    def share(limit: float) -> str:
        return f"{100 * sum(e <= limit for e in errors) / n:5.1f}"

    inside = 100 * sum(d.inside for d in days) / n
    worst = max(days, key=lambda d: abs(d.error))
    return (
        f"{n:6d} {share(0.1)} {share(0.2)} {share(0.3)} {inside:6.1f} "
        f"{100 * _quantile(errors, 0.5):6.1f} {100 * _quantile(errors, 0.9):6.1f} "
        f"{100 * worst.error:+7.1f} ({worst.as_of})"
    )


HEADER = "  days  <10%  <20%  <30%  in-range  med|e|  p90|e|  worst"


async def replay(url: str, year: int, only: set[int] | None) -> None:
    settings = Settings(mode="development", data_dir=DEFAULT_SQLITE.parent, database_url=url)
    runtime = await Runtime.start(settings, migrate=False, seed=False)
    async with runtime.sessions() as db:
        locations = (await db.execute(select(LocationOfUse).order_by(LocationOfUse.id))).scalars().all()
        kinds = dict((await db.execute(select(Customer.id, Customer.kind))).all())
    every: list[ReplayDay] = []
    named: list[ReplayDay] = []
    by_type: dict[str, list[ReplayDay]] = {}
    print(f"location                         {HEADER}  methods")
    for index, location in enumerate(locations):
        if only is not None and location.id not in only:
            continue
        async with runtime.read_connections() as db:
            days = await replay_estimates(
                db,
                location,
                customer_id=location.customer_id,
                cutover=runtime.rules.cutover_date,
                first=date(year, 1, 1),
                last=date(year, 12, 31),
                vat_included=reporting.vat_included_for(kinds[location.customer_id]),
            )
        methods = Counter(d.estimate.method for d in days)
        label = f"{location.id:4d} {location.building_type.value[:14]:14s} {location.city[:12]:12s}"
        print(f"{label} {summary(days)}  {dict(methods)}", flush=True)
        every.extend(days)
        (named if index < 12 else []).extend(days)
        by_type.setdefault(location.building_type.value, []).extend(days)
    print()
    print(f"{'':33s}{HEADER}")
    print(f"{'all locations':33s}{summary(every)}")
    print(f"{'named (first 12)':33s}{summary(named)}")
    for kind, days in sorted(by_type.items()):
        print(f"{kind:33s}{summary(days)}")
    await runtime.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.estimate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--postgres", help="a PostgreSQL URL instead of the benchmark's SQLite file")
    parser.add_argument("--only", help="comma-separated location IDs")
    args = parser.parse_args(argv)
    only = None if args.only is None else {int(x) for x in args.only.split(",")}
    asyncio.run(replay(args.postgres or f"sqlite+aiosqlite:///{DEFAULT_SQLITE}", args.year, only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
