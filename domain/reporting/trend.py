"""The previous period's total, for the trend of a series."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from domain.reporting.limits import EARLIEST_DATE
from domain.reporting.results import PeriodTotal
from domain.reporting.sql import LOCATION_DAYS, Db
from domain.reporting.tables import DailyConsumption

_D = DailyConsumption.__table__  # type: ignore[attr-defined]

_ROLLUP_TOTAL = select(func.coalesce(func.sum(_D.c.wh), 0), func.coalesce(func.sum(_D.c.readings), 0)).where(
    *LOCATION_DAYS
)


async def _rollup_total(db: Db, location_id: int, first: date, last: date) -> tuple[int, int]:
    row = (await db.execute(_ROLLUP_TOTAL, {"location_id": location_id, "first": first, "last": last})).one()
    return int(row[0]), int(row[1])


async def previous_period(db: Db, location_id: int, first: date, last: date) -> PeriodTotal | None:
    """The same number of days immediately before ``first``..``last``; None when it has no readings.

    It does not need the series itself, so it can be read side by side with it."""
    length = (last - first).days + 1
    p_last = first - timedelta(days=1)
    p_first = first - timedelta(days=length)
    if p_first < EARLIEST_DATE:
        return None
    wh, readings = await _rollup_total(db, location_id, p_first, p_last)
    if readings == 0:
        return None
    return PeriodTotal(p_first, p_last, wh)
