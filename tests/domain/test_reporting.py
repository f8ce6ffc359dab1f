"""Reporting rules (SPEC 7) on the demo data: calendar points, sums, quality, cost, peers, estimate."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from domain import reporting
from domain.base import HELSINKI, Resolution, today_helsinki
from domain.billing import spot_price_for
from domain.consumption import QUALITY_CODE, MeterReading, ReadingQuality, SpotPrice
from domain.payments import vat_rate_on
from domain.reporting import DailyConsumption, HourlyConsumption, ReportingInputError
from domain.reporting.costs import Accumulator, FixedPoints, price_points, price_rolled_spot
from domain.reporting.grid import place_on_grid
from domain.reporting.interval_points import spot_p4
from domain.reporting.local_time import LocalMidnights, LocalTimes
from domain.reporting.metering import hour_qualities, point_qualities, point_quality, reading_qualities
from domain.reporting.projection import spread
from domain.reporting.sql import in_order, integers
from domain.reporting.tariffs import Tariff

MAIJA_HETU = "150585-902R"
#: Maija's apartment: spot from 2024-07-01 (margin 0.39 c/kWh), 15-minute metering from 2025-10-01.
SPOT_MARGIN = Decimal("0.39")
QUARTER_HOUR_FROM = date(2025, 10, 1)


async def series(runtime, maija, place: str, first: date, last: date, resolution: Resolution):
    return await reporting.consumption_series(
        runtime.read_connections,
        maija[place],
        first,
        last,
        resolution,
        customer_id=maija["customer_id"],
        cutover=runtime.rules.cutover_date,
        today=today_helsinki(),
        vat_included=True,
    )


def day_hours(day: date) -> int:
    return (reporting.local_midnight_ts(day + timedelta(days=1)) - reporting.local_midnight_ts(day)) // 3600


def latest_day_with(hours: int) -> date:
    day = today_helsinki() - timedelta(days=1)
    while day_hours(day) != hours:
        day -= timedelta(days=1)
    return day


def last_full_month() -> tuple[date, date]:
    first_of_this = today_helsinki().replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


def wh_of(points) -> int:
    return sum(round(p.kwh * 1000) for p in points if p.kwh is not None)


# --------------------------------------------------------------------------------------
# Calendar and sums
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", ["apartment", "cottage"])
async def test_dst_days_have_23_and_25_hourly_points(runtime, maija, place) -> None:
    for hours in (23, 25):
        day = latest_day_with(hours)
        found = await series(runtime, maija, place, day, day, Resolution.HOUR)
        assert len(found.points) == hours
        starts = [p.start for p in found.points]
        assert starts[0] == datetime(day.year, day.month, day.day, tzinfo=HELSINKI)
        # one UTC hour apart, and local times with the offset in force
        assert all((b - a) == timedelta(hours=1) for a, b in itertools.pairwise(starts))
        assert {s.utcoffset() for s in starts} == {timedelta(hours=2), timedelta(hours=3)}
        assert all(s.utcoffset() == s.astimezone(HELSINKI).utcoffset() for s in starts)
        if place == "apartment" and day >= QUARTER_HOUR_FROM:
            quarters = await series(runtime, maija, place, day, day, Resolution.QUARTER_HOUR)
            assert len(quarters.points) == 4 * hours
            assert quarters.total_wh == found.total_wh


@pytest.mark.parametrize(
    ("place", "month"),
    [("apartment", None), ("apartment", date(2024, 3, 1)), ("cottage", None), ("cottage", date(2023, 10, 1))],
)
async def test_a_months_hours_days_and_month_agree_exactly(runtime, maija, place, month) -> None:
    if month is None:
        first, last = last_full_month()
    else:
        first = month
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    hours = await series(runtime, maija, place, first, last, Resolution.HOUR)
    days = await series(runtime, maija, place, first, last, Resolution.DAY)
    months = await series(runtime, maija, place, first, last, Resolution.MONTH)
    years = await series(runtime, maija, place, first, last, Resolution.YEAR)
    assert len(days.points) == (last - first).days + 1
    assert len(hours.points) == sum(day_hours(d.start.date()) for d in days.points)
    assert len(months.points) == 1 and len(years.points) == 1
    total = hours.total_wh
    assert total > 0
    assert wh_of(hours.points) == wh_of(days.points) == wh_of(months.points) == wh_of(years.points) == total
    assert days.total_wh == months.total_wh == years.total_wh == total
    assert hours.completeness == days.completeness == months.completeness
    if place == "apartment" and first >= QUARTER_HOUR_FROM:
        quarters = await series(runtime, maija, place, first, last, Resolution.QUARTER_HOUR)
        assert wh_of(quarters.points) == total
        assert quarters.completeness == hours.completeness
    # ... and they equal the readings themselves
    async with runtime.sessions() as db:
        raw = await db.scalar(
            select(func.sum(MeterReading.wh)).where(
                MeterReading.location_of_use_id == maija[place].id,
                MeterReading.local_date >= first,
                MeterReading.local_date <= last,
            )
        )
    assert int(raw) == total


async def test_rollups_equal_the_readings(runtime, maija) -> None:
    async with runtime.sessions() as db:
        for place in ("apartment", "cottage"):
            lid = maija[place].id
            readings = (
                await db.execute(
                    select(func.count(), func.sum(MeterReading.wh)).where(
                        MeterReading.location_of_use_id == lid
                    )
                )
            ).one()
            daily = (
                await db.execute(
                    select(func.sum(DailyConsumption.readings), func.sum(DailyConsumption.wh)).where(
                        DailyConsumption.location_of_use_id == lid
                    )
                )
            ).one()
            assert tuple(map(int, readings)) == tuple(map(int, daily))
        hourly = (
            await db.execute(
                select(func.sum(HourlyConsumption.readings), func.sum(HourlyConsumption.wh)).where(
                    HourlyConsumption.location_of_use_id == maija["apartment"].id
                )
            )
        ).one()
        apartment = (
            await db.execute(
                select(func.count(), func.sum(MeterReading.wh)).where(
                    MeterReading.location_of_use_id == maija["apartment"].id
                )
            )
        ).one()
        assert tuple(map(int, hourly)) == tuple(map(int, apartment))
        # hourly locations are not copied into the hourly rollup
        copied = await db.scalar(
            select(func.count()).where(HourlyConsumption.location_of_use_id == maija["cottage"].id)
        )
        assert copied == 0


# --------------------------------------------------------------------------------------
# Quality and completeness
# --------------------------------------------------------------------------------------


async def test_a_day_with_a_gap_is_missing_and_sums_what_exists(runtime, maija) -> None:
    async with runtime.sessions() as db:
        gap_day = await db.scalar(
            select(DailyConsumption.local_date)
            .where(
                DailyConsumption.location_of_use_id == maija["cottage"].id,
                DailyConsumption.readings > 0,
                DailyConsumption.readings < 23,
            )
            .order_by(DailyConsumption.local_date.desc())
        )
    assert gap_day is not None
    day = await series(runtime, maija, "cottage", gap_day, gap_day, Resolution.DAY)
    hours = await series(runtime, maija, "cottage", gap_day, gap_day, Resolution.HOUR)
    [point] = day.points
    assert point.quality is ReadingQuality.MISSING
    assert point.kwh is not None and round(point.kwh * 1000) == hours.total_wh  # the readings that exist
    gaps = [p for p in hours.points if p.kwh is None]
    assert gaps and all(p.quality is ReadingQuality.MISSING and p.cost is None for p in gaps)
    assert (
        day.completeness.missing
        == len(gaps)
        == day_hours(gap_day) - day.completeness.measured - (day.completeness.estimated)
    )
    month = await series(
        runtime,
        maija,
        "cottage",
        gap_day.replace(day=1),
        gap_day.replace(day=1) + timedelta(days=27),
        Resolution.MONTH,
    )
    assert month.points[0].quality is ReadingQuality.MISSING


async def test_a_day_with_estimated_readings_only_is_estimated(runtime, maija) -> None:
    async with runtime.sessions() as db:
        rows = (
            await db.execute(
                select(DailyConsumption.local_date, DailyConsumption.readings).where(
                    DailyConsumption.location_of_use_id == maija["cottage"].id,
                    DailyConsumption.estimated > 0,
                    DailyConsumption.measured + DailyConsumption.estimated == DailyConsumption.readings,
                )
            )
        ).all()
    day = next(d for d, readings in rows if readings == day_hours(d))
    found = await series(runtime, maija, "cottage", day, day, Resolution.DAY)
    assert found.points[0].quality is ReadingQuality.ESTIMATED
    hours = await series(runtime, maija, "cottage", day, day, Resolution.HOUR)
    qualities = {p.quality for p in hours.points}
    assert qualities == {ReadingQuality.ESTIMATED, ReadingQuality.MEASURED}


async def test_completeness_counts_readings_at_the_metered_resolution(runtime, maija) -> None:
    first, last = last_full_month()
    found = await series(runtime, maija, "apartment", first, last, Resolution.DAY)
    done = found.completeness
    hours = sum(day_hours(first + timedelta(days=i)) for i in range((last - first).days + 1))
    assert done.expected == 4 * hours  # 15-minute readings
    assert done.expected == done.measured + done.estimated + done.missing


async def test_days_after_the_data_are_missing_points_without_kwh(runtime, maija) -> None:
    today = today_helsinki()
    found = await series(
        runtime, maija, "cottage", today - timedelta(days=1), today + timedelta(days=1), Resolution.DAY
    )
    yesterday, this_day, tomorrow = found.points
    assert yesterday.kwh is not None
    assert this_day.kwh is None and tomorrow.kwh is None
    assert this_day.quality is ReadingQuality.MISSING
    assert found.completeness.expected == day_hours(today - timedelta(days=1))


# --------------------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------------------


def euros(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("day", "resolution"),
    [
        (date(2025, 2, 12), Resolution.HOUR),
        (date(2024, 7, 15), Resolution.HOUR),
        (None, Resolution.QUARTER_HOUR),
    ],
)
async def test_cost_of_a_spot_interval_is_kwh_times_spot_plus_margin_with_vat(
    runtime, maija, day, resolution
) -> None:
    if day is None:
        day = today_helsinki() - timedelta(days=3)
    found = await series(runtime, maija, "apartment", day, day, resolution)
    point = next(p for p in found.points[5:] if p.kwh)
    ts = int(point.start.timestamp())
    async with runtime.sessions() as db:
        prices = dict(
            (
                await db.execute(
                    select(SpotPrice.ts, SpotPrice.eur_per_mwh).where(SpotPrice.ts.between(ts, ts + 3600))
                )
            ).all()
        )
    minutes = 15 if resolution is Resolution.QUARTER_HOUR else 60
    spot = spot_price_for(prices, ts, minutes)  # EUR/MWh without VAT
    assert spot is not None
    vat = vat_rate_on(day)
    cents_per_kwh = spot / 10 + SPOT_MARGIN
    kwh = Decimal(round(point.kwh * 1000)) / 1000
    assert point.cost == euros(kwh * cents_per_kwh / 100 * (1 + vat / 100))
    assert point.unit_price == (cents_per_kwh * (1 + vat / 100)).quantize(Decimal("0.001"), ROUND_HALF_UP)


async def test_an_hour_of_quarters_costs_the_sum_of_its_quarters(runtime, maija) -> None:
    day = today_helsinki() - timedelta(days=2)
    hours = await series(runtime, maija, "apartment", day, day, Resolution.HOUR)
    quarters = await series(runtime, maija, "apartment", day, day, Resolution.QUARTER_HOUR)
    for i, hour in enumerate(hours.points):
        parts = quarters.points[4 * i : 4 * i + 4]
        assert abs(hour.cost - sum(p.cost for p in parts)) <= Decimal("0.00002")
    assert hours.total_cost == quarters.total_cost


async def test_fixed_and_time_of_use_prices(runtime, maija) -> None:
    fixed = await series(runtime, maija, "apartment", date(2023, 3, 1), date(2023, 3, 1), Resolution.HOUR)
    # green_fixed 5.39 c/kWh, VAT 10 % (2022-12-01..2023-04-30)
    assert {p.unit_price for p in fixed.points if p.kwh is not None} == {Decimal("5.929")}
    tou = await series(runtime, maija, "cottage", date(2024, 2, 1), date(2024, 2, 1), Resolution.HOUR)
    by_hour = {p.start.hour: p.unit_price for p in tou.points}
    assert by_hour[12] == Decimal("13.516")  # day 10.90 c/kWh + 24 %
    assert by_hour[23] == by_hour[3] == Decimal("9.796")  # night 7.90 c/kWh + 24 %
    day = await series(runtime, maija, "cottage", date(2024, 2, 1), date(2024, 2, 1), Resolution.DAY)
    assert abs(day.points[0].cost - sum(p.cost for p in tou.points)) <= Decimal("0.0001")


async def test_no_price_before_the_cutover_so_no_total_cost(runtime, maija) -> None:
    found = await series(runtime, maija, "apartment", date(2019, 9, 1), date(2019, 10, 31), Resolution.MONTH)
    september, october = found.points
    assert september.kwh and september.cost is None and september.unit_price is None
    assert october.cost is not None
    assert found.total_cost is None


async def test_total_cost_is_the_points_plus_basic_fees(runtime, maija) -> None:
    first, last = last_full_month()
    found = await series(runtime, maija, "apartment", first, last, Resolution.DAY)
    energy = sum(p.cost for p in found.points if p.cost is not None)
    fee = (Decimal("3.99") * (1 + vat_rate_on(first) / 100)).quantize(Decimal("0.01"))
    assert found.total_cost is not None
    assert abs(found.total_cost - (energy + fee)) <= Decimal("0.01")


# --------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------


async def test_refusals_name_the_rule(runtime, maija) -> None:
    yesterday = today_helsinki() - timedelta(days=1)
    with pytest.raises(ReportingInputError, match="metered hourly"):
        await series(runtime, maija, "cottage", yesterday, yesterday, Resolution.QUARTER_HOUR)
    with pytest.raises(ReportingInputError, match="2025-10-01"):
        await series(
            runtime, maija, "apartment", date(2025, 9, 30), date(2025, 10, 2), Resolution.QUARTER_HOUR
        )
    with pytest.raises(ReportingInputError, match="400 days"):
        await series(runtime, maija, "cottage", yesterday - timedelta(days=400), yesterday, Resolution.HOUR)
    with pytest.raises(ReportingInputError, match="before"):
        await series(runtime, maija, "cottage", yesterday, yesterday - timedelta(days=1), Resolution.DAY)
    with pytest.raises(ReportingInputError, match="3,660 days"):
        reporting.validate_range(date(2010, 1, 1), date(2020, 12, 31), Resolution.DAY)
    reporting.validate_range(yesterday - timedelta(days=399), yesterday, Resolution.QUARTER_HOUR)


# --------------------------------------------------------------------------------------
# Trend, peers, estimate
# --------------------------------------------------------------------------------------


async def test_previous_period_is_the_same_length_just_before(runtime, maija) -> None:
    # a range that is not whole calendar months (whole months: tests/domain/test_reporting_comparison.py)
    first, last = last_full_month()
    first += timedelta(days=3)
    found = await series(runtime, maija, "cottage", first, last, Resolution.DAY)
    async with runtime.sessions() as db:
        previous = await reporting.previous_period(db, maija["cottage"].id, first, last)
    assert previous is not None
    assert previous.last == first - timedelta(days=1)
    assert (previous.last - previous.first) == (last - first)
    expected = await series(runtime, maija, "cottage", previous.first, previous.last, Resolution.DAY)
    assert previous.total_wh == expected.total_wh
    assert previous.change_percent(found.total_wh) == round(
        (found.total_wh - expected.total_wh) * 100 / expected.total_wh, 1
    )


async def test_similar_locations_of_maijas_apartment(runtime, maija) -> None:
    first, last = last_full_month()
    async with runtime.sessions() as db:
        peers = await reporting.similar_locations(db, maija["apartment"], first, last, today=today_helsinki())
        cottage = await reporting.similar_locations(db, maija["cottage"], first, last, today=today_helsinki())
        # before the peers' data (13 full months) there is nothing to compare with
        old = await reporting.similar_locations(
            db, maija["apartment"], date(2021, 1, 1), date(2021, 1, 31), today=today_helsinki()
        )
    assert peers is not None and peers.sample_size >= 20
    assert peers.p25_kwh <= peers.median_kwh <= peers.p75_kwh
    assert 0 <= peers.percentile_rank <= 100
    assert "buildingType: APARTMENT" in peers.criteria and "floorAreaM2: 40-59" in peers.criteria
    assert cottage is not None and cottage.sample_size >= 20
    assert old is None


@pytest.mark.parametrize("place", ["apartment", "cottage"])
async def test_next_invoice_estimate_lines_sum_to_the_total(runtime, maija, place) -> None:
    today = today_helsinki()
    async with runtime.sessions() as db:
        estimate = await reporting.next_invoice_estimate(
            db,
            maija[place],
            customer_id=maija["customer_id"],
            cutover=runtime.rules.cutover_date,
            today=today,
            vat_included=True,
            language="EN",
        )
    assert estimate is not None
    assert estimate.period_start == today.replace(day=1)
    assert estimate.period_end.month == today.month and (estimate.period_end + timedelta(days=1)).day == 1
    assert sum(line.amount_incl_vat for line in estimate.lines) == estimate.total
    assert estimate.projected_wh >= estimate.consumed_wh > 0
    assert estimate.method == "LAST_YEAR_SCALED"
    energy = [line for line in estimate.lines if line.unit == "kWh" and line.kind.value != "SPOT_MARGIN"]
    assert sum(line.quantity for line in energy) == Decimal(estimate.projected_wh) / 1000
    assert any(line.description.startswith("Basic fee") for line in estimate.lines)
    first = await series(
        runtime, maija, place, estimate.period_start, today - timedelta(days=1), Resolution.DAY
    )
    assert first.total_wh == estimate.consumed_wh


# --------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------


def test_spot_units_follow_the_billing_rule() -> None:
    prices = {3600 * 10: Decimal("40.00"), 3600 * 11: Decimal("-2.50")}
    quarters = {3600 * 20 + 900 * k: Decimal(p) for k, p in enumerate(["10.00", "11.25", "12.50", "13.75"])}
    partial = {3600 * 30: Decimal("7.00"), 3600 * 30 + 900: Decimal("8.00")}
    for book in (prices, quarters, partial):
        cents = {ts: int(p * 100) for ts, p in book.items()}
        for ts in range(3600 * 9, 3600 * 32, 900):
            for minutes in (15, 60):
                if minutes == 60 and ts % 3600:
                    continue
                expected = spot_price_for(book, ts, minutes)
                found = spot_p4(cents, ts, minutes)
                assert (found is None) == (expected is None)
                if expected is not None:
                    assert Decimal(found) / 400 == expected


def test_spread_sums_exactly() -> None:
    assert spread(100, [1, 1, 1]) == [34, 33, 33]
    assert sum(spread(12345, [5, 0, 7, 3])) == 12345
    assert spread(10, [0, 0]) == [5, 5]
    assert spread(0, []) == []


def test_a_point_takes_the_weakest_quality_of_its_readings_in_every_form() -> None:
    """Points of one reading, hours of the hourly rollup (the weakest code and a count) and
    points of counts (DAY and coarser) follow the one rule, ``point_quality``."""
    measured, estimated = ReadingQuality.MEASURED, ReadingQuality.ESTIMATED
    assert reading_qualities([None]) == [point_quality(0, 0, 0, 1)] == [ReadingQuality.MISSING]
    for quality in QUALITY_CODE:  # the stored qualities (NO_CONTRACT is derived, never stored)
        counts = (1, int(quality is measured), int(quality is estimated), 1)
        assert reading_qualities([QUALITY_CODE[quality]]) == [point_quality(*counts)]
    for switch, due in ((1, 1), (0, 4)):  # the hour (index 0) before or after the 15-minute switch
        for n in range(6):
            for mix in itertools.combinations_with_replacement(list(QUALITY_CODE), n):
                weakest = min((QUALITY_CODE[q] for q in mix), default=None)
                m, e = mix.count(measured), mix.count(estimated)
                expected = point_quality(n, m, e, due)
                assert hour_qualities([weakest], [n], switch) == [expected], (mix, due)
                assert point_qualities([n], [m], [e], [due]) == [expected]


def test_series_points_are_rows_and_columns() -> None:
    start = datetime(2026, 1, 1, tzinfo=HELSINKI)
    points = reporting.SeriesPoints(
        [start, start + timedelta(hours=1)],
        [1.5, None],
        [Decimal("1.000"), None],
        [Decimal("0.01500"), None],
        [ReadingQuality.MEASURED, ReadingQuality.MISSING],
    )
    assert len(points) == 2
    assert list(points)[1] == reporting.SeriesPoint(
        start + timedelta(hours=1), None, None, None, ReadingQuality.MISSING
    )
    assert points[0].kwh == 1.5 and points.column("kwh") == [1.5, None] and points.column("nope") is None
    assert list(points[1:]) == [points[1]]


# --------------------------------------------------------------------------------------
# How a series is read and laid out
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "resolution", "days"),
    [
        ("apartment", Resolution.QUARTER_HOUR, 3),
        ("apartment", Resolution.HOUR, 40),
        ("cottage", Resolution.HOUR, 40),
    ],
)
async def test_rows_give_what_the_texts_give(runtime, maija, monkeypatch, place, resolution, days) -> None:
    last = today_helsinki() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    texts = await series(runtime, maija, place, first, last, resolution)
    # texts that do not add up send the reads to the rows
    monkeypatch.setattr("domain.reporting.sql.integers", lambda text_value: [])
    rows = await series(runtime, maija, place, first, last, resolution)
    assert list(rows.points) == list(texts.points)
    assert (rows.total_wh, rows.total_cost, rows.completeness) == (
        texts.total_wh,
        texts.total_cost,
        texts.completeness,
    )


def test_columns_of_texts_are_put_in_time_order() -> None:
    assert integers("3,-1,20") == [3, -1, 20] and integers(None) == []
    assert in_order([15, 0, 30], [2, 1, 3], [7, 8, 9]) == [[0, 15, 30], [1, 2, 3], [8, 7, 9]]
    ordered = [[0, 15, 30], [1, 2, 3]]
    assert in_order(*ordered) == ordered


@pytest.mark.parametrize("step", [900, 3600])
def test_local_times_are_the_instants_in_local_time(step) -> None:
    for day in (latest_day_with(23), latest_day_with(25), date(2024, 1, 15)):
        t0 = reporting.local_midnight_ts(day - timedelta(days=1))
        count = (reporting.local_midnight_ts(day + timedelta(days=2)) - t0) // step
        times = LocalTimes(t0, step, count)
        made = list(times)
        # (compared by instant and offset: an aware time in the repeated hour never equals
        # one in another zone, PEP 495)
        assert [(t.timestamp(), t.utcoffset()) for t in made] == [
            (t0 + k * step, datetime.fromtimestamp(t0 + k * step, HELSINKI).utcoffset()) for k in range(count)
        ]
        assert times.isoformats() == [t.isoformat() for t in made]
        assert times[5] == made[5] and times[-1] == made[-1] and times[3:7] == made[3:7]


def test_local_midnights_follow_the_offset_of_each_day() -> None:
    first = latest_day_with(23) - timedelta(days=3)
    days = [first + timedelta(days=k) for k in range(250)]
    midnights = LocalMidnights([d.toordinal() for d in days])
    expected = [datetime(d.year, d.month, d.day, tzinfo=HELSINKI) for d in days]
    assert [(m.timestamp(), m.utcoffset()) for m in midnights] == [
        (e.timestamp(), e.utcoffset()) for e in expected
    ]
    assert midnights.isoformats() == [t.isoformat() for t in expected]
    assert {m.utcoffset() for m in midnights} == {timedelta(hours=2), timedelta(hours=3)}


def test_fixed_points_are_decimals_and_their_texts() -> None:
    units = [0, 1, -3, 123456, None, 99999999]
    costs = FixedPoints(units, 5)
    expected = [Decimal("0.00000"), Decimal("0.00001"), Decimal("-0.00003"), Decimal("1.23456"), None]
    assert list(costs)[:5] == expected and costs[5] == Decimal("999.99999")
    assert costs.texts() == [None if d is None else str(d) for d in costs]
    assert costs.texts()[:4] == ["0.00000", "0.00001", "-0.00003", "1.23456"]
    assert costs[1:3] == expected[1:3] and costs[-2] is None and len(costs) == 6
    assert FixedPoints([1500], 3).texts() == ["1.500"]


def _half_away(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))  # half away from zero


@pytest.mark.parametrize(("seed", "largest"), [(1, 4000), (2, 4000), (3, 4000), (4, 2**45)])
def test_column_pricing_is_the_rule_value_by_value(seed, largest) -> None:
    """The column arithmetic (64-bit, or Python integers past 2**61) against the rule
    written per value."""
    import random

    from domain.contracts import ProductKind

    rnd = random.Random(seed)
    n = 500
    wh = [None if rnd.random() < 0.05 else rnd.choice([0, rnd.randint(1, largest)]) for _ in range(n)]
    units = [None if w is None else rnd.randint(-4 * 2000 * 4000, 4 * 30000 * 4000) // 10 for w in wh]
    unpriced = [0] * n
    if seed == 3:  # a reading without a spot price sends the run value by value
        unpriced[7] = 1
    tariff = Tariff(ProductKind.SPOT, 39_000, 39_000, 1255)
    cost: list = [None] * n
    unit: list = [None] * n
    acc = Accumulator()
    price_rolled_spot(wh, units, unpriced, 0, tariff, cost, unit, acc)
    expected_units = 0
    for k in range(n):
        if wh[k] is None or unpriced[k]:
            assert cost[k] is None and unit[k] is None
            continue
        x = (units[k] * 25 + wh[k] * 39_000) * 1255
        expected_units += x
        assert cost[k] == _half_away(Decimal(x) / 10**8)
        assert unit[k] == (None if wh[k] == 0 else _half_away(Decimal(x) / (wh[k] * 10**5)))
    assert acc.units == expected_units and acc.unpriced == (seed == 3)

    scaled = [rnd.randint(-3_000_000, 40_000_000) * 1255 for _ in range(n)]
    cost, unit, acc = [None] * n, [None] * n, Accumulator()
    price_points(wh, scaled, 0, cost, unit, acc)
    for k in range(n):
        if wh[k] is None:
            assert cost[k] is None and unit[k] is None
            continue
        assert cost[k] == _half_away(Decimal(wh[k] * scaled[k]) / 10**8)
        assert unit[k] == _half_away(Decimal(scaled[k]) / 10**5)
    assert acc.units == sum(w * s for w, s in zip(wh, scaled, strict=True) if w is not None)


def test_halves_round_away_from_zero_in_columns() -> None:
    cost, unit, acc = [None] * 4, [None] * 4, Accumulator()
    # 1.5 and -1.5 cost units; -2.5 and 2.5 unit-price units
    price_points([1, 1, 1, 1], [150_000_000, -150_000_000, -250_000, 250_000], 0, cost, unit, acc)
    assert cost[:2] == [2, -2] and unit[2:] == [-3, 3]
    from domain.contracts import ProductKind

    tariff = Tariff(ProductKind.SPOT, 0, 0, 1000)
    cost, unit = [None] * 2, [None] * 2
    # x = units x 25 x 1000: -1.5e8 (cost -1.5 units) and a unit price of -1.5e5 / 1e5
    price_rolled_spot([1, 1], [-6000, -6], [0, 0], 0, tariff, cost, unit, Accumulator())
    assert cost == [-2, 0] and unit == [-1500, -2]


@pytest.mark.parametrize("seed", range(6))
def test_rows_land_on_their_points(seed) -> None:
    """``_on_grid`` (halving, slices) against a loop over the rows."""
    import random

    rnd = random.Random(seed)
    t0, step, count = 1_000_000, 900, 300
    instants = sorted(rnd.sample(range(t0 - 5 * step, t0 + (count + 5) * step, step), 250))
    if seed % 2:  # rows between points, which a query never gives: they land where they fall
        instants = sorted({*instants, t0 + 7 * step + 1, t0 + 8 * step + 450})
    values = [rnd.randint(0, 99) for _ in instants]
    expected: list = [None] * count
    for ts, value in zip(instants, values, strict=True):
        k = (ts - t0) // step
        if 0 <= k < count:
            expected[k] = value
    [placed], complete = place_on_grid(instants, [values], [None], t0, step, count)
    assert placed == expected and not complete
    full = list(range(t0, t0 + count * step, step))
    numbers = list(range(count))
    assert place_on_grid(full, [numbers], [None], t0, step, count) == ([numbers], True)
