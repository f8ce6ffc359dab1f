"""Comparison periods of a series: the period just before and the same period last year.

Rules (SPEC 7 trend, issue 17 part 1), for a series over the local days ``first``..``last``:

* A range of **whole calendar months** (``first`` is the 1st of a month and ``last`` the last
  day of a month: a month, a quarter, a year, any run of whole months) is compared with
  calendar months: the previous period is the same number of months just before (calendar
  year 2024 -> 2023-01-01..2023-12-31, November 2026 -> October 2026, Q1 2025 -> Q4 2024),
  the same period last year is the same months a year earlier (February 2025 ->
  2024-02-01..2024-02-29).
* **Any other range** keeps "the same number of days just before" for the previous period,
  and its same period last year is the same dates a year earlier, February 29 becoming
  February 28 (2024-02-29 -> 2023-02-28; a range may so lose a day).

A comparison period that starts before 2000-01-01 (the earliest reporting date) does not
exist. Its totals are read like the series' own: energy from the daily rollup, cost (when
asked) from a ``DAY`` series of the period (``MONTH`` when it is longer than a ``DAY`` series
may be), so the cost of a comparison period is what a series of it shows.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.base import Resolution
from domain.customers import LocationOfUse
from domain.reporting.limits import EARLIEST_DATE, MAX_DAYS
from domain.reporting.results import PeriodTotal
from domain.reporting.series import consumption_series
from domain.reporting.sql import Connect, Db
from domain.reporting.trend import rollup_total


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_end(index: int) -> date:
    return _month_start(index + 1) - timedelta(days=1)


def whole_months(first: date, last: date) -> bool:
    """Whether ``first``..``last`` is a run of whole calendar months."""
    return first.day == 1 and (last + timedelta(days=1)).day == 1 and last >= first


def previous_range(first: date, last: date) -> tuple[date, date]:
    """The period just before ``first``..``last`` (see the module doc)."""
    if whole_months(first, last):
        start, end = _month_index(first), _month_index(last)
        months = end - start + 1
        return _month_start(start - months), _month_end(end - months)
    length = (last - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)


def _year_earlier(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def last_year_range(first: date, last: date) -> tuple[date, date]:
    """The same period a year before ``first``..``last`` (see the module doc)."""
    if whole_months(first, last):
        return _month_start(_month_index(first) - 12), _month_end(_month_index(last) - 12)
    return _year_earlier(first), _year_earlier(last)


async def period_total(db: Db, location_id: int, first: date, last: date) -> PeriodTotal | None:
    """The energy of ``first``..``last``; None when it starts before 2000 or has no readings."""
    if first < EARLIEST_DATE:
        return None
    wh, readings = await rollup_total(db, location_id, first, last)
    if readings == 0:
        return None
    return PeriodTotal(first, last, wh)


async def previous_period(db: Db, location_id: int, first: date, last: date) -> PeriodTotal | None:
    """The period just before ``first``..``last``; None when it has no readings.

    It does not need the series itself, so it can be read side by side with it."""
    return await period_total(db, location_id, *previous_range(first, last))


async def same_period_last_year(db: Db, location_id: int, first: date, last: date) -> PeriodTotal | None:
    """The same period a year earlier; None when it has no readings."""
    return await period_total(db, location_id, *last_year_range(first, last))


async def period_cost(
    connect: Connect,
    location: LocationOfUse,
    first: date,
    last: date,
    *,
    customer_id: int,
    cutover: date,
    today: date,
    vat_included: bool = True,
) -> Decimal | None:
    """The ``totalCost`` of a series over ``first``..``last`` (a ``Decimal``, or None when some
    of its energy has no price); None when the period starts before 2000."""
    if first < EARLIEST_DATE:
        return None
    days = (last - first).days + 1
    resolution = Resolution.DAY if days <= MAX_DAYS[Resolution.DAY] else Resolution.MONTH
    series = await consumption_series(
        connect,
        location,
        first,
        last,
        resolution,
        customer_id=customer_id,
        cutover=cutover,
        today=today,
        vat_included=vat_included,
    )
    return series.total_cost
