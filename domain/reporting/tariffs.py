"""Prices in force: a location's contracts and price components as tariffs per day."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, select

from domain.billing import Price
from domain.contracts import Contract, PriceComponent, PriceKind, PriceUnit, Product, ProductKind
from domain.customers import CustomerKind
from domain.payments import VAT_PERIODS
from domain.reporting.sql import Db

#: Integer units: energy prices in 1e-5 cents/kWh; Wh x that = 1e-10 EUR.
_PRICE_SCALE = 100_000


@dataclass(frozen=True)
class Tariff:
    """Energy prices in force on a day: 1e-5 cents/kWh without VAT, and the VAT factor (1000
    for a customer who sees prices without VAT)."""

    kind: ProductKind
    #: FIXED_PRICE: the energy price; TIME_OF_USE: the day price (07-22); SPOT: the margin.
    day_price: int
    #: FIXED_PRICE: the energy price; TIME_OF_USE: the night price; SPOT: the margin.
    night_price: int
    #: 1000 + VAT percent x 10, e.g. 1255 for 25.5 %.
    vat_factor: int


@dataclass(frozen=True)
class ContractPrices:
    """A contract of the location with its price components (amounts without VAT)."""

    contract_id: int
    kind: ProductKind
    valid_from: date
    valid_until: date | None
    billing_interval_months: int
    components: tuple[Price, ...]


def _price_units(component: Price) -> int:
    amount = Decimal(component.amount_excl_vat) * _PRICE_SCALE
    if amount != amount.to_integral_value():
        raise ValueError(f"price {component.amount_excl_vat} has more than five decimals")
    return int(amount)


def _vat_factor(day: date) -> int | None:
    for period in VAT_PERIODS:
        if period.start <= day and (period.end is None or day <= period.end):
            factor = 1000 + period.rate * 10
            assert factor == factor.to_integral_value()
            return int(factor)
    return None


def vat_included_for(kind: CustomerKind) -> bool:
    """One VAT basis per customer: a consumer sees costs, unit prices and estimates with VAT,
    an organisation without (like its contract prices, as businesses deduct it)."""
    return kind is not CustomerKind.ORGANIZATION


_NEEDED: dict[ProductKind, tuple[PriceKind, PriceKind]] = {
    ProductKind.FIXED_PRICE: (PriceKind.ENERGY, PriceKind.ENERGY),
    ProductKind.TIME_OF_USE: (PriceKind.ENERGY_DAY, PriceKind.ENERGY_NIGHT),
    ProductKind.SPOT: (PriceKind.SPOT_MARGIN, PriceKind.SPOT_MARGIN),
}


class TariffBook:
    """The prices in force on each day for one location's contracts, as constant segments."""

    def __init__(
        self, contracts: Sequence[ContractPrices], cutover: date, *, vat_included: bool = True
    ) -> None:
        self.contracts = sorted(contracts, key=lambda c: c.valid_from)
        self.cutover = cutover
        #: False for an organisation: its tariffs carry the VAT factor 1000 (none).
        self.vat_included = vat_included
        self._starts: list[int] = []
        self._segments: list[tuple[int, int, Tariff | None]] = []

    def contract_on(self, day: date) -> ContractPrices | None:
        """The contract in force on ``day`` (the latest to start, should several overlap)."""
        found = None
        for contract in self.contracts:
            if contract.valid_from <= day and (contract.valid_until is None or day <= contract.valid_until):
                found = contract
        return found

    def tariff_on(self, day: date) -> Tariff | None:
        """Prices in force on ``day``; None before the cutover, without a contract or a price."""
        if day < self.cutover:
            return None
        contract = self.contract_on(day)
        vat = _vat_factor(day)
        if contract is None or vat is None:
            return None
        if not self.vat_included:
            vat = 1000
        prices: dict[PriceKind, int] = {}
        for component in contract.components:
            if component.unit is not PriceUnit.CENTS_PER_KWH:
                continue
            if component.valid_from <= day and (
                component.valid_until is None or day <= component.valid_until
            ):
                prices[component.kind] = _price_units(component)
        day_kind, night_kind = _NEEDED[contract.kind]
        if day_kind not in prices or night_kind not in prices:
            return None
        return Tariff(contract.kind, prices[day_kind], prices[night_kind], vat)

    def _boundaries(self, first: date, last: date) -> list[date]:
        """Days in ``first``..``last`` on which the prices in force may change, and ``first``."""
        edges = {first, self.cutover}
        for contract in self.contracts:
            edges.add(contract.valid_from)
            if contract.valid_until is not None:
                edges.add(contract.valid_until + timedelta(days=1))
            for component in contract.components:
                edges.add(component.valid_from)
                if component.valid_until is not None:
                    edges.add(component.valid_until + timedelta(days=1))
        for period in VAT_PERIODS:
            edges.add(period.start)
        return sorted(d for d in edges if first <= d <= last)

    def segments(self, first: date, last: date) -> list[tuple[date, date, Tariff | None]]:
        """``first``..``last`` cut into pieces with one tariff (or none) each."""
        return self.lookup(first, last).segments

    def lookup(self, first: date, last: date) -> DayLookup:
        """A fast day-ordinal -> tariff lookup over ``first``..``last``, its pieces also cut
        where a contract starts or ends (``DayLookup.covered``)."""
        starts = self._boundaries(first, last)
        out: list[tuple[date, date, Tariff | None]] = []
        covered: list[bool] = []
        for i, start in enumerate(starts):
            end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else last
            tariff = self.tariff_on(start)
            inside = self.contract_on(start) is not None
            if out and out[-1][2] == tariff and covered[-1] == inside:
                out[-1] = (out[-1][0], end, tariff)
            else:
                out.append((start, end, tariff))
                covered.append(inside)
        return DayLookup(out, covered)


