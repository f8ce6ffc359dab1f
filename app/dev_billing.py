"""Development commands' invoices and payments (``energy-portal dev-add-invoice`` and
``dev-record-payment``), so that the live-update flow can be tried by hand.

An added invoice is computed as the demo data computes one (``domain.billing``): the
customer's latest contract, from the day after that contract's last invoiced period to
yesterday, from the location's readings, spot prices and the contract's price components;
issued today, numbered next in the year's series, with a reference number of the customer's
scheme. A recorded payment is a ``payments`` row and the invoice's ``paid_amount`` raised by
it, in one transaction. Neither tells anyone by itself: the caller does (``app.notifier``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.base import DetailLevel
from domain.billing import compute_invoice
from domain.consumption import MeterReading, SpotPrice
from domain.contracts import Contract, PriceComponent, Product, ProductKind
from domain.customers import Customer
from domain.invoices import Invoice, InvoiceLine, Payment, amount_due, invoice_detail_level
from domain.payments import national_reference, rf_reference

#: Days from issue to due date, as in the demo data (``domain.billing.monthly_billing_periods``).
DUE_DAYS = 30


class DevCommandError(Exception):
    """A development command refused its input (nothing was changed)."""


@dataclass(frozen=True)
class AddedInvoice:
    invoice_id: int
    invoice_number: str
    customer_id: int
    total: Decimal
    period_start: date
    period_end: date


@dataclass(frozen=True)
class RecordedPayment:
    payment_id: int
    invoice_id: int
    customer_id: int
    amount: Decimal
    paid_amount: Decimal
    total: Decimal


def parse_amount(value: str) -> Decimal:
    """A euro amount with at most two decimals, ``12.34`` or ``12,34``."""
    try:
        amount = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise DevCommandError(f"{value!r} is not an amount in euros") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise DevCommandError(f"{value!r} is not an amount in euros with at most two decimals")
    return amount.quantize(Decimal("0.01"))


async def _next_invoice_number(db: AsyncSession, year: int) -> str:
    numbers = (
        await db.scalars(select(Invoice.invoice_number).where(Invoice.invoice_number.like(f"{year}-%")))
    ).all()
    last = max((int(n.partition("-")[2]) for n in numbers if n.partition("-")[2].isdigit()), default=0)
    return f"{year}-{last + 1:06d}"


async def _reference(db: AsyncSession, customer: Customer) -> str:
    """The customer's next reference number, as the demo numbers them (customer number and a
    running number), skipping any already taken."""
    count = await db.scalar(select(func.count()).where(Invoice.customer_id == customer.id)) or 0
    while True:
        count += 1
        national = national_reference(f"{customer.customer_number}{count:04d}")
        reference = rf_reference(national) if customer.uses_rf_reference else national
        if await db.scalar(select(Invoice.id).where(Invoice.reference_number == reference)) is None:
            return reference


async def add_invoice(
    sessions: async_sessionmaker[AsyncSession], customer_number: str, today: date, full_details_from: date
) -> AddedInvoice:
    """Issue today the next invoice of the customer's latest contract (see the module)."""
    async with sessions() as db, db.begin():
        customer = await db.scalar(select(Customer).where(Customer.customer_number == customer_number))
        if customer is None:
            raise DevCommandError(f"no customer number {customer_number!r}")
        contract = await db.scalar(
            select(Contract)
            .where(Contract.customer_id == customer.id, Contract.valid_from <= today)
            .order_by(Contract.valid_from.desc(), Contract.id.desc())
            .limit(1)
        )
        if contract is None:
            raise DevCommandError(f"customer {customer_number} has no contract in force or ended")
        invoiced_until = await db.scalar(
            select(func.max(Invoice.period_end)).where(Invoice.contract_id == contract.id)
        )
        start = contract.valid_from if invoiced_until is None else invoiced_until + timedelta(days=1)
        end = today - timedelta(days=1)
        if contract.valid_until is not None:
            end = min(end, contract.valid_until)
        if end < start:
            raise DevCommandError(
                f"contract {contract.contract_number} is invoiced up to {invoiced_until}: nothing to invoice "
                "before today"
            )
        product = await db.get(Product, contract.product_id)
        assert product is not None
        prices = (
            await db.scalars(select(PriceComponent).where(PriceComponent.contract_id == contract.id))
        ).all()
        readings = (
            await db.execute(
                select(MeterReading.ts, MeterReading.wh, MeterReading.interval_minutes)
                .where(
                    MeterReading.location_of_use_id == contract.location_of_use_id,
                    MeterReading.local_date >= start,
                    MeterReading.local_date <= end,
                )
                .order_by(MeterReading.ts)
            )
        ).all()
        spot = None
        if product.kind is ProductKind.SPOT:
            lo, hi = (readings[0][0], readings[-1][0] + 3600) if readings else (0, 0)
            rows = await db.execute(
                select(SpotPrice.ts, SpotPrice.eur_per_mwh).where(SpotPrice.ts >= lo, SpotPrice.ts <= hi)
            )
            spot = {ts: price for ts, price in rows.all()}
        try:
            computed = compute_invoice(
                product_kind=product.kind,
                components=prices,
                period_start=start,
                period_end=end,
                readings=[tuple(r) for r in readings],
                spot_prices=spot,
            )
        except ValueError as exc:
            raise DevCommandError(f"the invoice cannot be computed: {exc}") from None
        invoice = Invoice(
            invoice_number=await _next_invoice_number(db, today.year),
            customer_id=customer.id or 0,
            contract_id=contract.id,
            issued_on=today,
            due_on=today + timedelta(days=DUE_DAYS),
            period_start=start,
            period_end=end,
            total=computed.total,
            vat_amount=computed.vat_amount,
            reference_number=await _reference(db, customer),
        )
        db.add(invoice)
        await db.flush()
        if invoice_detail_level(today, full_details_from) is DetailLevel.FULL:
            for position, line in enumerate(computed.lines, start=1):
                db.add(InvoiceLine(invoice_id=invoice.id or 0, position=position, **line.stored()))
        return AddedInvoice(
            invoice.id or 0, invoice.invoice_number, invoice.customer_id, invoice.total, start, end
        )


