"""Live updates: GraphQL subscriptions over ``graphql-transport-ws`` on ``/graphql``.

Each event is checked against the subscriber's access at the moment it is sent
(``resolvers.events.live_access``): when that fails, the subscriber gets one ``next``
with the ``FORBIDDEN`` (or ``UNAUTHENTICATED``) error and the subscription completes.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum
from typing import Any

import strawberry

from domain import base
from resolvers import events
from resolvers.errors import not_found
from resolvers.ids import pk_of
from schema.invoices import Invoice
from schema.messages import Message, MessageThread


@strawberry.enum(description="What happened in the customer's messages.")
class MessageEventKind(Enum):
    NEW_MESSAGE = "NEW_MESSAGE"
    REPLY = "REPLY"


@strawberry.type(description="A message or a reply in one of the customer's threads.")
class MessageEvent:
    kind: MessageEventKind = strawberry.field(description="A new message (the customer's side) or a reply.")
    thread: MessageThread = strawberry.field(description="The thread as it is now.")
    message: Message | None = strawberry.field(description="The message; null for status-only events.")


@strawberry.enum(description="What happened to one of the customer's invoices.")
class InvoiceEventKind(Enum):
    NEW_INVOICE = "NEW_INVOICE"
    OVERDUE = "OVERDUE"
    PAYMENT_RECEIVED = "PAYMENT_RECEIVED"


@strawberry.type(description="A new invoice, an invoice that became overdue, or a payment received.")
class InvoiceEvent:
    kind: InvoiceEventKind = strawberry.field(description="What happened.")
    invoice: Invoice = strawberry.field(description="The invoice as it is now.")


def _customer(customer_id: strawberry.ID) -> int:
    found = pk_of(str(customer_id), "Customer")
    if found is None:
        raise not_found()
    return found


async def _events(
    ctx: Any, cid: int, section: base.Section, kind: str, kinds: frozenset[str]
) -> AsyncGenerator[dict[str, Any], None]:
    """The events of ``kind`` for customer ``cid``, each let through only after the
    subscriber's access to ``section`` was read again (``events.live_access`` raises when
    it is gone); access changes wake the check without being passed on. A user holds at
    most ``events.MAX_SUBSCRIPTIONS_PER_USER`` at once in a process (``RATE_LIMITED``)."""
    await events.live_access(ctx, cid, section)
    topics = (events.topic(cid, kind), events.topic(cid, "access"))
    with ctx.events.held_by(ctx.principal.user_id):
        async with ctx.events.subscription(*topics) as queue:
            while True:
                name, event = await queue.get()
                await events.live_access(ctx, cid, section)
                if not name.endswith(":access") and event.get("kind") in kinds:
                    yield event


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="New messages and replies in the customer's threads (`MESSAGES` read access, checked "
        "before every event)."
    )
    async def message_events(
        self, info: strawberry.Info, customer_id: strawberry.ID
    ) -> AsyncGenerator[MessageEvent, None]:
        ctx = info.context
        cid = _customer(customer_id)
        kinds = frozenset(MessageEventKind.__members__)
        async for event in _events(ctx, cid, base.Section.MESSAGES, "messages", kinds):
            thread, message = await events.message_rows(ctx, event)
            if thread is None or thread.customer_id != cid:
                continue
            yield MessageEvent(
                kind=MessageEventKind(event["kind"]),
                thread=MessageThread.from_row(thread),
                message=None if message is None else Message.from_row(message),
            )

    @strawberry.subscription(
        description="New invoices, invoices that became overdue and payments received (`INVOICES` read "
        "access, checked before every event)."
    )
    async def invoice_events(
        self, info: strawberry.Info, customer_id: strawberry.ID
    ) -> AsyncGenerator[InvoiceEvent, None]:
        ctx = info.context
        cid = _customer(customer_id)
        kinds = frozenset(InvoiceEventKind.__members__)
        async for event in _events(ctx, cid, base.Section.INVOICES, "invoices", kinds):
            row = await events.invoice_row(ctx, event)
            if row is None or row.customer_id != cid:
                continue
            yield InvoiceEvent(
                kind=InvoiceEventKind(event["kind"]),
                invoice=Invoice.from_row(row, today=ctx.today, rules=ctx.rules),
            )
