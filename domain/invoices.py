"""Invoices, their lines and payments, and the invoice rules of SPEC 6."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Float, Index, and_, cast
from sqlmodel import Field, SQLModel

from domain.base import DetailLevel, ExactDecimal, StrEnum


class InvoiceStatus(StrEnum):
    """Payment status of an invoice."""

    OPEN = "OPEN"
    PAID = "PAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    OVERDUE = "OVERDUE"
    CREDITED = "CREDITED"


class Invoice(SQLModel, table=True):
    """An invoice sent by the current customer system."""

    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_customer_order", "customer_id", "issued_on", "id"),
        Index("ix_invoices_contract", "contract_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_number: str = Field(max_length=16, unique=True)
    customer_id: int = Field(foreign_key="customers.id")
    contract_id: int | None = Field(default=None, foreign_key="contracts.id")
    issued_on: date
    due_on: date
    period_start: date | None = None
    period_end: date | None = None
    total: Decimal = Field(sa_type=ExactDecimal(12, 2))
    vat_amount: Decimal | None = Field(default=None, sa_type=ExactDecimal(12, 2))
    #: Sum of the payments received, kept with each payment so that status filters run in SQL.
    paid_amount: Decimal = Field(default=Decimal("0.00"), sa_type=ExactDecimal(12, 2))
    #: Reference number (national digits, or RF creditor reference) given to the payer.
    reference_number: str = Field(max_length=25, unique=True)
    credited: bool = False


class InvoiceLine(SQLModel, table=True):
    """One line of a FULL invoice."""

    __tablename__ = "invoice_lines"
    __table_args__ = (Index("ix_invoice_lines_invoice", "invoice_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id")
    position: int
    description: str = Field(max_length=200)
    quantity: Decimal | None = Field(default=None, sa_type=ExactDecimal(14, 3))
    unit: str | None = Field(default=None, max_length=16)
    unit_price: Decimal | None = Field(default=None, sa_type=ExactDecimal(12, 5))
    vat_rate: Decimal = Field(sa_type=ExactDecimal(5, 2))
    amount_excl_vat: Decimal = Field(sa_type=ExactDecimal(12, 2))
    amount_incl_vat: Decimal = Field(sa_type=ExactDecimal(12, 2))


class CreditNote(SQLModel, table=True):
    """The credit note of a credited invoice: a document of its own, numbered in its own series.

    It credits the whole invoice: its lines are the invoice's lines with the amounts negated
    (``credit_note_lines``), so only the totals are stored.
    """

    __tablename__ = "credit_notes"

    id: int | None = Field(default=None, primary_key=True)
    credit_note_number: str = Field(max_length=16, unique=True)
    invoice_id: int = Field(foreign_key="invoices.id", unique=True)
    issued_on: date
    #: Negative: the invoice's total with the sign turned.
    total: Decimal = Field(sa_type=ExactDecimal(12, 2))
    vat_amount: Decimal | None = Field(default=None, sa_type=ExactDecimal(12, 2))


class Payment(SQLModel, table=True):
    """A payment received for an invoice."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_invoice", "invoice_id", "paid_on"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id")
    paid_on: date
    amount: Decimal = Field(sa_type=ExactDecimal(12, 2))


def invoice_status(
    *, total: Decimal, paid: Decimal, due_on: date, credited: bool, today: date
) -> InvoiceStatus:
    """The status of an invoice on ``today``.

    Credited wins; a fully paid invoice is ``PAID``; an invoice with money still due after
    its due date is ``OVERDUE`` (even when partly paid); otherwise ``PARTIALLY_PAID`` or
    ``OPEN``.
    """
    if credited:
        return InvoiceStatus.CREDITED
    if paid >= total:
        return InvoiceStatus.PAID
    if due_on < today:
        return InvoiceStatus.OVERDUE
    if paid > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.OPEN


def invoice_status_condition(status: InvoiceStatus, today: date) -> ColumnElement[bool]:
    """``invoice_status(...) == status`` in SQL (the same rule, for list filters).

    Amounts are compared as floats: exact for two-decimal euro amounts of any realistic
    size, and the same on SQLite (where decimals are stored as text) and PostgreSQL.
    """
    paid, total = cast(Invoice.paid_amount, Float), cast(Invoice.total, Float)
    not_credited = Invoice.credited.is_(False)
    if status is InvoiceStatus.CREDITED:
        return Invoice.credited.is_(True)
    if status is InvoiceStatus.PAID:
        return and_(not_credited, paid >= total)
    if status is InvoiceStatus.OVERDUE:
        return and_(not_credited, paid < total, Invoice.due_on < today)
    if status is InvoiceStatus.PARTIALLY_PAID:
        return and_(not_credited, paid < total, Invoice.due_on >= today, paid > 0)
    return and_(not_credited, paid <= 0, paid < total, Invoice.due_on >= today)


def invoice_detail_level(issued_on: date, full_details_from: date) -> DetailLevel:
    """``FULL`` (with lines) for invoices issued from the second cutover on, else ``BASIC``."""
    return DetailLevel.FULL if issued_on >= full_details_from else DetailLevel.BASIC


def amount_due(total: Decimal, paid: Decimal, credited: bool) -> Decimal:
    """What is still to pay: never negative, nothing for a credited invoice."""
    if credited:
        return Decimal("0.00")
    return max(total - paid, Decimal("0.00"))
