"""Payments recorded since the last run, each handed out once across processes.

A one-row table (``payment_event_cursor``) holds the id of the last payment told of. A
run reads the payments after it and moves the cursor with a compare-and-set
(``UPDATE … WHERE last_payment_id = :seen``) in the same transaction: when two processes
run at once, one of them moves it and hands the payments out, the other finds the row
moved and hands out nothing. Payments ids only grow, so "after the cursor" is "recorded
since". The first run ever (no row) starts the cursor at the newest payment and hands out
nothing: history (the demo data's payments) is not news.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from domain.invoices import Invoice, Payment

#: At most this many payments per run; the rest wait for the next run.
BATCH = 500
CURSOR_ID = 1


class PaymentEventCursor(SQLModel, table=True):
    """The last payment whose ``PAYMENT_RECEIVED`` event was handed out (one row)."""

    __tablename__ = "payment_event_cursor"

    id: int = Field(default=CURSOR_ID, primary_key=True)
    last_payment_id: int = 0


@dataclass(frozen=True)
class NewPayment:
    payment_id: int
    invoice_id: int
    customer_id: int


async def claim_new_payments(db: AsyncSession) -> list[NewPayment]:
    """The payments recorded since the last claim (oldest first, at most ``BATCH``), the
    cursor moved past them; empty when another process claimed them first. The caller
    commits (and only then tells anyone)."""
    seen = await db.scalar(
        select(PaymentEventCursor.last_payment_id).where(PaymentEventCursor.id == CURSOR_ID)
    )
    if seen is None:
        newest = await db.scalar(select(func.max(Payment.id))) or 0
        try:
            async with db.begin_nested():
                db.add(PaymentEventCursor(id=CURSOR_ID, last_payment_id=newest))
        except IntegrityError:
            pass  # another process started the cursor at the same moment
        return []
    rows = (
        await db.execute(
            select(Payment.id, Payment.invoice_id, Invoice.customer_id)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(Payment.id > seen)
            .order_by(Payment.id)
            .limit(BATCH)
        )
    ).all()
    if not rows:
        return []
    moved = await db.execute(
        update(PaymentEventCursor)
        .where(PaymentEventCursor.id == CURSOR_ID, PaymentEventCursor.last_payment_id == seen)
        .values(last_payment_id=rows[-1][0])
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return []
    return [NewPayment(payment_id, invoice_id, customer_id) for payment_id, invoice_id, customer_id in rows]
