"""Comparison periods (issue 17 part 1) and outdoor temperature (part 6): rules and demo data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from domain import reporting
from domain.base import Resolution, today_helsinki
from domain.customers import GridOperator
from domain.reporting import DailyTemperature, last_year_range, previous_range
from domain.reporting.weather import degree_day_tenths, heating_degree_days, point_temperatures
from fixtures.timeline import build_timeline
from fixtures.weather import grid_offsets, temperature_rows
from tests.domain.test_reporting import last_full_month, series

D = date


# --------------------------------------------------------------------------------------
# The periods
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "previous", "last_year"),
    [
        # calendar years: leap or not, the previous year is the previous year
        (D(2024, 1, 1), D(2024, 12, 31), (D(2023, 1, 1), D(2023, 12, 31)), (D(2023, 1, 1), D(2023, 12, 31))),
        (D(2025, 1, 1), D(2025, 12, 31), (D(2024, 1, 1), D(2024, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31))),
        # months of different lengths
        (
            D(2026, 11, 1),
            D(2026, 11, 30),
            (D(2026, 10, 1), D(2026, 10, 31)),
            (D(2025, 11, 1), D(2025, 11, 30)),
        ),
        (D(2024, 3, 1), D(2024, 3, 31), (D(2024, 2, 1), D(2024, 2, 29)), (D(2023, 3, 1), D(2023, 3, 31))),
        (D(2025, 2, 1), D(2025, 2, 28), (D(2025, 1, 1), D(2025, 1, 31)), (D(2024, 2, 1), D(2024, 2, 29))),
        # a quarter, a run of months across a year's end
        (D(2025, 1, 1), D(2025, 3, 31), (D(2024, 10, 1), D(2024, 12, 31)), (D(2024, 1, 1), D(2024, 3, 31))),
        (D(2025, 11, 1), D(2026, 2, 28), (D(2025, 7, 1), D(2025, 10, 31)), (D(2024, 11, 1), D(2025, 2, 28))),
        # other ranges: the same number of days just before; the same dates a year earlier
        (
            D(2026, 11, 2),
            D(2026, 11, 30),
            (D(2026, 10, 4), D(2026, 11, 1)),
            (D(2025, 11, 2), D(2025, 11, 30)),
        ),
        (D(2024, 3, 1), D(2024, 3, 1), (D(2024, 2, 29), D(2024, 2, 29)), (D(2023, 3, 1), D(2023, 3, 1))),
        (D(2024, 2, 29), D(2024, 3, 6), (D(2024, 2, 22), D(2024, 2, 28)), (D(2023, 2, 28), D(2023, 3, 6))),
        (D(2024, 1, 15), D(2024, 2, 29), (D(2023, 11, 30), D(2024, 1, 14)), (D(2023, 1, 15), D(2023, 2, 28))),
    ],
)
def test_comparison_periods(first, last, previous, last_year) -> None:
    assert previous_range(first, last) == previous
    assert last_year_range(first, last) == last_year


async def test_previous_period_of_a_month_is_the_previous_month(runtime, maija) -> None:
    first, last = last_full_month()
    async with runtime.read_connections() as db:
        previous = await reporting.previous_period(db, maija["cottage"].id, first, last)
        last_year = await reporting.same_period_last_year(db, maija["cottage"].id, first, last)
    before = (first - timedelta(days=1)).replace(day=1)
    assert previous is not None and (previous.first, previous.last) == (before, first - timedelta(days=1))
    assert last_year is not None and (last_year.first, last_year.last) == last_year_range(first, last)
    for period in (previous, last_year):
        shown = await series(runtime, maija, "cottage", period.first, period.last, Resolution.DAY)
        assert period.total_wh == shown.total_wh
        cost = await reporting.period_cost(
            runtime.read_connections,
            maija["cottage"],
            period.first,
            period.last,
            customer_id=maija["customer_id"],
            cutover=runtime.rules.cutover_date,
            today=today_helsinki(),
        )
        assert cost is not None and cost == shown.total_cost


async def test_comparison_periods_before_2000_do_not_exist(runtime, maija) -> None:
    async with runtime.read_connections() as db:
        assert await reporting.previous_period(db, maija["cottage"].id, D(2000, 1, 1), D(2000, 1, 31)) is None
        assert (
            await reporting.same_period_last_year(db, maija["cottage"].id, D(2000, 3, 1), D(2000, 3, 5))
            is None
        )
    cost = await reporting.period_cost(
        runtime.read_connections,
        maija["cottage"],
        D(1999, 12, 1),
        D(1999, 12, 31),
        customer_id=maija["customer_id"],
        cutover=runtime.rules.cutover_date,
        today=today_helsinki(),
    )
    assert cost is None


# --------------------------------------------------------------------------------------
# Temperatures and heating degree days
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "mean_tenths", "expected"),
    [
        (D(2025, 1, 15), -100, 270),  # -10.0 in January: 27.0
        (D(2025, 5, 10), 100, 70),  # +10.0 in spring still counts: 7.0
        (D(2025, 5, 10), 101, 0),  # +10.1 in spring: heating off
        (D(2025, 6, 30), 110, 0),
        (D(2025, 7, 1), 110, 60),  # +11.0 in autumn counts (limit +12)
        (D(2025, 9, 20), 120, 50),
        (D(2025, 9, 20), 121, 0),
        (D(2025, 12, 31), 175, 0),
    ],
)
def test_degree_days_of_a_day(day, mean_tenths, expected) -> None:
    assert degree_day_tenths(day, mean_tenths) == expected


def test_heating_degree_days_and_point_means() -> None:
    temps = {D(2025, 1, 30): -51, D(2025, 1, 31): -50, D(2025, 2, 1): 150, D(2025, 7, 1): 115}
    assert heating_degree_days(temps, D(2025, 1, 1), D(2025, 12, 31)) == (221 + 220 + 0 + 55) / 10
    assert heating_degree_days(temps, D(2025, 1, 31), D(2025, 1, 31)) == 22.0
    assert heating_degree_days(temps, D(2025, 3, 1), D(2025, 3, 31)) is None
    # months: mean of the days known (-5.05 rounds half away from zero), none known -> None
    assert point_temperatures(temps, D(2025, 1, 1), D(2025, 3, 31), Resolution.MONTH) == [-5.1, 15.0, None]
    assert point_temperatures(temps, D(2025, 1, 30), D(2025, 2, 1), Resolution.DAY) == [-5.1, -5.0, 15.0]
    assert point_temperatures(temps, D(2025, 1, 1), D(2025, 12, 31), Resolution.YEAR) == [4.1]
    assert (
        reporting.series_temperatures(temps, D(2025, 1, 30), D(2025, 1, 30), Resolution.HOUR, 24)
        == [None] * 24
    )


async def test_upserting_a_days_temperatures_replaces_them(runtime) -> None:
    day = D(2099, 12, 31)
    async with runtime.read_connections() as db:
        grids = sorted((await db.execute(select(GridOperator.id))).scalars())
    try:
        async with runtime.engine.begin() as conn:
            assert await reporting.upsert_daily_temperatures(conn, day, {grids[0]: -3.45, grids[1]: 2}) == 2
        async with runtime.engine.begin() as conn:
            await reporting.upsert_daily_temperatures(conn, day, {grids[0]: -7.0})
        async with runtime.read_connections() as db:
            assert await reporting.fetch_temperatures(db, grids[0], day, day) == {day: -70}
            assert await reporting.fetch_temperatures(db, grids[1], day, day) == {day: 20}
    finally:
        async with runtime.engine.begin() as conn:
            await conn.execute(delete(DailyTemperature).where(DailyTemperature.local_date == day))


async def test_demo_temperatures_cover_every_day_of_every_grid_area(runtime) -> None:
    yesterday = today_helsinki() - timedelta(days=1)
    async with runtime.read_connections() as db:
        grids = (await db.execute(select(func.count()).select_from(GridOperator))).scalar_one()
        first, last, rows = (
            await db.execute(
                select(
                    func.min(DailyTemperature.local_date),
                    func.max(DailyTemperature.local_date),
                    func.count(),
                )
            )
        ).one()
        readings_from = (
            await db.execute(select(func.min(reporting.DailyConsumption.local_date)))
        ).scalar_one()
    assert last == yesterday and first <= readings_from
    assert rows == grids * ((last - first).days + 1)


def test_demo_temperatures_are_seasonal_deterministic_and_vary_by_year() -> None:
    tl = build_timeline(D(2019, 9, 1), D(2026, 12, 1))
    ids = {key: i + 1 for i, key in enumerate(sorted(grid_offsets()))}
    rows = temperature_rows(tl, D(2026, 11, 30), ids, tl.days)
    assert rows == temperature_rows(
        build_timeline(D(2019, 9, 1), D(2026, 12, 1)), D(2026, 11, 30), ids, tl.days
    )
    helsinki = {day: t for grid, day, t in rows if grid == ids["helen"]}
    oulu = {day: t for grid, day, t in rows if grid == ids["oulu"]}

    def mean(temps: dict, year: int, month: int) -> float:
        values = [t for d, t in temps.items() if (d.year, d.month) == (year, month)]
        return sum(values) / len(values) / 10

    februaries = [mean(helsinki, year, 2) for year in range(2020, 2027)]
    assert max(februaries) - min(februaries) > 2.0  # a cold February and a mild one
    for year in range(2020, 2026):
        assert mean(helsinki, year, 7) > mean(helsinki, year, 1) + 12
        assert mean(oulu, year, 1) < mean(helsinki, year, 1)  # the north is colder
