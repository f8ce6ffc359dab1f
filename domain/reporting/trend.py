"""A comparison period's total energy, for the trend of a series (the periods: ``comparison``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from domain.reporting.sql import LOCATION_DAYS, Db
from domain.reporting.tables import DailyConsumption

_D = DailyConsumption.__table__  # type: ignore[attr-defined]

_ROLLUP_TOTAL = select(func.coalesce(func.sum(_D.c.wh), 0), func.coalesce(func.sum(_D.c.readings), 0)).where(
    *LOCATION_DAYS
)


async def rollup_total(db: Db, location_id: int, first: date, last: date) -> tuple[int, int]:
    """Energy (Wh) and readings of ``first``..``last`` from the daily rollup: one statement."""
    row = (await db.execute(_ROLLUP_TOTAL, {"location_id": location_id, "first": first, "last": last})).one()
    return int(row[0]), int(row[1])
