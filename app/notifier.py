"""The invoice notifier of one server process: at start, then every ``notify_interval_minutes``.

Each run finds the invoices issued lately and those that became overdue lately that the
customer was not told of (``domain.notifications``), and tells each in its own
transaction: the notification rows and the "told" mark commit together, so a crash
loses nothing and a second process (or run) tells nobody twice. Then it claims the
payments recorded since the last run of any process (``domain.payment_events``) and
publishes a ``PAYMENT_RECEIVED`` live event for each, once. A run that fails (the
database is down) is logged and tried again at the next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.sweeper import RunningTask
from domain.base import today_helsinki
from domain.invoices import Invoice
from domain.notifications import NotificationKind, Told, announce, invoices_to_announce
from domain.payment_events import claim_new_payments
from resolvers.events import EventBus, topic

log = logging.getLogger("energy_portal.notifier")


@dataclass(frozen=True)
class Announced:
    invoices: int
    emails: int
    sms: int


async def announce_once(
    sessions: async_sessionmaker[AsyncSession],
    web_app_origin: str,
    *,
    today: date | None = None,
    events: EventBus | None = None,
) -> Announced:
    """One run: every invoice due to be told of, each in a transaction of its own (and, once
    committed, as a live event to the customer's ``invoiceEvents`` subscribers)."""
    today = today or today_helsinki()
    async with sessions() as db:
        found = [(invoice.id, kind) for invoice, kind in await invoices_to_announce(db, today)]
    link = f"{web_app_origin.rstrip('/')}/invoices"
    invoices = emails = sms = 0
    for invoice_id, kind in found:
        told = await announce_invoice(sessions, invoice_id, kind, link, events)
        if told is not None:
            invoices, emails, sms = invoices + 1, emails + told.emails, sms + told.sms
    return Announced(invoices, emails, sms)


async def announce_invoice(
    sessions: async_sessionmaker[AsyncSession],
    invoice_id: int,
    kind: NotificationKind,
    link: str,
    events: EventBus | None,
) -> Told | None:
    """Tell of one invoice in a transaction of its own, then publish its live event; ``None``
    when it is gone or another process told of it first."""
    try:
        async with sessions() as db, db.begin():
            invoice = await db.get(Invoice, invoice_id)
            if invoice is None:
                return None
            told = await announce(db, invoice, kind, link=link)
            customer_id = invoice.customer_id
    except IntegrityError:
        return None  # another process told it first
    if events is not None:
        live = "NEW_INVOICE" if kind is NotificationKind.NEW_INVOICE else "OVERDUE"
        await events.publish(topic(customer_id, "invoices"), {"kind": live, "invoiceId": invoice_id})
    return told


async def announce_payments_once(sessions: async_sessionmaker[AsyncSession], events: EventBus | None) -> int:
    """Publish ``PAYMENT_RECEIVED`` for each payment recorded since the last claim (of any
    process), after the claim commits; the number published. Without ``events`` the
    payments are left for a run that has them (a claim would lose their events)."""
    if events is None:
        return 0
    async with sessions() as db, db.begin():
        claimed = await claim_new_payments(db)
    for payment in claimed:
        event = {"kind": "PAYMENT_RECEIVED", "invoiceId": payment.invoice_id, "paymentId": payment.payment_id}
        await events.publish(topic(payment.customer_id, "invoices"), event)
    return len(claimed)


async def _run(
    sessions: async_sessionmaker[AsyncSession],
    origin: str,
    stop: asyncio.Event,
    interval_seconds: float,
    events: EventBus | None,
) -> None:
    while not stop.is_set():
        try:
            await announce_once(sessions, origin, events=events)
            await announce_payments_once(sessions, events)
        except Exception:
            log.exception("invoice notifications failed; trying again in %.0f s", interval_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)


def start_notifier(
    sessions: async_sessionmaker[AsyncSession],
    web_app_origin: str,
    interval_seconds: float,
    events: EventBus | None = None,
) -> RunningTask:
    """Announce now (in the background) and then every ``interval_seconds``."""
    stop = asyncio.Event()
    run = _run(sessions, web_app_origin, stop, interval_seconds, events)
    task = asyncio.create_task(run, name="invoice-notifier")
    return RunningTask(stop, task)