class DayLookup:
    """Pieces of days with one tariff (or none) each, and whether a contract is in force in
    each (readings are expected only then: ``covered``)."""

    def __init__(
        self, segments: list[tuple[date, date, Tariff | None]], covered: list[bool] | None = None
    ) -> None:
        self.segments = segments
        self.starts = [s.toordinal() for s, _, _ in segments]
        self.tariffs = [t for _, _, t in segments]
        self.covered = covered if covered is not None else [True] * len(segments)
        #: Whether every day of the pieces is under a contract (the common case).
        self.all_covered = all(self.covered)

    def __call__(self, ordinal: int) -> Tariff | None:
        i = bisect.bisect_right(self.starts, ordinal) - 1
        return self.tariffs[i] if i >= 0 else None

    def index(self, ordinal: int) -> int:
        return bisect.bisect_right(self.starts, ordinal) - 1

    def covered_pieces(self) -> list[tuple[date, date]]:
        """The pieces (first day, last day) under a contract."""
        return [(s, e) for (s, e, _), inside in zip(self.segments, self.covered, strict=True) if inside]


#: A location's contracts of a customer with their price components (statements are built
#: once, with bound parameters: building and hashing one costs more than running it).
_TARIFFS = (
    select(
        Contract.id,
        Contract.valid_from,
        Contract.valid_until,
        Contract.billing_interval_months,
        Product.kind,
        PriceComponent.kind,
        PriceComponent.amount_excl_vat,
        PriceComponent.unit,
        PriceComponent.valid_from,
        PriceComponent.valid_until,
    )
    .join(Product, Product.id == Contract.product_id)
    .outerjoin(PriceComponent, PriceComponent.contract_id == Contract.id)
    .where(
        Contract.location_of_use_id == bindparam("location_id"),
        Contract.customer_id == bindparam("customer_id"),
    )
    .order_by(Contract.valid_from, Contract.id)
)


async def load_tariffs(
    db: Db, location_id: int, customer_id: int, cutover: date, *, vat_included: bool = True
) -> TariffBook:
    """The customer's contracts for the location, with their prices: one statement."""
    rows = (await db.execute(_TARIFFS, {"location_id": location_id, "customer_id": customer_id})).all()
    heads: dict[int, tuple[date, date | None, int, ProductKind]] = {}
    components: dict[int, list[Price]] = {}
    for cid, valid_from, valid_until, interval, kind, pkind, amount, unit, p_from, p_until in rows:
        heads[cid] = (valid_from, valid_until, int(interval or 1), kind)
        found = components.setdefault(cid, [])
        if pkind is not None:
            found.append(Price(pkind, Decimal(amount), unit, p_from, p_until))
    contracts = [
        ContractPrices(cid, kind, valid_from, valid_until, interval, tuple(components[cid]))
        for cid, (valid_from, valid_until, interval, kind) in heads.items()
    ]
    return TariffBook(contracts, cutover, vat_included=vat_included)
