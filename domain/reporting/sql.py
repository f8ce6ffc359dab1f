"""Shared SQL: what reads take, spot cents, rollup ranges, integer columns fetched as texts."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import orjson
from sqlalchemy import Integer, String, bindparam, cast, func, literal_column
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from domain.reporting.tables import DailyConsumption

_D = DailyConsumption.__table__  # type: ignore[attr-defined]

#: What the reads take: a Core connection (cheapest) or an ORM session.
Db = AsyncConnection | AsyncSession
#: Where a series' reads get their connections (each its own, side by side): e.g.
#: ``engine.connect`` or an ``async_sessionmaker``.
Connect = Callable[[], AbstractAsyncContextManager[Any]]


def spot_cents(alias: Any) -> ColumnElement[int]:
    """A spot price in whole cents/MWh (prices have two decimals), on SQLite and PostgreSQL."""
    return cast(func.round(alias.c.eur_per_mwh * literal_column("100")), Integer)


# A year of quarter-hours is 35,040 readings and as many spot prices. Fetched as rows they
# are 140,000 objects (driver tuples and result rows) made one by one. So each of their
# columns comes as one text of comma-separated integers, parsed in C as a JSON array
# (``orjson``: 1.6 ms for 35,040 integers, against 9 ms for ``map(int, text.split(","))``).
# The integers are small (minutes since the series' start, not epoch seconds): nothing to
# unpack. The columns of one statement are aggregated in the same row order; that order is
# the scan's, checked and sorted when it is not ascending.


def integers(text_value: str | None) -> list[int]:
    """The comma-separated integers of ``text_value``."""
    if not text_value:
        return []
    found: list[int] = orjson.loads(f"[{text_value}]")
    return found


def in_order(keys: list[int], *columns: list[int]) -> list[list[int]]:
    """``keys`` and ``columns`` by ascending ``keys``."""
    if all(map(operator.lt, keys, itertools.islice(keys, 1, None))):
        return [keys, *columns]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return [[column[i] for i in order] for column in (keys, *columns)]


def aggregated_text(value: Any) -> Any:
    return func.aggregate_strings(cast(value, String), ",")


def minutes_since(ts: Any, t0: Any) -> Any:
    return (ts - t0) // 60


LOCATION_ID, T0, T1 = bindparam("location_id"), bindparam("t0"), bindparam("t1")


async def fetch_columns(
    db: Db, as_text: Select[Any], as_rows: Select[Any], parameters: dict[str, Any], key: Callable[[int], int]
) -> list[list[int]]:
    """The integer columns of ``as_text`` (its texts, then the row count), in the order of
    their first column; from the rows of ``as_rows`` (their first column through ``key``)
    when the texts do not add up."""
    *texts, count = (await db.execute(as_text, parameters)).one()
    columns = [integers(text_value) for text_value in texts]
    if any(len(column) != int(count) for column in columns):  # never seen
        rows = (await db.execute(as_rows, parameters)).all()
        columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in texts]
        columns[0] = list(map(key, columns[0]))
    return in_order(*columns)


#: The rollup's days in ``first``..``last``, of all locations and of one.
DAYS_IN_RANGE = (_D.c.local_date >= bindparam("first"), _D.c.local_date <= bindparam("last"))
LOCATION_DAYS = (_D.c.location_of_use_id == LOCATION_ID, *DAYS_IN_RANGE)
