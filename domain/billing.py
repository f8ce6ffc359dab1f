"""Invoice lines from a contract's prices and a period's metered readings (SPEC 5, 6).

Pure computation, no I/O: given the product kind, the price components of a contract,
the billing period (local Finnish dates, both inclusive), the readings of the period and,
for spot contracts, the day-ahead prices, produce the invoice lines and totals.

* ``FIXED_PRICE``: one energy line per ``ENERGY`` component in force during the period.
* ``TIME_OF_USE``: day energy (local hours 07-22) and night energy (22-07), per component.
* ``SPOT``: the spot energy (the sum over the intervals of kWh x the interval's price)
  and the margin (all kWh x ``SPOT_MARGIN``).
* A basic fee line per calendar month (a part of a month is billed by its share of days).

Each line carries the VAT rate of its consumption period; a period that crosses a VAT
change gets one line per rate, and a price change within the period one line per
component. A line's ``amount_excl_vat`` is rounded half-up to the cent, and its
``amount_incl_vat`` adds the VAT rounded half-up to the cent; the invoice total is the
sum of the lines' ``amount_incl_vat``. Money is ``Decimal`` throughout; energy is
counted in whole watt-hours (kWh = Wh / 1000, exactly three decimals).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from domain.base import HELSINKI, StrEnum
from domain.contracts import PriceKind, PriceUnit, ProductKind, last_day_of_month
from domain.payments import round_cents, vat_of, vat_periods_between

__all__ = [
    "DAY_START_HOUR",
    "LINE_LABELS",
    "NIGHT_START_HOUR",
    "BillingPeriod",
    "InvoiceComputation",
    "InvoiceLineData",
    "LineKind",
    "Price",
    "PriceComponentLike",
    "basic_fee_lines",
    "compute_invoice",
    "is_day_hour",
    "local_date_and_hour",
    "monthly_billing_periods",
    "spot_price_for",
]

#: Time-of-use day energy runs from 07:00 to 22:00 local time, night energy from 22 to 07.
DAY_START_HOUR = 7
NIGHT_START_HOUR = 22

KWH = Decimal("0.001")
UNIT_PRICE = Decimal("0.00001")
_WH_PER_KWH = Decimal(1000)
_CENTS_PER_EUR = Decimal(100)
#: Wh x EUR/MWh gives micro-euros.
_MICRO = Decimal(1_000_000)


class LineKind(StrEnum):
    """What an invoice line bills."""

    BASIC_FEE = "BASIC_FEE"
    ENERGY = "ENERGY"
    ENERGY_DAY = "ENERGY_DAY"
    ENERGY_NIGHT = "ENERGY_NIGHT"
    SPOT_ENERGY = "SPOT_ENERGY"
    SPOT_MARGIN = "SPOT_MARGIN"


#: Line descriptions by language; the period of the line is appended.
LINE_LABELS: dict[str, dict[LineKind, str]] = {
    "FI": {
        LineKind.BASIC_FEE: "Perusmaksu",
        LineKind.ENERGY: "Energia",
        LineKind.ENERGY_DAY: "Päiväenergia (klo 7–22)",
        LineKind.ENERGY_NIGHT: "Yöenergia (klo 22–7)",
        LineKind.SPOT_ENERGY: "Pörssienergia",
        LineKind.SPOT_MARGIN: "Marginaali",
    },
    "SV": {
        LineKind.BASIC_FEE: "Grundavgift",
        LineKind.ENERGY: "Energi",
        LineKind.ENERGY_DAY: "Dagenergi (kl. 7–22)",
        LineKind.ENERGY_NIGHT: "Nattenergi (kl. 22–7)",
        LineKind.SPOT_ENERGY: "Börsenergi",
        LineKind.SPOT_MARGIN: "Marginal",
    },
    "EN": {
        LineKind.BASIC_FEE: "Basic fee",
        LineKind.ENERGY: "Energy",
        LineKind.ENERGY_DAY: "Day energy (07–22)",
        LineKind.ENERGY_NIGHT: "Night energy (22–07)",
        LineKind.SPOT_ENERGY: "Spot energy",
        LineKind.SPOT_MARGIN: "Margin",
    },
}

_LINE_ORDER = {kind: i for i, kind in enumerate(LineKind)}
_ENERGY_KINDS: dict[ProductKind, tuple[PriceKind, ...]] = {
    ProductKind.FIXED_PRICE: (PriceKind.ENERGY,),
    ProductKind.TIME_OF_USE: (PriceKind.ENERGY_DAY, PriceKind.ENERGY_NIGHT),
    ProductKind.SPOT: (PriceKind.SPOT_MARGIN,),
}


class PriceComponentLike(Protocol):
    """What the computation reads of a price component (``PriceComponent`` fits)."""

    @property
    def kind(self) -> PriceKind: ...

    @property
    def amount_excl_vat(self) -> Decimal: ...

    @property
    def unit(self) -> PriceUnit: ...

    @property
    def valid_from(self) -> date: ...

    @property
    def valid_until(self) -> date | None: ...


@dataclass(frozen=True)
class Price:
    """A plain price component (amount without VAT), e.g. for tests and demo data."""

    kind: PriceKind
    amount_excl_vat: Decimal
    unit: PriceUnit
    valid_from: date
    valid_until: date | None = None


@dataclass(frozen=True)
class InvoiceLineData:
    """One computed invoice line; money in euros without and with VAT."""

    kind: LineKind
    description: str
    period_start: date
    period_end: date
    quantity: Decimal
    unit: str
    #: Euros without VAT per unit (per kWh or per month), five decimals.
    unit_price: Decimal
    vat_rate: Decimal
    amount_excl_vat: Decimal
    amount_incl_vat: Decimal

    def stored(self) -> dict[str, object]:
        """The columns of its ``invoice_lines`` row (beside the invoice and position)."""
        return {
            "description": self.description,
            "quantity": self.quantity,
            "unit": self.unit,
            "unit_price": self.unit_price,
            "vat_rate": self.vat_rate,
            "amount_excl_vat": self.amount_excl_vat,
            "amount_incl_vat": self.amount_incl_vat,
        }

    @property
    def vat_amount(self) -> Decimal:
        return self.amount_incl_vat - self.amount_excl_vat


@dataclass(frozen=True)
class InvoiceComputation:
    """The lines of an invoice and its totals."""

    lines: tuple[InvoiceLineData, ...]
    #: Metered energy of the period that was billed, in kWh.
    energy_kwh: Decimal
    total_excl_vat: Decimal
    vat_amount: Decimal
    #: What the customer pays: the sum of the lines' ``amount_incl_vat``.
    total: Decimal


@dataclass(frozen=True)
class BillingPeriod:
    """One monthly invoice of a contract: its consumption period, issue and due dates."""

    period_start: date
    period_end: date
    issued_on: date
    due_on: date


@lru_cache(maxsize=262_144)
def _local_hour_of(hour_ts: int) -> tuple[date, int]:
    local = datetime.fromtimestamp(hour_ts, HELSINKI)
    return local.date(), local.hour


def local_date_and_hour(ts: int) -> tuple[date, int]:
    """The Europe/Helsinki date and hour of the UTC epoch second ``ts``.

    Finland's UTC offset is a whole number of hours, so every interval of an hour or
    less that starts on the hour or within it has the local date and hour of its hour.
    """
    return _local_hour_of(ts - ts % 3600)


def is_day_hour(local_hour: int) -> bool:
    """Whether a local hour is time-of-use day time (07-22); otherwise it is night."""
    return DAY_START_HOUR <= local_hour < NIGHT_START_HOUR


def spot_price_for(prices: Mapping[int, Decimal], ts: int, interval_minutes: int = 60) -> Decimal | None:
    """The day-ahead price (EUR/MWh) of a metering interval starting at ``ts``.

    ``prices`` maps the start of each market time unit (UTC epoch seconds) to its
    price: hourly units before 2025-10-01, 15-minute units from then on. An hourly
    reading in the 15-minute era is priced at the mean of its four quarter-hour prices;
    a 15-minute reading in the hourly era at the price of its hour. ``None`` when the
    prices needed are not known.
    """
    if interval_minutes == 60:
        quarters = [prices.get(ts + offset) for offset in (900, 1800, 2700)]
        first = prices.get(ts)
        if first is None:
            return None
        if all(q is not None for q in quarters):
            return (first + sum(q for q in quarters if q is not None)) / 4
        return first
    price = prices.get(ts)
    if price is None:
        price = prices.get(ts - ts % 3600)
    return price


def _eur_per_unit(component: PriceComponentLike) -> Decimal:
    amount = Decimal(component.amount_excl_vat)
    if component.unit is PriceUnit.CENTS_PER_KWH:
        return amount / _CENTS_PER_EUR
    return amount


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _fmt(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


@dataclass
class _Segment:
    kind: LineKind
    start: date
    end: date
    rate: Decimal
    #: Euros per unit without VAT (None for spot energy, whose price varies).
    unit_price: Decimal | None
    wh: int = 0
    #: Spot energy: sum of Wh x EUR/MWh (micro-euros).
    spot_cost_micro: Decimal = Decimal(0)


def _segments(
    kind: LineKind, components: Iterable[PriceComponentLike | None], start: date, end: date
) -> list[_Segment]:
    """Pieces of ``start``..``end`` with one component and one VAT rate each."""
    out: list[_Segment] = []
    for component in components:
        if component is None:
            piece_start, piece_end, unit_price = start, end, None
        else:
            piece_start = max(start, component.valid_from)
            until = component.valid_until
            piece_end = end if until is None else min(end, until)
            unit_price = _eur_per_unit(component)
        if piece_end < piece_start:
            continue
        for vat_start, vat_end, rate in vat_periods_between(piece_start, piece_end):
            out.append(_Segment(kind, vat_start, vat_end, rate, unit_price))
    return out


def _line(
    segment: _Segment, quantity: Decimal, unit: str, unit_price: Decimal, amount: Decimal, label: str
) -> InvoiceLineData:
    amount_excl = round_cents(amount)
    return InvoiceLineData(
        kind=segment.kind,
        description=f"{label} {_fmt(segment.start)}–{_fmt(segment.end)}",
        period_start=segment.start,
        period_end=segment.end,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price.quantize(UNIT_PRICE),
        vat_rate=segment.rate,
        amount_excl_vat=amount_excl,
        amount_incl_vat=amount_excl + vat_of(amount_excl, segment.rate),
    )


def basic_fee_lines(
    components: Iterable[PriceComponentLike], period_start: date, period_end: date, language: str = "FI"
) -> list[InvoiceLineData]:
    """Basic fee lines of ``period_start``..``period_end``: per calendar month, per component
    and VAT rate, by the share of the month's days (the ``BASIC_FEE`` components given)."""
    fees = [c for c in components if c.kind is PriceKind.BASIC_FEE]
    label = LINE_LABELS[language][LineKind.BASIC_FEE]
    lines: list[InvoiceLineData] = []
    month_start = period_start.replace(day=1)
    while month_start <= period_end:
        month_end = last_day_of_month(month_start)
        days_in_month = Decimal(month_end.day)
        start, end = max(month_start, period_start), min(month_end, period_end)
        for segment in _segments(LineKind.BASIC_FEE, fees, start, end):
            assert segment.unit_price is not None
            days = (segment.end - segment.start).days + 1
            quantity = (Decimal(days) / days_in_month).quantize(KWH)
            amount = quantity * segment.unit_price
            lines.append(_line(segment, quantity, "kk", segment.unit_price, amount, label))
        month_start = month_end + timedelta(days=1)
    return lines


