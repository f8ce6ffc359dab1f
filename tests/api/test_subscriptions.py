"""Live updates over graphql-transport-ws (issue 16, part 4), with a real websocket client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from app.dev_billing import record_payment
from app.graphql_view import MAX_SUBSCRIPTIONS_PER_CONNECTION
from app.http import build_app
from app.notifier import announce_once, announce_payments_once
from auth.sessions import SESSION_COOKIE
from domain.base import today_helsinki
from domain.invoices import Invoice
from resolvers.ids import pk_of
from tests.api.messaging_helpers import SEND, customer_gid, restored_messages
from tests.api.test_notifications import outboxes_restored  # noqa: F401 (a fixture used by name)
from tests.app.test_dev_commands import an_open_invoice, ledger, restore_ledger
from tests.conftest import gql, login, operation

MESSAGE_EVENTS = operation("MessageEvents")
REPLY = operation("ReplyToThread")
UPDATE_GRANT = operation("UpdateAccessGrant")
INVOICE_EVENTS = operation("InvoiceEvents")


@asynccontextmanager
async def server(runtime) -> AsyncIterator[str]:
    """The application on a real socket in this event loop; its ws:// base URL."""
    config = uvicorn.Config(build_app(runtime), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())
    for _ in range(500):  # uvicorn has no started event to wait on
        if running.started:
            break
        await asyncio.sleep(0.02)
    port = running.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        running.should_exit = True
        await task