async def record_payment(
    sessions: async_sessionmaker[AsyncSession], invoice_number: str, amount: Decimal | None, today: date
) -> RecordedPayment:
    """A payment of ``amount`` (default: all that is due) received today for the invoice.

    Refused, changing nothing: an unknown or credited invoice, nothing due, an amount that is
    not positive or more than is due (an overpayment would need a refund flow of its own).
    """
    async with sessions() as db, db.begin():
        invoice = await db.scalar(
            select(Invoice).where(Invoice.invoice_number == invoice_number).with_for_update()
        )
        if invoice is None:
            raise DevCommandError(f"no invoice number {invoice_number!r}")
        if invoice.credited:
            raise DevCommandError(f"invoice {invoice_number} is credited: nothing to pay")
        due = amount_due(invoice.total, invoice.paid_amount, invoice.credited)
        if due <= 0:
            raise DevCommandError(f"invoice {invoice_number} is paid: nothing to pay")
        amount = due if amount is None else amount
        if amount <= 0:
            raise DevCommandError("the amount must be more than zero")
        if amount > due:
            raise DevCommandError(f"invoice {invoice_number} has {due} due: {amount} is more than that")
        payment = Payment(invoice_id=invoice.id or 0, paid_on=today, amount=amount)
        db.add(payment)
        await db.execute(
            update(Invoice)
            .where(Invoice.id == invoice.id)
            .values(paid_amount=Invoice.paid_amount + amount)
            .execution_options(synchronize_session=False)
        )
        await db.flush()
        return RecordedPayment(
            payment.id or 0,
            invoice.id or 0,
            invoice.customer_id,
            amount,
            invoice.paid_amount + amount,
            invoice.total,
        )
