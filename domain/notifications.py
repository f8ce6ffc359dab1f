"""Telling a customer's contacts when something happens: a reply, a new or overdue invoice.

Each notification is queued in the transaction of the change that causes it (the email
outbox, and the SMS outbox beside it), so it is sent once, retried until delivered, and
never lost on a crash. Who is told, and how, is the customer's messaging settings:

- a reply from customer service: by email to the primary verified address when
  ``service_notifications_by_email``, by SMS to the primary mobile number when
  ``service_notifications_by_sms``;
- a new invoice: by email when the invoice is delivered by email (``invoice_delivery``
  ``EMAIL``; an e-invoice or paper invoice goes its own way), by SMS when
  ``service_notifications_by_sms``;
- an overdue invoice: like a reply (a service notification).

All in the customer's messaging language. New and overdue invoices are found by a job
(``find_invoice_notifications``): ``invoice_notifications`` remembers which invoice was
told of what, so that each is told once however often the job runs, on however many
processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Index, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from domain.base import Language, StrEnum, UTCDateTime, utcnow
from domain.contact import EmailAddress, MessagingSettings, PhoneKind, PhoneNumber
from domain.contracts import InvoiceDelivery
from domain.invoices import Invoice
from domain.outbox import queue_email
from domain.texts import N_, text

#: Invoices issued longer ago than this are not announced when the job first meets them
#: (the history of a customer moved in, or the demo data).
NEW_INVOICE_WINDOW = timedelta(days=7)
#: Overdue invoices due longer ago than this are not announced any more.
OVERDUE_WINDOW = timedelta(days=30)


class NotificationKind(StrEnum):
    """What a customer is told of."""

    REPLY = "REPLY"
    NEW_INVOICE = "NEW_INVOICE"
    OVERDUE_INVOICE = "OVERDUE_INVOICE"


class SmsOutbox(SQLModel, table=True):
    """A text message to send (through the SMS provider; in development ``/dev/sms-outbox``)."""

    __tablename__ = "sms_outbox"
    __table_args__ = (Index("ix_sms_outbox_pending", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    to_number: str = Field(max_length=16)
    text: str = Field(max_length=480)
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InvoiceNotification(SQLModel, table=True):
    """An invoice the customer was told of, and of what (once each)."""

    __tablename__ = "invoice_notifications"

    invoice_id: int = Field(foreign_key="invoices.id", primary_key=True)
    kind: str = Field(max_length=32, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_SUBJECTS = {
    NotificationKind.REPLY: (
        N_("notification.reply.subject"),
        N_("notification.reply.body"),
        N_("notification.reply.sms"),
    ),
    NotificationKind.NEW_INVOICE: (
        N_("notification.new_invoice.subject"),
        N_("notification.new_invoice.body"),
        N_("notification.new_invoice.sms"),
    ),
    NotificationKind.OVERDUE_INVOICE: (
        N_("notification.overdue_invoice.subject"),
        N_("notification.overdue_invoice.body"),
        N_("notification.overdue_invoice.sms"),
    ),
}


@dataclass(frozen=True)
class Told:
    """How many emails and text messages a notification queued."""

    emails: int = 0
    sms: int = 0


async def notify(
    db: AsyncSession,
    customer_id: int,
    kind: NotificationKind,
    *,
    link: str,
    meta: dict[str, Any],
    **values: object,
) -> Told:
    """Queue ``kind`` for the customer's contacts as its messaging settings say."""
    settings = await db.get(MessagingSettings, customer_id)
    if settings is None:
        return Told()
    language = Language(settings.language)
    by_email = settings.service_notifications_by_email
    if kind is NotificationKind.NEW_INVOICE:
        by_email = settings.invoice_delivery == InvoiceDelivery.EMAIL
    subject_id, body_id, sms_id = _SUBJECTS[kind]
    emails = sms = 0
    if by_email:
        address = await db.scalar(
            select(EmailAddress.address)
            .where(EmailAddress.customer_id == customer_id, EmailAddress.verified.is_(True))
            .order_by(EmailAddress.primary.desc(), EmailAddress.id)
            .limit(1)
        )
        if address is not None:
            body = text(body_id, language, link=link, signature=text("email.signature", language), **values)
            queue_email(
                db,
                to=address,
                subject=text(subject_id, language, **values),
                text=body,
                links=[link],
                meta={"kind": kind.value, **meta},
            )
            emails = 1
    if settings.service_notifications_by_sms:
        number = await db.scalar(
            select(PhoneNumber.number)
            .where(PhoneNumber.customer_id == customer_id, PhoneNumber.kind == PhoneKind.MOBILE)
            .order_by(PhoneNumber.primary.desc(), PhoneNumber.id)
            .limit(1)
        )
        if number is not None:
            db.add(
                SmsOutbox(
                    to_number=number, text=text(sms_id, language, **values), meta={"kind": kind.value, **meta}
                )
            )
            sms = 1
    return Told(emails, sms)


