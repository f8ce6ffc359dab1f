"""Missing means missing (issue 17, part 3): readings are expected only while a contract is in
force; a point wholly outside the contracts is NO_CONTRACT, one partly inside takes the
weakest quality of its expected readings. Pure: the point builders over made-up rows."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from domain.base import Resolution
from domain.consumption import QUALITY_CODE, ReadingQuality
from domain.contracts import ProductKind
from domain.reporting.calendar_points import build_calendar_points
from domain.reporting.interval_points import build_interval_points
from domain.reporting.local_time import local_midnight_ts
from domain.reporting.metering import Metering, expected_in_contracts
from domain.reporting.tariffs import DayLookup, Tariff

FIXED = Tariff(ProductKind.FIXED_PRICE, 1_000_000, 1_000_000, 1255)  # 10 c/kWh without VAT
MEASURED, ESTIMATED = QUALITY_CODE[ReadingQuality.MEASURED], QUALITY_CODE[ReadingQuality.ESTIMATED]
HOURLY = Metering(SimpleNamespace(metering_resolution=Resolution.HOUR), None)  # type: ignore[arg-type]
QUARTERLY = Metering(
    SimpleNamespace(metering_resolution=Resolution.QUARTER_HOUR),  # type: ignore[arg-type]
    date(2025, 10, 1),
)


def _april_cut_on_the_16th() -> DayLookup:
    """April 2024 with a contract from the 16th on (no DST change in April)."""
    return DayLookup(
        [(date(2024, 4, 1), date(2024, 4, 15), None), (date(2024, 4, 16), date(2024, 4, 30), FIXED)],
        [False, True],
    )


def _month(outside: tuple[int, int, int], inside: tuple[int, int, int], lookup: DayLookup):
    """The MONTH point of April 2024 from rollup rows of the two pieces: (readings, measured,
    estimated) each, 100 Wh a reading."""
    rows = [
        (202404, piece, 100 * r, 0, r, m, e, 0, 0) for piece, (r, m, e) in enumerate((outside, inside)) if r
    ]
    return build_calendar_points(
        rows, date(2024, 4, 1), date(2024, 4, 30), Resolution.MONTH, lookup, HOURLY, date(2026, 1, 1)
    )


@pytest.mark.parametrize(
    ("inside", "quality"),
    [
        ((360, 360, 0), ReadingQuality.MEASURED),
        ((360, 359, 1), ReadingQuality.ESTIMATED),
        ((359, 359, 0), ReadingQuality.MISSING),  # one expected reading is missing
        ((0, 0, 0), ReadingQuality.MISSING),
    ],
)
def test_a_month_cut_by_the_contract_start_takes_the_weakest_of_its_expected_readings(
    inside: tuple[int, int, int], quality: ReadingQuality
) -> None:
    # 15 days x 24 hours are expected; the first half has no readings at all, or estimated
    # ones the retailer does not report (another retailer's time): neither counts.
    for outside in ((0, 0, 0), (100, 0, 100)):
        points, total_wh, _, measured, estimated = _month(outside, inside, _april_cut_on_the_16th())
        [point] = points
        assert point.quality is quality, (outside, inside)
        assert point.kwh == (inside[0] / 10 if inside[0] else None)
        assert total_wh == 100 * inside[0]
        assert (measured, estimated) == inside[1:]


def test_without_the_contract_rule_the_month_would_be_missing() -> None:
    """The same readings with the whole month under a contract: the first half is missing."""
    whole = DayLookup([(date(2024, 4, 1), date(2024, 4, 30), FIXED)])
    [point] = build_calendar_points(
        [(202404, 0, 36_000, 0, 360, 360, 0, 0, 0)],
        date(2024, 4, 1),
        date(2024, 4, 30),
        Resolution.MONTH,
        whole,
        HOURLY,
        date(2026, 1, 1),
    )[0]
    assert point.quality is ReadingQuality.MISSING


def test_days_and_years_wholly_outside_are_no_contract_with_kwh_null() -> None:
    lookup = _april_cut_on_the_16th()
    rows = [(date(2024, 4, d), 0, 2400, 0, 24, 24, 0, 0, 0) for d in range(1, 31)]
    points, total_wh, acc, measured, _ = build_calendar_points(
        rows, date(2024, 4, 1), date(2024, 4, 30), Resolution.DAY, lookup, HOURLY, date(2026, 1, 1)
    )
    assert [p.quality for p in points] == [ReadingQuality.NO_CONTRACT] * 15 + [ReadingQuality.MEASURED] * 15
    assert all(p.kwh is None and p.cost is None for p in points[:15])
    assert all(p.kwh == 2.4 and p.cost is not None for p in points[15:])
    # only the readings under the contract count, so the series has a price
    assert (total_wh, measured, acc.unpriced) == (15 * 2400, 15 * 24, False)
    # a year before the contract: NO_CONTRACT, and nothing expected
    years = DayLookup([(date(2020, 1, 1), date(2020, 12, 31), None)], [False])
    [year] = build_calendar_points(
        [], date(2020, 1, 1), date(2020, 12, 31), Resolution.YEAR, years, HOURLY, date(2026, 1, 1)
    )[0]
    assert (year.quality, year.kwh) == (ReadingQuality.NO_CONTRACT, None)
    assert expected_in_contracts(date(2020, 1, 1), date(2020, 12, 31), HOURLY, years.covered_pieces()) == 0


def _two_days(first: date) -> DayLookup:
    """``first`` without a contract, the next day with one."""
    return DayLookup(
        [(first, first, None), (first + timedelta(days=1), first + timedelta(days=1), FIXED)], [False, True]
    )


def test_quarter_hours_and_hours_before_a_contract_are_no_contract() -> None:
    first = date(2025, 11, 10)
    t0 = local_midnight_ts(first)
    lookup = _two_days(first)
    # every quarter-hour of both days measured, 10 Wh each
    readings = [list(range(0, 2 * 24 * 60, 15)), [10] * 192, [MEASURED] * 192]
    points, total_wh, acc, measured, estimated = build_interval_points(
        readings, single=True, prices=None, t0=t0, step=900, count=192, lookup=lookup, metering=QUARTERLY
    )
    assert [p.quality for p in points] == [ReadingQuality.NO_CONTRACT] * 96 + [ReadingQuality.MEASURED] * 96
    assert all(p.kwh is None and p.cost is None for p in points[:96])
    assert (total_wh, measured, estimated, acc.unpriced) == (960, 96, 0, False)
    # the same from the hourly rollup: hours since t0, wh, weakest, readings, measured,
    # estimated, spot units, unpriced
    hours = [list(range(48)), [40] * 48, [ESTIMATED] * 48, [4] * 48, [0] * 48, [4] * 48, [0] * 48, [0] * 48]
    points, total_wh, acc, measured, estimated = build_interval_points(
        hours, single=False, prices=None, t0=t0, step=3600, count=48, lookup=lookup, metering=QUARTERLY
    )
    assert [p.quality for p in points] == [ReadingQuality.NO_CONTRACT] * 24 + [ReadingQuality.ESTIMATED] * 24
    assert all(p.kwh is None for p in points[:24]) and points[24].kwh == 0.04
    assert (total_wh, measured, estimated, acc.unpriced) == (960, 0, 96, False)
