"""WEEK series (issue 17, part 4): ISO weeks from Monday 00:00 Helsinki time, partial when the
range cuts them, summing exactly with DAY over DST weeks and year boundaries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest

from domain.base import HELSINKI, Resolution, today_helsinki
from domain.reporting.weeks import is_partial, week_key, week_periods
from tests.domain.test_reporting import series

#: Ranges with DST weeks (2025-03-30, 2025-10-26, 2024-03-31, 2024-10-27), ISO years of 52 and
#: 53 weeks (2020-W53 runs into 2021), weeks across New Year, cut and whole weeks, and years.
RANGES = [
    (date(2024, 12, 25), date(2025, 1, 12)),
    (date(2020, 12, 20), date(2021, 1, 17)),
    (date(2025, 3, 24), date(2025, 4, 6)),
    (date(2025, 10, 22), date(2025, 11, 4)),
    (date(2024, 3, 1), date(2024, 11, 30)),
    (date(2022, 1, 1), date(2025, 12, 31)),
    (date(2025, 6, 11), date(2025, 6, 11)),
]


def wh(point) -> int:
    return 0 if point.kwh is None else round(point.kwh * 1000)


def test_week_periods_are_iso_weeks_cut_by_the_range() -> None:
    weeks = week_periods(date(2020, 12, 30), date(2021, 1, 12))
    assert weeks == [
        (date(2020, 12, 30), date(2021, 1, 3)),
        (date(2021, 1, 4), date(2021, 1, 10)),
        (date(2021, 1, 11), date(2021, 1, 12)),
    ]
    assert [is_partial(a, b, Resolution.WEEK) for a, b in weeks] == [True, False, True]
    assert date(2020, 12, 30).isocalendar()[:2] == (2020, 53)
    assert week_key(date(1970, 1, 5)) == 0 and week_key(date(1970, 1, 11)) == 0
    assert week_key(date(2021, 1, 4)) == week_key(date(2021, 1, 10)) == week_key(date(2021, 1, 3)) + 1
    assert not is_partial(date(2025, 2, 1), date(2025, 2, 28), Resolution.MONTH)
    assert is_partial(date(2025, 2, 2), date(2025, 2, 28), Resolution.MONTH)
    assert is_partial(date(2025, 1, 1), date(2025, 12, 30), Resolution.YEAR)
    assert not is_partial(date(2024, 1, 1), date(2024, 12, 31), Resolution.YEAR)
    assert not is_partial(date(2025, 2, 2), date(2025, 2, 2), Resolution.DAY)


@pytest.mark.parametrize("place", ["apartment", "cottage"])
@pytest.mark.parametrize(("first", "last"), RANGES, ids=lambda d: d.isoformat())
async def test_week_sums_equal_day_sums(runtime, maija, place, first, last) -> None:
    last = min(last, today_helsinki() + timedelta(days=40))
    days = await series(runtime, maija, place, first, last, Resolution.DAY)
    weeks = await series(runtime, maija, place, first, last, Resolution.WEEK)
    by_week: dict[date, int] = defaultdict(int)
    for point in days.points:
        day = point.start.date()
        by_week[max(first, day - timedelta(days=day.weekday()))] += wh(point)
    expected_starts = [max(first, d - timedelta(days=d.weekday())) for d in sorted(by_week)]
    assert [p.start.date() for p in weeks.points] == expected_starts
    assert {p.start.date(): wh(p) for p in weeks.points} == dict(by_week)
    assert weeks.total_wh == days.total_wh
    assert weeks.completeness == days.completeness
    assert weeks.total_cost == days.total_cost
    # starts are local midnights with the offset of that day; only a cut week is partial
    for point, (start, end) in zip(weeks.points, week_periods(first, last), strict=True):
        assert point.start == datetime(start.year, start.month, start.day, tzinfo=HELSINKI)
        assert point.start.utcoffset() == point.start.astimezone(HELSINKI).utcoffset()
        assert point.partial == ((end - start).days < 6)
        assert point.partial == (start.weekday() != 0 or end.weekday() != 6)
    assert not any(p.partial for p in days.points)
    # a week's quality is the weakest of its days' under a contract; NO_CONTRACT when it has none
    rank = {"MISSING": 0, "ESTIMATED": 1, "MEASURED": 2, "NO_CONTRACT": 3}
    weakest: dict[date, str] = {}
    for point in days.points:
        day = point.start.date()
        key = max(first, day - timedelta(days=day.weekday()))
        if key not in weakest or rank[point.quality.value] < rank[weakest[key]]:
            weakest[key] = point.quality.value
    assert {p.start.date(): p.quality.value for p in weeks.points} == weakest


async def test_weeks_of_a_year_and_month_points_say_when_they_are_cut(runtime, maija) -> None:
    weeks = await series(runtime, maija, "cottage", date(2024, 1, 1), date(2024, 12, 31), Resolution.WEEK)
    # 2024-01-01 is a Monday; 2024-12-30..31 belong to 2025-W01
    assert len(weeks.points) == 53
    assert [p.partial for p in weeks.points] == [False] * 52 + [True]
    months = await series(runtime, maija, "cottage", date(2024, 1, 15), date(2024, 4, 30), Resolution.MONTH)
    assert [p.partial for p in months.points] == [True, False, False, False]
    years = await series(runtime, maija, "cottage", date(2023, 1, 1), date(2024, 6, 30), Resolution.YEAR)
    assert [p.partial for p in years.points] == [False, True]


async def test_a_week_series_is_limited_like_days(runtime, maija) -> None:
    from domain.reporting import ReportingInputError

    with pytest.raises(ReportingInputError, match="3,660 days"):
        await series(runtime, maija, "cottage", date(2010, 1, 1), date(2020, 12, 31), Resolution.WEEK)