async def invoices_to_announce(db: AsyncSession, today: date) -> list[tuple[Invoice, NotificationKind]]:
    """Invoices that became due to be told of: issued lately and not yet announced, or
    overdue lately (unpaid past the due date, not credited) and not yet told."""
    new_told = select(InvoiceNotification.invoice_id).where(
        InvoiceNotification.kind == NotificationKind.NEW_INVOICE
    )
    overdue_told = select(InvoiceNotification.invoice_id).where(
        InvoiceNotification.kind == NotificationKind.OVERDUE_INVOICE
    )
    new = (
        (
            await db.execute(
                select(Invoice).where(
                    Invoice.issued_on <= today,
                    Invoice.issued_on > today - NEW_INVOICE_WINDOW,
                    Invoice.id.not_in(new_told),
                )
            )
        )
        .scalars()
        .all()
    )
    overdue = (
        (
            await db.execute(
                select(Invoice).where(
                    and_(
                        Invoice.due_on < today,
                        Invoice.due_on >= today - OVERDUE_WINDOW,
                        Invoice.paid_amount < Invoice.total,
                        Invoice.credited.is_(False),
                        Invoice.id.not_in(overdue_told),
                    )
                )
            )
        )
        .scalars()
        .all()
    )
    return [(i, NotificationKind.NEW_INVOICE) for i in new] + [
        (i, NotificationKind.OVERDUE_INVOICE) for i in overdue
    ]


def mark_announced(db: AsyncSession, invoice: Invoice, kind: NotificationKind) -> None:
    """Remember that the customer was told of ``invoice`` (in the same transaction)."""
    db.add(InvoiceNotification(invoice_id=invoice.id or 0, kind=kind.value))


def _amount(value: object, language: Language) -> str:
    text_ = f"{value:,.2f}"
    if language is Language.EN:
        return f"{text_} €"
    return text_.replace(",", "\u00a0").replace(".", ",") + "\u00a0€"


def _day(value: date, language: Language) -> str:
    return value.isoformat() if language is Language.EN else f"{value.day}.{value.month}.{value.year}"


async def announce(db: AsyncSession, invoice: Invoice, kind: NotificationKind, *, link: str) -> Told:
    """Tell the invoice's customer of it once (the caller commits; a second run, or another
    process, finds it told: ``invoice_notifications`` has it, or its insert conflicts)."""
    settings = await db.get(MessagingSettings, invoice.customer_id)
    language = Language(settings.language) if settings is not None else Language.FI
    mark_announced(db, invoice, kind)
    await db.flush()
    return await notify(
        db,
        invoice.customer_id,
        kind,
        link=link,
        meta={"invoiceId": invoice.id},
        invoice_number=invoice.invoice_number,
        amount=_amount(
            invoice.total - invoice.paid_amount
            if kind is NotificationKind.OVERDUE_INVOICE
            else invoice.total,
            language,
        ),
        due=_day(invoice.due_on, language),
    )
