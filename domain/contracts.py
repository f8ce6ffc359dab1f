"""Electricity contracts, products and price components, and what a contract shows (SPEC 5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Index, and_, or_
from sqlmodel import Field, SQLModel

from domain.base import DetailLevel, ExactDecimal, StrEnum, enum_field


class ProductKind(StrEnum):
    """How the energy is priced."""

    FIXED_PRICE = "FIXED_PRICE"
    TIME_OF_USE = "TIME_OF_USE"
    SPOT = "SPOT"


class PriceKind(StrEnum):
    """What a price component prices."""

    BASIC_FEE = "BASIC_FEE"
    ENERGY = "ENERGY"
    ENERGY_DAY = "ENERGY_DAY"
    ENERGY_NIGHT = "ENERGY_NIGHT"
    SPOT_MARGIN = "SPOT_MARGIN"


class PriceUnit(StrEnum):
    """Unit of a price component."""

    EUR_PER_MONTH = "EUR_PER_MONTH"
    CENTS_PER_KWH = "CENTS_PER_KWH"


class ContractStatus(StrEnum):
    """Where a contract is in its life, computed from today's date in Finland."""

    UPCOMING = "UPCOMING"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


class InvoiceDelivery(StrEnum):
    """How invoices are delivered."""

    E_INVOICE = "E_INVOICE"
    EMAIL = "EMAIL"
    PAPER = "PAPER"


class Product(SQLModel, table=True):
    """An electricity product the retailer sells."""

    __tablename__ = "products"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: ProductKind = enum_field(ProductKind)


