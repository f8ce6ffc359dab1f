"""The development commands that add an invoice or record a payment, and the notifier's
claim of the payments recorded since its last run (issue 16, part 4)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update

from app.cli import main
from app.dev_billing import DevCommandError, add_invoice, parse_amount, record_payment
from app.notifier import announce_payments_once
from domain.base import today_helsinki
from domain.customers import Customer
from domain.invoices import Invoice, InvoiceLine, Payment
from domain.payment_events import PaymentEventCursor, claim_new_payments
from resolvers.events import EventBus, topic
from tests.api.messaging_helpers import MAIJA_NUMBER


@dataclass
class Ledger:
    """The payments and paid amounts as a test found them."""

    last_payment_id: int
    paid: dict[int, Decimal]
    cursor: int | None


async def ledger(runtime) -> Ledger:
    async with runtime.sessions() as db:
        last = int(await db.scalar(select(func.max(Payment.id))) or 0)
        paid = {i: p for i, p in (await db.execute(select(Invoice.id, Invoice.paid_amount))).all()}
        cursor = await db.scalar(select(PaymentEventCursor.last_payment_id))
    return Ledger(last, paid, cursor)


async def restore_ledger(runtime, before: Ledger) -> None:
    """Payments recorded since ``before`` removed, paid amounts and the cursor as they were."""
    async with runtime.sessions() as db, db.begin():
        touched = (
            await db.scalars(select(Payment.invoice_id).where(Payment.id > before.last_payment_id))
        ).all()
        await db.execute(delete(Payment).where(Payment.id > before.last_payment_id))
        for invoice_id in set(touched):
            await db.execute(
                update(Invoice).where(Invoice.id == invoice_id).values(paid_amount=before.paid[invoice_id])
            )
        await db.execute(delete(PaymentEventCursor))
        if before.cursor is not None:
            db.add(PaymentEventCursor(last_payment_id=before.cursor))


@pytest.fixture
async def payments_restored(runtime) -> AsyncIterator[Ledger]:
    before = await ledger(runtime)
    try:
        yield before
    finally:
        await restore_ledger(runtime, before)


async def maijas_invoices(runtime) -> list[Invoice]:
    async with runtime.sessions() as db:
        customer_id = await db.scalar(select(Customer.id).where(Customer.customer_number == MAIJA_NUMBER))
        rows = await db.scalars(
            select(Invoice).where(Invoice.customer_id == customer_id).order_by(Invoice.issued_on.desc())
        )
        return list(rows.all())


async def an_open_invoice(runtime) -> Invoice:
    return next(i for i in await maijas_invoices(runtime) if not i.credited and i.paid_amount < i.total)


@pytest.mark.parametrize(
    "argv",
    [
        ["dev-add-invoice", "--customer-number", MAIJA_NUMBER],
        ["dev-record-payment", "--invoice-number", "2024-000001"],
    ],
)
def test_the_dev_commands_refuse_in_production(argv, monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("ENERGY_PORTAL_MODE", "production")
    monkeypatch.setenv("ENERGY_PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ENERGY_PORTAL_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'none.sqlite3'}")
    assert main(argv) == 2
    assert "development mode only" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()  # refused before touching any database


def test_amounts_are_euros_with_two_decimals() -> None:
    assert parse_amount("12,5") == Decimal("12.50")
    assert parse_amount(" 3.25 ") == Decimal("3.25")
    for bad in ["abc", "1.234", "NaN", "Infinity", ""]:
        with pytest.raises(DevCommandError):
            parse_amount(bad)


async def test_an_added_invoice_continues_the_contract_billing(runtime) -> None:
    latest = (await maijas_invoices(runtime))[0]
    assert latest.period_end is not None
    today = latest.period_end + timedelta(days=11)
    added = None
    try:
        added = await add_invoice(
            runtime.sessions, MAIJA_NUMBER, today, runtime.settings.full_invoice_details_from
        )
        async with runtime.sessions() as db:
            invoice = await db.get(Invoice, added.invoice_id)
            lines = (
                await db.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == added.invoice_id))
            ).all()
            year_numbers = (
                await db.scalars(
                    select(Invoice.invoice_number).where(Invoice.invoice_number.like(f"{today.year}-%"))
                )
            ).all()
        assert invoice is not None and invoice.issued_on == today
        assert invoice.contract_id == latest.contract_id
        assert invoice.period_start == latest.period_end + timedelta(days=1)
        assert invoice.period_end == today - timedelta(days=1)
        assert invoice.invoice_number == max(year_numbers)
        assert lines and invoice.total == sum((line.amount_incl_vat for line in lines), Decimal(0))
        assert invoice.vat_amount == invoice.total - sum((line.amount_excl_vat for line in lines), Decimal(0))
        assert invoice.paid_amount == 0 and invoice.due_on == today + timedelta(days=30)
        with pytest.raises(DevCommandError, match="nothing to invoice"):
            await add_invoice(
                runtime.sessions, MAIJA_NUMBER, today, runtime.settings.full_invoice_details_from
            )
        with pytest.raises(DevCommandError, match="no customer"):
            await add_invoice(runtime.sessions, "nope", today, runtime.settings.full_invoice_details_from)
    finally:
        if added is not None:
            async with runtime.sessions() as db, db.begin():
                await db.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == added.invoice_id))
                await db.execute(delete(Invoice).where(Invoice.id == added.invoice_id))


async def test_a_recorded_payment_raises_the_paid_amount(runtime, payments_restored) -> None:
    invoice = await an_open_invoice(runtime)
    recorded = await record_payment(
        runtime.sessions, invoice.invoice_number, Decimal("1.00"), today_helsinki()
    )
    assert recorded.paid_amount == invoice.paid_amount + Decimal("1.00")
    rest = await record_payment(runtime.sessions, invoice.invoice_number, None, today_helsinki())
    assert rest.amount == invoice.total - invoice.paid_amount - Decimal("1.00")
    async with runtime.sessions() as db:
        assert (await db.get(Invoice, invoice.id)).paid_amount == invoice.total
    with pytest.raises(DevCommandError, match="is paid"):
        await record_payment(runtime.sessions, invoice.invoice_number, None, today_helsinki())


async def test_a_payment_the_command_refuses_changes_nothing(runtime, payments_restored) -> None:
    invoice = await an_open_invoice(runtime)
    [credited] = [i for i in await maijas_invoices(runtime) if i.credited]
    due = invoice.total - invoice.paid_amount
    refused = [
        ("2099-999999", None, "no invoice"),
        (credited.invoice_number, None, "credited"),
        (invoice.invoice_number, Decimal("0.00"), "more than zero"),
        (invoice.invoice_number, Decimal("-5.00"), "more than zero"),
        (invoice.invoice_number, due + Decimal("0.01"), "more than that"),
    ]
    for number, amount, why in refused:
        with pytest.raises(DevCommandError, match=why):
            await record_payment(runtime.sessions, number, amount, today_helsinki())
    after = await ledger(runtime)
    assert after.last_payment_id == payments_restored.last_payment_id
    assert after.paid == payments_restored.paid


async def test_each_new_payment_is_claimed_once(runtime, payments_restored) -> None:
    async with runtime.sessions() as db, db.begin():
        await db.execute(delete(PaymentEventCursor))
    async with runtime.sessions() as db, db.begin():
        assert await claim_new_payments(db) == []  # the first run starts at the newest payment
    invoice = await an_open_invoice(runtime)
    recorded = await record_payment(
        runtime.sessions, invoice.invoice_number, Decimal("2.00"), today_helsinki()
    )
    async with runtime.sessions() as first, runtime.sessions() as second:
        async with first.begin():
            claimed = await claim_new_payments(first)
        async with second.begin():
            again = await claim_new_payments(second)
    assert [(c.payment_id, c.invoice_id, c.customer_id) for c in claimed] == [
        (recorded.payment_id, invoice.id, invoice.customer_id)
    ]
    assert again == []


async def test_the_notifier_publishes_payment_received(runtime, payments_restored) -> None:
    bus = EventBus()
    invoice = await an_open_invoice(runtime)
    await announce_payments_once(runtime.sessions, bus)  # the cursor exists
    assert await announce_payments_once(runtime.sessions, None) == 0
    async with bus.subscription(topic(invoice.customer_id, "invoices")) as queue:
        recorded = await record_payment(
            runtime.sessions, invoice.invoice_number, Decimal("3.00"), today_helsinki()
        )
        assert await announce_payments_once(runtime.sessions, None) == 0  # left for a run with a bus
        assert await announce_payments_once(runtime.sessions, bus) == 1
        assert await announce_payments_once(runtime.sessions, bus) == 0
        assert queue.get_nowait() == (
            topic(invoice.customer_id, "invoices"),
            {"kind": "PAYMENT_RECEIVED", "invoiceId": invoice.id, "paymentId": recorded.payment_id},
        )
        assert queue.empty()


async def test_the_payment_command_without_redis_leaves_the_event_to_the_server(
    runtime, payments_restored, monkeypatch, capsys
) -> None:
    """The command as run (its own engine from the environment): the payment is stored,
    the cursor is not moved (the event waits for a server's notifier run)."""
    from app.cli import _dev_record_payment

    monkeypatch.setenv("ENERGY_PORTAL_DATABASE_URL", runtime.settings.resolved_database_url)
    monkeypatch.setenv("ENERGY_PORTAL_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.delenv("ENERGY_PORTAL_REDIS_URL", raising=False)
    monkeypatch.delenv("ENERGY_PORTAL_MODE", raising=False)
    await announce_payments_once(runtime.sessions, EventBus())  # the cursor exists
    cursor = (await ledger(runtime)).cursor
    invoice = await an_open_invoice(runtime)
    assert await _dev_record_payment(invoice.invoice_number, "0,50") == 0
    out = capsys.readouterr().out
    assert "payment of 0.50 EUR recorded" in out and "no Redis configured" in out
    after = await ledger(runtime)
    assert after.paid[invoice.id] == invoice.paid_amount + Decimal("0.50")
    assert after.cursor == cursor
    assert await _dev_record_payment(invoice.invoice_number, "-1") == 1
    assert "more than zero" in capsys.readouterr().err
