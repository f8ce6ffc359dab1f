"""ISO weeks (Monday 00:00 to Monday 00:00, Helsinki time) as calendar points.

A ``WEEK`` point covers the part of its ISO week inside the series' range; a week the
range cuts (the range starts after its Monday or ends before its Sunday) is *partial*,
and so is a cut month or year. Weeks are grouped in SQL over the daily rollup like months:
the group key is the number of whole weeks since Monday 1970-01-05, computed from
``local_date`` (date arithmetic on PostgreSQL, ``julianday`` on SQLite), so a week's sum
is the exact sum of its days, across DST changes and year boundaries alike.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import expression

from domain.base import Resolution

#: Ordinal of Monday 1970-01-05, the start of week key 0.
WEEK_ZERO = date(1970, 1, 5).toordinal()
#: ``julianday('1970-01-05')`` on SQLite.
_JULIAN_WEEK_ZERO = 2440591.5


def week_key(day: date) -> int:
    """Whole weeks from Monday 1970-01-05 to the Monday of ``day``'s ISO week."""
    return (day.toordinal() - WEEK_ZERO) // 7


def week_periods(first: date, last: date) -> list[tuple[date, date]]:
    """The ISO weeks of ``first``..``last`` as (first day, last day), cut by the range."""
    out: list[tuple[date, date]] = []
    start = first
    while start <= last:
        sunday = start + timedelta(days=6 - start.weekday())
        out.append((start, min(last, sunday)))
        start = sunday + timedelta(days=1)
    return out


def is_partial(start: date, end: date, resolution: Resolution) -> bool:
    """Whether the range cuts the WEEK, MONTH or YEAR point ``start``..``end`` (DAY and finer:
    never)."""
    following = end + timedelta(days=1)
    if resolution is Resolution.WEEK:
        return start.weekday() != 0 or following.weekday() != 0
    if resolution is Resolution.MONTH:
        return start.day != 1 or following.day != 1
    if resolution is Resolution.YEAR:
        return (start.month, start.day) != (1, 1) or (following.month, following.day) != (1, 1)
    return False


class WeekKey(expression.FunctionElement[int]):
    """``week_key`` of a date column, in SQL, as an integer."""

    type = Integer()
    inherit_cache = True


@compiles(WeekKey)
def _week_key_default(element: WeekKey, compiler: Any, **kw: Any) -> str:
    # date - date is a number of days on PostgreSQL; the dates (2000-2099) are after week 0
    [column] = list(element.clauses)
    return f"CAST(({compiler.process(column, **kw)} - DATE '1970-01-05') / 7 AS INTEGER)"


@compiles(WeekKey, "sqlite")
def _week_key_sqlite(element: WeekKey, compiler: Any, **kw: Any) -> str:
    # dates are ISO texts on SQLite; julianday of a date is a whole number plus one half
    [column] = list(element.clauses)
    return f"CAST((julianday({compiler.process(column, **kw)}) - {_JULIAN_WEEK_ZERO}) / 7 AS INTEGER)"