class Contract(SQLModel, table=True):
    """An electricity contract of a customer for one location of use."""

    __tablename__ = "contracts"
    __table_args__ = (
        Index("ix_contracts_customer_order", "customer_id", "valid_from", "id"),
        Index("ix_contracts_location", "location_of_use_id", "valid_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_number: str = Field(max_length=16, unique=True)
    customer_id: int = Field(foreign_key="customers.id")
    location_of_use_id: int = Field(foreign_key="locations_of_use.id")
    product_id: int = Field(foreign_key="products.id")
    signed_on: date
    valid_from: date
    #: Last day of validity (inclusive); ``None`` for an open-ended contract.
    valid_until: date | None = None
    billing_interval_months: int = 1
    delivery_method: InvoiceDelivery = enum_field(InvoiceDelivery, InvoiceDelivery.E_INVOICE)
    billing_street: str = Field(max_length=200)
    billing_postal_code: str = Field(max_length=5)
    billing_city: str = Field(max_length=100)
    billing_country: str = Field(default="FI", max_length=2)


class PriceComponent(SQLModel, table=True):
    """One price of a contract, valid for a period; a price change is a new component.

    Amounts are stored without VAT; what a customer is shown is derived from them.
    """

    __tablename__ = "price_components"
    __table_args__ = (Index("ix_price_components_contract", "contract_id", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id")
    kind: PriceKind = enum_field(PriceKind)
    amount_excl_vat: Decimal = Field(sa_type=ExactDecimal(12, 5))
    unit: PriceUnit = enum_field(PriceUnit)
    valid_from: date
    valid_until: date | None = None


def contract_status(valid_from: date, valid_until: date | None, today: date) -> ContractStatus:
    """``UPCOMING`` before its first day, ``ENDED`` after its last, else ``ACTIVE``."""
    if valid_from > today:
        return ContractStatus.UPCOMING
    if valid_until is not None and valid_until < today:
        return ContractStatus.ENDED
    return ContractStatus.ACTIVE


def contract_status_condition(status: ContractStatus, today: date) -> ColumnElement[bool]:
    """``contract_status(...) == status`` in SQL (the same rule, for list filters)."""
    if status is ContractStatus.UPCOMING:
        return Contract.valid_from > today
    if status is ContractStatus.ENDED:
        return and_(Contract.valid_until.is_not(None), Contract.valid_until < today)
    return and_(
        Contract.valid_from <= today, or_(Contract.valid_until.is_(None), Contract.valid_until >= today)
    )


@dataclass(frozen=True)
class ContractView:
    """What the current customer system can show of a contract (SPEC 5)."""

    detail_level: DetailLevel
    shows_prices: bool
    shows_confirmation: bool
    shows_profile: bool
    shows_invoicing: bool


def contract_view(signed_on: date, valid_until: date | None, cutover: date) -> ContractView:
    """Decide what a contract shows from when it was signed and ended, against the cutover.

    - signed on or after the cutover: FULL (prices, confirmation, profile, invoicing);
    - signed before the cutover and valid on or after it: BASIC with prices;
    - ended before the cutover: BASIC without prices.
    """
    if signed_on >= cutover:
        return ContractView(DetailLevel.FULL, True, True, True, True)
    if valid_until is None or valid_until >= cutover:
        return ContractView(DetailLevel.BASIC, True, False, False, False)
    return ContractView(DetailLevel.BASIC, False, False, False, False)


@dataclass(frozen=True)
class ShownPrice:
    """A price component as shown to a customer, for a period with one VAT rate."""

    kind: PriceKind
    amount: Decimal
    unit: PriceUnit
    vat_included: bool
    valid_from: date
    valid_until: date | None


def shown_prices(
    components: list[PriceComponent],
    *,
    include_vat: bool,
    vat_periods: tuple[tuple[date, date | None, Decimal], ...],
) -> list[ShownPrice]:
    """The price components as a customer sees them.

    Consumer prices are shown with VAT. Where VAT changed during a component's validity,
    the component is shown once per VAT period, so that every shown amount is one the
    customer actually paid. Organisations see prices without VAT.
    """
    out: list[ShownPrice] = []
    for c in sorted(components, key=lambda c: (c.valid_from, c.kind.value)):
        if not include_vat:
            out.append(ShownPrice(c.kind, c.amount_excl_vat, c.unit, False, c.valid_from, c.valid_until))
            continue
        for v_start, v_end, rate in vat_periods:
            start = max(c.valid_from, v_start)
            ends = [d for d in (c.valid_until, v_end) if d is not None]
            end = min(ends) if ends else None
            if end is not None and end < start:
                continue
            amount = _with_vat(c.amount_excl_vat, rate, c.unit)
            out.append(ShownPrice(c.kind, amount, c.unit, True, start, end))
    return out


@dataclass(frozen=True)
class VatPeriodPrice:
    """A price component for a period with one VAT rate: without VAT, the rate, with VAT."""

    kind: PriceKind
    unit: PriceUnit
    amount_excl_vat: Decimal
    vat_rate: Decimal
    amount_incl_vat: Decimal
    valid_from: date
    valid_until: date | None


def prices_by_vat_period(
    components: list[PriceComponent], vat_periods: tuple[tuple[date, date | None, Decimal], ...]
) -> list[VatPeriodPrice]:
    """Each component once per VAT period of its validity (the contract confirmation's prices)."""
    out: list[VatPeriodPrice] = []
    for c in sorted(components, key=lambda c: (c.valid_from, c.kind.value)):
        for v_start, v_end, rate in vat_periods:
            start = max(c.valid_from, v_start)
            ends = [d for d in (c.valid_until, v_end) if d is not None]
            end = min(ends) if ends else None
            if end is not None and end < start:
                continue
            gross = _with_vat(c.amount_excl_vat, rate, c.unit)
            out.append(VatPeriodPrice(c.kind, c.unit, c.amount_excl_vat, rate, gross, start, end))
    return out


def _with_vat(amount: Decimal, rate: Decimal, unit: PriceUnit) -> Decimal:
    from decimal import ROUND_HALF_UP

    gross = amount * (Decimal(100) + rate) / Decimal(100)
    quantum = Decimal("0.01") if unit is PriceUnit.EUR_PER_MONTH else Decimal("0.001")
    return gross.quantize(quantum, rounding=ROUND_HALF_UP)


def last_day_of_month(day: date) -> date:
    """The last day of ``day``'s month."""
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)