def compute_invoice(
    *,
    product_kind: ProductKind,
    components: Sequence[PriceComponentLike],
    period_start: date,
    period_end: date,
    readings: Iterable[Sequence[int]],
    spot_prices: Mapping[int, Decimal] | None = None,
    language: str = "FI",
) -> InvoiceComputation:
    """The invoice lines and totals of one billing period of a contract.

    ``readings`` are ``(ts, wh)`` or ``(ts, wh, interval_minutes)`` tuples (``ts`` the
    interval's start in UTC epoch seconds, 60-minute intervals when not given); those
    whose local date falls outside the period are ignored. ``spot_prices`` (EUR/MWh
    without VAT by market time unit start, see ``spot_price_for``) is needed for
    ``SPOT``. Raises ``ValueError`` when a reading has no price in force.
    """
    if period_end < period_start:
        raise ValueError(f"period ends {period_end} before it starts {period_start}")
    labels = LINE_LABELS[language]
    energy_kinds = _ENERGY_KINDS[product_kind]

    by_kind: dict[PriceKind, list[PriceComponentLike]] = {}
    for component in sorted(components, key=lambda c: c.valid_from):
        by_kind.setdefault(component.kind, []).append(component)

    # Energy segments and, for each, which of the period's days it covers.
    energy_segments: list[_Segment] = []
    day_map: dict[PriceKind | None, dict[date, _Segment]] = {}
    for price_kind in energy_kinds:
        segs = _segments(LineKind(price_kind.value), by_kind.get(price_kind, []), period_start, period_end)
        energy_segments.extend(segs)
        day_map[price_kind] = {d: s for s in segs for d in _days(s.start, s.end)}
    spot_segments: list[_Segment] = []
    if product_kind is ProductKind.SPOT:
        if spot_prices is None:
            raise ValueError("spot prices are needed for a SPOT contract")
        spot_segments = _segments(LineKind.SPOT_ENERGY, [None], period_start, period_end)
        day_map[None] = {d: s for s in spot_segments for d in _days(s.start, s.end)}

    # Sum the readings into their segments.
    total_wh = 0
    is_tou = product_kind is ProductKind.TIME_OF_USE
    single_kind = energy_kinds[0]
    single_map = day_map[single_kind]
    day_kind_map = day_map.get(PriceKind.ENERGY_DAY, {})
    night_kind_map = day_map.get(PriceKind.ENERGY_NIGHT, {})
    spot_map = day_map.get(None)
    for reading in readings:
        ts, wh = reading[0], reading[1]
        local_day, local_hour = _local_hour_of(ts - ts % 3600)
        if local_day < period_start or local_day > period_end:
            continue
        if is_tou:
            price_kind = PriceKind.ENERGY_DAY if is_day_hour(local_hour) else PriceKind.ENERGY_NIGHT
            segment = (day_kind_map if price_kind is PriceKind.ENERGY_DAY else night_kind_map).get(local_day)
        else:
            price_kind = single_kind
            segment = single_map.get(local_day)
        if segment is None:
            raise ValueError(f"no {price_kind} price in force on {local_day}")
        segment.wh += wh
        total_wh += wh
        if spot_map is not None and spot_prices is not None:
            minutes = reading[2] if len(reading) > 2 else 60
            price = spot_price_for(spot_prices, ts, minutes)
            if price is None:
                raise ValueError(f"no spot price for the interval starting at {ts}")
            spot_segment = spot_map[local_day]
            spot_segment.wh += wh
            spot_segment.spot_cost_micro += wh * price

    lines = basic_fee_lines(by_kind.get(PriceKind.BASIC_FEE, []), period_start, period_end, language)
    for segment in spot_segments:
        kwh = (Decimal(segment.wh) / _WH_PER_KWH).quantize(KWH)
        cost = segment.spot_cost_micro / _MICRO
        unit_price = cost / kwh if segment.wh else Decimal(0)
        lines.append(_line(segment, kwh, "kWh", unit_price, cost, labels[segment.kind]))
    for segment in energy_segments:
        assert segment.unit_price is not None
        kwh = (Decimal(segment.wh) / _WH_PER_KWH).quantize(KWH)
        amount = kwh * segment.unit_price
        lines.append(_line(segment, kwh, "kWh", segment.unit_price, amount, labels[segment.kind]))

    lines.sort(key=lambda line: (_LINE_ORDER[line.kind], line.period_start))
    total_excl = sum((line.amount_excl_vat for line in lines), Decimal("0.00"))
    total = sum((line.amount_incl_vat for line in lines), Decimal("0.00"))
    return InvoiceComputation(
        lines=tuple(lines),
        energy_kwh=(Decimal(total_wh) / _WH_PER_KWH).quantize(KWH),
        total_excl_vat=total_excl,
        vat_amount=total - total_excl,
        total=total,
    )


def monthly_billing_periods(
    valid_from: date,
    valid_until: date | None,
    *,
    issued_from: date,
    issued_until: date,
    due_days: int = 30,
) -> list[BillingPeriod]:
    """The monthly invoices of a contract issued within ``issued_from``..``issued_until``.

    One invoice per calendar month of consumption, its period the month clipped to the
    contract's validity, issued on the first day of the following month and due
    ``due_days`` after that.
    """
    out: list[BillingPeriod] = []
    month_start = valid_from.replace(day=1)
    while True:
        month_end = last_day_of_month(month_start)
        issued_on = month_end + timedelta(days=1)
        if issued_on > issued_until or (valid_until is not None and month_start > valid_until):
            break
        if issued_on >= issued_from:
            start = max(month_start, valid_from)
            end = month_end if valid_until is None else min(month_end, valid_until)
            out.append(BillingPeriod(start, end, issued_on, issued_on + timedelta(days=due_days)))
        month_start = issued_on
    return out