@asynccontextmanager
async def subscribed(
    url: str, cookie: str, customer: str, origin: str | None = None, query: str = MESSAGE_EVENTS
) -> AsyncIterator[Any]:
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    if origin is not None:
        headers["Origin"] = origin
    async with connect(url, subprotocols=["graphql-transport-ws"], additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        subscribe = {"query": query, "variables": {"customerId": customer}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        await asyncio.sleep(0.3)  # the subscription is registered before anything happens
        yield ws


async def next_message(ws, seconds: float = 2.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=seconds))


@asynccontextmanager
async def another(runtime, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser, signed in (a sign-in in the same browser would end the first session)."""
    transport = httpx.ASGITransport(app=build_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await login(other, username)
        yield other


@pytest.fixture
async def restore(runtime):
    async for _ in restored_messages(runtime):
        yield


async def test_a_reply_reaches_the_open_subscription(client, runtime, restore) -> None:
    customer = await customer_gid(runtime)
    await login(client, "maija")
    cookie = client.cookies[SESSION_COOKIE]
    sent = await gql(
        client,
        SEND,
        {"input": {"customerId": customer, "subject": "Livenä", "category": "OTHER", "body": "Kuuluuko?"}},
    )
    thread = sent.data["sendMessage"]["thread"]["id"]
    async with (
        server(runtime) as url,
        subscribed(url, cookie, customer, runtime.settings.public_origin) as ws,
    ):
        async with another(runtime, "asiakaspalvelu") as staff:
            replied = await gql(staff, REPLY, {"input": {"threadId": thread, "body": "Kuuluu!"}})
        assert replied.data["replyToThread"]["errors"] == []
        event = await next_message(ws)
        assert event["type"] == "next" and event["id"] == "1"
        assert event["payload"].get("errors") is None, event
        payload = event["payload"]["data"]["messageEvents"]
        assert payload["kind"] == "REPLY"
        assert payload["thread"]["id"] == thread and payload["thread"]["status"] == "ANSWERED"
        assert payload["message"]["body"] == "Kuuluu!"
        assert payload["message"]["sender"]["kind"] == "CUSTOMER_SERVICE"


async def test_revoking_access_ends_the_subscription(client, runtime, restore) -> None:
    customer = await customer_gid(runtime)
    await login(client, "maija")
    rights = await gql(client, operation("AccessRights"), {"customerId": customer})
    [matti] = [
        g
        for g in rights.data["customer"]["accessGrants"]
        if g["grantee"] and g["grantee"]["username"] == "matti" and g["status"] == "ACTIVE"
    ]
    before = [{"section": p["section"], "level": p["level"]} for p in matti["permissions"]]
    await login(client, "matti")
    cookie = client.cookies[SESSION_COOKIE]
    try:
        async with server(runtime) as url, subscribed(url, cookie, customer) as ws:
            async with another(runtime, "maija") as owner:
                narrowed = await gql(
                    owner,
                    UPDATE_GRANT,
                    {
                        "input": {
                            "grantId": matti["id"],
                            "password": "maija-demo-password",
                            "permissions": [{"section": "INVOICES", "level": "READ"}],
                        }
                    },
                )
            assert narrowed.data["updateAccessGrant"]["errors"] == []
            event = await next_message(ws)
            assert event["type"] == "next"
            assert [e["extensions"]["code"] for e in event["payload"]["errors"]] == ["FORBIDDEN"]
            assert (await next_message(ws))["type"] == "complete"
    finally:
        await login(client, "maija")
        await gql(
            client,
            UPDATE_GRANT,
            {"input": {"grantId": matti["id"], "password": "maija-demo-password", "permissions": before}},
        )


async def test_a_socket_from_another_site_is_refused(client, runtime) -> None:
    customer = await customer_gid(runtime)
    await login(client, "maija")
    cookie = client.cookies[SESSION_COOKIE]
    async with server(runtime) as url:
        with pytest.raises(InvalidStatus):
            async with subscribed(url, cookie, customer, origin="https://evil.example"):
                pass


@pytest.mark.usefixtures("outboxes_restored")
async def test_a_new_invoice_reaches_invoice_events(client, runtime) -> None:
    customer = await customer_gid(runtime)
    await login(client, "maija")
    cookie = client.cookies[SESSION_COOKIE]
    async with runtime.sessions() as db:
        hers = (
            (
                await db.execute(
                    select(Invoice)
                    .where(Invoice.customer_id == pk_of(customer, "Customer"))
                    .order_by(Invoice.issued_on.desc())
                )
            )
            .scalars()
            .all()
        )
    latest = hers[0]
    recent = {i.invoice_number for i in hers if latest.issued_on - i.issued_on < timedelta(days=7)}
    async with server(runtime) as url, subscribed(url, cookie, customer, query=INVOICE_EVENTS) as ws:
        day = latest.issued_on + timedelta(days=1)
        await announce_once(runtime.sessions, "https://app.example", today=day, events=runtime.events)
        event = await next_message(ws)
        assert event["payload"]["data"]["invoiceEvents"]["kind"] == "NEW_INVOICE"
        assert event["payload"]["data"]["invoiceEvents"]["invoice"]["invoiceNumber"] in recent


async def test_a_recorded_payment_reaches_invoice_events(client, runtime) -> None:
    """The development command's path: the payment is recorded, the notifier's next run
    claims it and publishes ``PAYMENT_RECEIVED`` on the bus the server shares."""
    customer = await customer_gid(runtime)
    await login(client, "maija")
    cookie = client.cookies[SESSION_COOKIE]
    before = await ledger(runtime)
    try:
        await announce_payments_once(runtime.sessions, runtime.events)  # the cursor exists
        invoice = await an_open_invoice(runtime)
        async with server(runtime) as url, subscribed(url, cookie, customer, query=INVOICE_EVENTS) as ws:
            await record_payment(runtime.sessions, invoice.invoice_number, None, today_helsinki())
            assert await announce_payments_once(runtime.sessions, runtime.events) == 1
            event = await next_message(ws)
            assert event["payload"].get("errors") is None, event
            payload = event["payload"]["data"]["invoiceEvents"]
            assert payload["kind"] == "PAYMENT_RECEIVED"
            assert payload["invoice"]["invoiceNumber"] == invoice.invoice_number
            assert payload["invoice"]["status"] == "PAID"
            assert await announce_payments_once(runtime.sessions, runtime.events) == 0
            with pytest.raises(TimeoutError):
                await next_message(ws, 0.5)  # told once
    finally:
        await restore_ledger(runtime, before)


async def test_a_user_holds_at_most_twenty_subscriptions(client, runtime) -> None:
    """Ten per connection, twenty per user over all connections: the 21st is refused with
    ``RATE_LIMITED``, and a closed one makes room."""
    customer = await customer_gid(runtime)
    await login(client, "maija")
    headers = {"Cookie": f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}"}

    async def subscribe(ws, sid: str) -> None:
        payload = {"query": INVOICE_EVENTS, "variables": {"customerId": customer}}
        await ws.send(json.dumps({"id": sid, "type": "subscribe", "payload": payload}))

    async with server(runtime) as url, AsyncExitStack() as stack:
        sockets = []
        for _ in range(3):
            ws = await stack.enter_async_context(
                connect(url, subprotocols=["graphql-transport-ws"], additional_headers=headers)
            )
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            sockets.append(ws)
        for ws in sockets[:2]:
            for n in range(MAX_SUBSCRIPTIONS_PER_CONNECTION):
                await subscribe(ws, str(n))
        await asyncio.sleep(1.0)  # all twenty hold their place
        await subscribe(sockets[2], "21st")
        refused = await next_message(sockets[2])
        assert refused["type"] == "next" and refused["id"] == "21st"
        assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["RATE_LIMITED"]
        assert (await next_message(sockets[2]))["type"] == "complete"
        await sockets[0].send(json.dumps({"id": "0", "type": "complete"}))
        await asyncio.sleep(0.3)
        await subscribe(sockets[2], "after")
        with pytest.raises(TimeoutError):
            await next_message(sockets[2], 0.7)  # held open, no refusal
