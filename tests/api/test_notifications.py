"""Notifications to a customer's contacts (issue 16, part 3): a reply, new and overdue invoices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from app.notifier import announce_once
from domain.accounts import OutboxEmail
from domain.invoices import Invoice
from domain.notifications import InvoiceNotification, SmsOutbox
from tests.api.messaging_helpers import SEND, customer_gid, restored_messages
from tests.conftest import gql, login, operation

REPLY = operation("ReplyToThread")


@pytest.fixture
async def outboxes_restored(runtime):
    async with runtime.sessions() as db:
        email = int(await db.scalar(select(func.max(OutboxEmail.id))) or 0)
        sms = int(await db.scalar(select(func.max(SmsOutbox.id))) or 0)
    async for _ in restored_messages(runtime):
        yield
    async with runtime.sessions() as db, db.begin():
        await db.execute(delete(OutboxEmail).where(OutboxEmail.id > email))
        await db.execute(delete(SmsOutbox).where(SmsOutbox.id > sms))
        await db.execute(delete(InvoiceNotification))


async def _since(runtime, model, after: int) -> list:
    async with runtime.sessions() as db:
        return list((await db.execute(select(model).where(model.id > after).order_by(model.id))).scalars())


async def _max(runtime, model) -> int:
    async with runtime.sessions() as db:
        return int(await db.scalar(select(func.max(model.id))) or 0)


async def test_a_reply_is_told_by_email_and_sms(client, runtime, outboxes_restored) -> None:
    customer = await customer_gid(runtime)
    await login(client, "maija")
    sent = await gql(
        client,
        SEND,
        {"input": {"customerId": customer, "subject": "Mittari", "category": "OTHER", "body": "Kysymys"}},
    )
    thread = sent.data["sendMessage"]["thread"]["id"]
    emails, texts = await _max(runtime, OutboxEmail), await _max(runtime, SmsOutbox)
    await login(client, "asiakaspalvelu")
    replied = await gql(client, REPLY, {"input": {"threadId": thread, "body": "Vastaus"}})
    assert replied.data["replyToThread"]["errors"] == []
    [email] = await _since(runtime, OutboxEmail, emails)
    assert email.to_address == "maija@example.fi"  # the primary verified address
    assert email.subject == "Vastaus viestiisi: Mittari" and email.meta["kind"] == "REPLY"
    assert email.links and email.links[0].endswith("/messages")
    [sms] = await _since(runtime, SmsOutbox, texts)  # Maija asked for SMS notifications
    assert sms.to_number == "+358401234567" and "Mittari" in sms.text
    listed = (await client.get("/dev/sms-outbox", params={"to": "+358401234567", "limit": 1})).json()
    assert listed[0]["text"] == sms.text


async def test_new_and_overdue_invoices_are_told_once(runtime, outboxes_restored) -> None:
    async with runtime.sessions() as db:
        latest = (
            await db.execute(select(Invoice).order_by(Invoice.issued_on.desc(), Invoice.id.desc()).limit(1))
        ).scalar_one()
    day = latest.issued_on + timedelta(days=1)
    emails = await _max(runtime, OutboxEmail)
    first = await announce_once(runtime.sessions, "https://app.example", today=day)
    assert first.invoices >= 1
    again = await announce_once(runtime.sessions, "https://app.example", today=day)
    assert again.invoices == 0  # told once, however often the job runs
    async with runtime.sessions() as db:
        told = {(n.invoice_id, n.kind) for n in (await db.execute(select(InvoiceNotification))).scalars()}
    assert (latest.id, "NEW_INVOICE") in told
    queued = await _since(runtime, OutboxEmail, emails)
    assert all(e.links == ["https://app.example/invoices"] for e in queued)
    assert len(queued) == first.emails
    # an unpaid invoice is told of once its due date has passed, once
    async with runtime.sessions() as db:
        unpaid = (
            await db.execute(
                select(Invoice)
                .where(Invoice.paid_amount < Invoice.total, Invoice.credited.is_(False))
                .order_by(Invoice.due_on.desc())
                .limit(1)
            )
        ).scalar_one()
    after_due = unpaid.due_on + timedelta(days=1)
    await announce_once(runtime.sessions, "https://app.example", today=after_due)
    assert (await announce_once(runtime.sessions, "https://app.example", today=after_due)).invoices == 0
    async with runtime.sessions() as db:
        told = {(n.invoice_id, n.kind) for n in (await db.execute(select(InvoiceNotification))).scalars()}
    assert (unpaid.id, "OVERDUE_INVOICE") in told
