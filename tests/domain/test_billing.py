"""Unit tests of domain.billing: invoice lines from prices and readings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.base import HELSINKI
from domain.billing import (
    InvoiceComputation,
    LineKind,
    Price,
    compute_invoice,
    local_date_and_hour,
    monthly_billing_periods,
    spot_price_for,
)
from domain.contracts import PriceKind, PriceUnit, ProductKind

FIXED, TOU, SPOT = ProductKind.FIXED_PRICE, ProductKind.TIME_OF_USE, ProductKind.SPOT


def fee(amount: str, start: date, end: date | None = None) -> Price:
    return Price(PriceKind.BASIC_FEE, Decimal(amount), PriceUnit.EUR_PER_MONTH, start, end)


def energy(kind: PriceKind, cents: str, start: date, end: date | None = None) -> Price:
    return Price(kind, Decimal(cents), PriceUnit.CENTS_PER_KWH, start, end)


def local_ts(day: date, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=HELSINKI).timestamp())


def hourly(first: date, last: date, wh: int = 1000) -> list[tuple[int, int]]:
    """A reading of ``wh`` for every hour of the local days ``first``..``last`` (UTC instants)."""
    return [(ts, wh) for ts in range(local_ts(first), local_ts(last + timedelta(days=1)), 3600)]


def lines_of(result: InvoiceComputation, kind: LineKind) -> list:
    return [line for line in result.lines if line.kind is kind]


def assert_totals(result: InvoiceComputation) -> None:
    assert result.total == sum(line.amount_incl_vat for line in result.lines)
    assert result.total_excl_vat == sum(line.amount_excl_vat for line in result.lines)
    assert result.vat_amount == sum(line.amount_incl_vat - line.amount_excl_vat for line in result.lines)
    for line in result.lines:
        assert line.amount_excl_vat == line.amount_excl_vat.quantize(Decimal("0.01"))
        assert line.amount_incl_vat == line.amount_incl_vat.quantize(Decimal("0.01"))


def test_fixed_price_month() -> None:
    start, end = date(2024, 1, 1), date(2024, 1, 31)
    readings = [(ts, 1234) for ts, _ in hourly(start, end)]  # 744 h x 1.234 kWh
    result = compute_invoice(
        product_kind=FIXED,
        components=[fee("3.90", date(2023, 1, 1)), energy(PriceKind.ENERGY, "8.90", date(2023, 1, 1))],
        period_start=start,
        period_end=end,
        readings=readings,
    )
    basic, energy_line = result.lines
    assert basic.kind is LineKind.BASIC_FEE
    assert (basic.quantity, basic.unit, basic.unit_price) == (Decimal("1.000"), "kk", Decimal("3.90000"))
    assert basic.vat_rate == Decimal(24)
    assert basic.amount_excl_vat == Decimal("3.90")
    assert basic.amount_incl_vat == Decimal("4.84")  # 3.90 + 0.936 -> 0.94
    assert energy_line.kind is LineKind.ENERGY
    assert energy_line.quantity == Decimal("918.096")
    assert energy_line.unit == "kWh"
    assert energy_line.unit_price == Decimal("0.08900")
    assert energy_line.amount_excl_vat == Decimal("81.71")  # 918.096 x 0.089 = 81.710544
    assert energy_line.amount_incl_vat == Decimal("101.32")  # + 19.610... -> 19.61
    assert energy_line.description == "Energia 1.1.2024–31.1.2024"
    assert result.energy_kwh == Decimal("918.096")
    assert result.total == Decimal("106.16")
    assert_totals(result)


def test_readings_outside_the_period_are_ignored() -> None:
    prices = [fee("0", date(2024, 1, 1)), energy(PriceKind.ENERGY, "10", date(2024, 1, 1))]
    result = compute_invoice(
        product_kind=FIXED,
        components=prices,
        period_start=date(2024, 2, 1),
        period_end=date(2024, 2, 29),
        readings=hourly(date(2024, 1, 31), date(2024, 3, 1)),
    )
    assert lines_of(result, LineKind.ENERGY)[0].quantity == Decimal(29 * 24)


@pytest.mark.parametrize(
    ("day", "night_hours"),
    [
        (date(2024, 3, 20), 9),  # an ordinary day: 24 h
        (date(2024, 3, 31), 8),  # clocks forward at 03:00: 23 h, the lost hour is at night
        (date(2024, 10, 27), 10),  # clocks back at 04:00: 25 h, 03:00-04:00 twice
    ],
)
def test_time_of_use_split_at_7_and_22_local(day: date, night_hours: int) -> None:
    readings = hourly(day, day)
    assert len(readings) == 15 + night_hours
    result = compute_invoice(
        product_kind=TOU,
        components=[
            fee("5.00", date(2024, 1, 1)),
            energy(PriceKind.ENERGY_DAY, "10.00", date(2024, 1, 1)),
            energy(PriceKind.ENERGY_NIGHT, "6.00", date(2024, 1, 1)),
        ],
        period_start=day,
        period_end=day,
        readings=readings,
    )
    (day_line,) = lines_of(result, LineKind.ENERGY_DAY)
    (night_line,) = lines_of(result, LineKind.ENERGY_NIGHT)
    assert day_line.quantity == Decimal("15.000")
    assert night_line.quantity == Decimal(night_hours)
    assert day_line.amount_excl_vat == Decimal("1.50")
    assert night_line.amount_excl_vat == Decimal(night_hours) * Decimal("0.06")
    (basic,) = lines_of(result, LineKind.BASIC_FEE)
    days_in_month = 31
    assert basic.quantity == (Decimal(1) / days_in_month).quantize(Decimal("0.001"))
    assert_totals(result)


def test_time_of_use_boundaries() -> None:
    day = date(2024, 5, 15)
    readings = [
        (local_ts(day, 6, 45), 100, 15),
        (local_ts(day, 7), 200, 15),
        (local_ts(day, 21, 45), 400, 15),
    ]
    readings += [(local_ts(day, 22), 800, 15)]
    result = compute_invoice(
        product_kind=TOU,
        components=[
            energy(PriceKind.ENERGY_DAY, "10", date(2024, 1, 1)),
            energy(PriceKind.ENERGY_NIGHT, "5", date(2024, 1, 1)),
        ],
        period_start=day,
        period_end=day,
        readings=readings,
    )
    assert lines_of(result, LineKind.ENERGY_DAY)[0].quantity == Decimal("0.600")
    assert lines_of(result, LineKind.ENERGY_NIGHT)[0].quantity == Decimal("0.900")


def test_spot_energy_is_summed_per_interval_and_margin_on_all_kwh() -> None:
    day = date(2024, 11, 5)
    t0 = local_ts(day, 0)
    prices = {t0: Decimal("10.00"), t0 + 3600: Decimal("200.00"), t0 + 7200: Decimal("-5.00")}
    readings = [(t0, 1000), (t0 + 3600, 2000), (t0 + 7200, 3000)]
    result = compute_invoice(
        product_kind=SPOT,
        components=[fee("3.99", date(2024, 7, 1)), energy(PriceKind.SPOT_MARGIN, "0.39", date(2024, 7, 1))],
        period_start=day,
        period_end=day,
        readings=readings,
        spot_prices=prices,
    )
    (spot,) = lines_of(result, LineKind.SPOT_ENERGY)
    (margin,) = lines_of(result, LineKind.SPOT_MARGIN)
    # 1 kWh x 0.010 + 2 kWh x 0.200 + 3 kWh x -0.005 = 0.395 EUR
    assert spot.quantity == Decimal("6.000")
    assert spot.amount_excl_vat == Decimal("0.40")  # 0.395 rounded half up
    assert spot.unit_price == (Decimal("0.395") / 6).quantize(Decimal("0.00001"))
    assert spot.vat_rate == Decimal("25.5")
    assert margin.quantity == Decimal("6.000")
    assert margin.unit_price == Decimal("0.00390")
    assert margin.amount_excl_vat == Decimal("0.02")  # 0.0234
    assert_totals(result)


def test_spot_prices_of_quarter_hours_and_hours() -> None:
    t0 = local_ts(date(2025, 11, 3), 12)
    quarters = {t0: Decimal("10.00"), t0 + 900: Decimal("20.00"), t0 + 1800: Decimal("30.00")}
    quarters[t0 + 2700] = Decimal("41.00")
    # An hourly reading in the 15-minute era is priced at the mean of its quarters.
    assert spot_price_for(quarters, t0, 60) == Decimal("25.25")
    assert spot_price_for(quarters, t0 + 900, 15) == Decimal("20.00")
    hours = {t0: Decimal("50.00")}
    assert spot_price_for(hours, t0, 60) == Decimal("50.00")
    assert spot_price_for(hours, t0 + 1800, 15) == Decimal("50.00")  # a quarter in the hourly era
    assert spot_price_for(hours, t0 + 3600, 60) is None

    readings = [(t0, 250, 15), (t0 + 900, 250, 15), (t0 + 1800, 250, 15), (t0 + 2700, 250, 15)]
    result = compute_invoice(
        product_kind=SPOT,
        components=[energy(PriceKind.SPOT_MARGIN, "0", date(2025, 1, 1))],
        period_start=date(2025, 11, 3),
        period_end=date(2025, 11, 3),
        readings=readings,
        spot_prices=quarters,
    )
    (spot,) = lines_of(result, LineKind.SPOT_ENERGY)
    assert spot.amount_excl_vat == Decimal("0.03")  # 0.25 kWh x (10+20+30+41) EUR/MWh = 0.02525


def test_spot_without_a_price_is_an_error() -> None:
    day = date(2024, 11, 5)
    with pytest.raises(ValueError, match="spot price"):
        compute_invoice(
            product_kind=SPOT,
            components=[energy(PriceKind.SPOT_MARGIN, "0.39", date(2024, 7, 1))],
            period_start=day,
            period_end=day,
            readings=[(local_ts(day, 1), 1000)],
            spot_prices={},
        )


def test_no_price_in_force_is_an_error() -> None:
    with pytest.raises(ValueError, match="no ENERGY price"):
        compute_invoice(
            product_kind=FIXED,
            components=[energy(PriceKind.ENERGY, "5", date(2024, 2, 1))],
            period_start=date(2024, 1, 31),
            period_end=date(2024, 2, 1),
            readings=hourly(date(2024, 1, 31), date(2024, 2, 1)),
        )


def test_vat_change_on_2022_12_01_splits_the_lines() -> None:
    start, end = date(2022, 11, 16), date(2022, 12, 15)
    result = compute_invoice(
        product_kind=FIXED,
        components=[fee("4.00", date(2022, 1, 1)), energy(PriceKind.ENERGY, "20.00", date(2022, 1, 1))],
        period_start=start,
        period_end=end,
        readings=hourly(start, end, wh=500),
    )
    basics = lines_of(result, LineKind.BASIC_FEE)
    energies = lines_of(result, LineKind.ENERGY)
    assert [(b.period_start, b.period_end, b.vat_rate) for b in basics] == [
        (date(2022, 11, 16), date(2022, 11, 30), Decimal(24)),
        (date(2022, 12, 1), date(2022, 12, 15), Decimal(10)),
    ]
    assert [b.quantity for b in basics] == [Decimal("0.500"), Decimal("0.484")]  # 15/30, 15/31
    assert [b.amount_excl_vat for b in basics] == [Decimal("2.00"), Decimal("1.94")]  # 0.484 x 4 = 1.936
    assert [(e.vat_rate, e.quantity) for e in energies] == [
        (Decimal(24), Decimal(180)),
        (Decimal(10), Decimal(180)),
    ]
    assert [e.amount_excl_vat for e in energies] == [Decimal("36.00"), Decimal("36.00")]
    assert [e.amount_incl_vat for e in energies] == [Decimal("44.64"), Decimal("39.60")]
    assert result.total == Decimal("2.48") + Decimal("2.13") + Decimal("44.64") + Decimal("39.60")
    assert_totals(result)


def test_rounding_is_half_up_for_amount_and_vat() -> None:
    day = date(2022, 12, 10)  # 10 % VAT
    result = compute_invoice(
        product_kind=FIXED,
        components=[energy(PriceKind.ENERGY, "2.5", date(2022, 1, 1))],
        period_start=day,
        period_end=day,
        readings=[(local_ts(day, 1), 5000)],  # 5 kWh x 0.025 = 0.125
    )
    (line,) = result.lines
    assert line.amount_excl_vat == Decimal("0.13")  # banker's rounding would give 0.12
    assert line.amount_incl_vat == Decimal("0.14")  # VAT 0.013 -> 0.01

    result = compute_invoice(
        product_kind=FIXED,
        components=[energy(PriceKind.ENERGY, "2.5", date(2022, 1, 1))],
        period_start=day,
        period_end=day,
        readings=[(local_ts(day, 1), 10000)],  # 10 kWh x 0.025 = 0.25, VAT 0.025
    )
    (line,) = result.lines
    assert line.amount_excl_vat == Decimal("0.25")
    assert line.amount_incl_vat == Decimal("0.28")  # VAT 0.025 rounded half up to 0.03
    assert result.vat_amount == Decimal("0.03")


def test_price_change_within_the_period_gives_a_line_per_component() -> None:
    start, end = date(2023, 6, 1), date(2023, 6, 30)
    result = compute_invoice(
        product_kind=FIXED,
        components=[
            fee("3.90", date(2022, 10, 1)),
            energy(PriceKind.ENERGY, "17.90", date(2022, 10, 1), date(2023, 6, 14)),
            energy(PriceKind.ENERGY, "8.90", date(2023, 6, 15)),
        ],
        period_start=start,
        period_end=end,
        readings=hourly(start, end),
    )
    energies = lines_of(result, LineKind.ENERGY)
    assert [(e.period_start, e.period_end, e.quantity, e.unit_price) for e in energies] == [
        (date(2023, 6, 1), date(2023, 6, 14), Decimal(14 * 24), Decimal("0.17900")),
        (date(2023, 6, 15), date(2023, 6, 30), Decimal(16 * 24), Decimal("0.08900")),
    ]
    assert len(lines_of(result, LineKind.BASIC_FEE)) == 1
    assert_totals(result)


def test_basic_fee_per_month_and_part_month() -> None:
    result = compute_invoice(
        product_kind=FIXED,
        components=[fee("6.00", date(2024, 1, 10)), energy(PriceKind.ENERGY, "5", date(2024, 1, 10))],
        period_start=date(2024, 1, 10),
        period_end=date(2024, 3, 31),
        readings=[],
    )
    basics = lines_of(result, LineKind.BASIC_FEE)
    assert [(b.period_start, b.quantity, b.amount_excl_vat) for b in basics] == [
        (date(2024, 1, 10), Decimal("0.710"), Decimal("4.26")),  # 22/31 days
        (date(2024, 2, 1), Decimal("1.000"), Decimal("6.00")),
        (date(2024, 3, 1), Decimal("1.000"), Decimal("6.00")),
    ]
    (energy_line,) = lines_of(result, LineKind.ENERGY)
    assert energy_line.quantity == Decimal("0.000")
    assert energy_line.amount_incl_vat == Decimal("0.00")
    assert_totals(result)


def test_local_date_and_hour() -> None:
    assert local_date_and_hour(local_ts(date(2024, 10, 27), 3, 30)) == (date(2024, 10, 27), 3)
    assert local_date_and_hour(local_ts(date(2024, 1, 1), 0, 0) - 1) == (date(2023, 12, 31), 23)


def test_monthly_billing_periods() -> None:
    periods = monthly_billing_periods(
        date(2019, 7, 1), date(2021, 6, 30), issued_from=date(2019, 10, 1), issued_until=date(2030, 1, 1)
    )
    assert periods[0].period_start == date(2019, 9, 1)
    assert periods[0].issued_on == date(2019, 10, 1)
    assert periods[0].due_on == date(2019, 10, 31)
    assert periods[-1].period_end == date(2021, 6, 30)
    assert periods[-1].issued_on == date(2021, 7, 1)
    assert len(periods) == 22

    open_ended = monthly_billing_periods(
        date(2024, 7, 15), None, issued_from=date(2019, 10, 1), issued_until=date(2024, 10, 1)
    )
    assert [(p.period_start, p.period_end, p.issued_on) for p in open_ended] == [
        (date(2024, 7, 15), date(2024, 7, 31), date(2024, 8, 1)),
        (date(2024, 8, 1), date(2024, 8, 31), date(2024, 9, 1)),
        (date(2024, 9, 1), date(2024, 9, 30), date(2024, 10, 1)),
    ]
    ended_early = monthly_billing_periods(
        date(2017, 3, 1), date(2019, 6, 30), issued_from=date(2019, 10, 1), issued_until=date(2030, 1, 1)
    )
    assert ended_early == []
