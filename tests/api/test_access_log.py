"""The owner's access log: others' reads once a section and day, every change (issue 15, part 3)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from domain.access_log import AccessRead
from domain.accounts import OutboxEmail
from domain.users import AuditEvent
from resolvers.access_log import forget_recorded_reads
from tests.api.api_token_helpers import maija_places, make_api_token, program, restored_api_tokens
from tests.api.messaging_helpers import MAIJA_NUMBER, SEND, customer_gid, restored_messages
from tests.conftest import count_statements, gql, login, operation

ACCESS_LOG = operation("AccessLog")
INVOICES = """query($customerId: ID!, $first: Int) {
  customer(id: $customerId) { invoices(first: $first) { totalCount } } }"""
SENDERS = """query($id: ID!) {
  node(id: $id) { ... on MessageThread { messages { sender { kind name role } } } } }"""
DETACH = """mutation($input: DetachCustomersFromUserInput!) {
  detachCustomersFromUser(input: $input) { grants { status } errors { code } } }"""


@pytest.fixture
async def clean_log(runtime):
    """The log tables as they were (this module's reads and changes removed afterwards)."""
    async with runtime.sessions() as db:
        max_read = int(await db.scalar(select(func.max(AccessRead.id))) or 0)
        max_event = int(await db.scalar(select(func.max(AuditEvent.id))) or 0)
    async for _ in restored_messages(runtime):
        yield
    async with runtime.sessions() as db, db.begin():
        await db.execute(delete(AccessRead).where(AccessRead.id > max_read))
        await db.execute(delete(AuditEvent).where(AuditEvent.id > max_event))
    forget_recorded_reads()


async def _log(client, customer: str, **variables):
    result = await gql(client, ACCESS_LOG, {"customerId": customer, **variables})
    assert result.errors == [], result.errors
    return result.data["customer"]["accessLog"]


async def test_the_owner_sees_a_delegates_reads_once_and_his_message(client, runtime, clean_log) -> None:
    customer = await customer_gid(runtime)
    async with runtime.sessions() as db, db.begin():  # a clean day for the reads
        await db.execute(delete(AccessRead))
    forget_recorded_reads()
    await login(client, "maija")
    before = (await _log(client, customer, first=100))["totalCount"]
    await gql(client, operation("Invoices"), {"customerId": customer, "first": 5})  # the owner's own read

    await login(client, "matti")
    for _ in range(3):
        seen = await gql(client, INVOICES, {"customerId": customer, "first": 5})
        assert seen.errors == []
    sent = await gql(
        client,
        SEND,
        {
            "input": {
                "customerId": customer,
                "subject": "Lasku",
                "category": "INVOICING",
                "body": "Kysymys laskusta",
            }
        },
    )
    assert sent.data["sendMessage"]["errors"] == []
    thread = sent.data["sendMessage"]["thread"]["id"]
    senders = await gql(client, SENDERS, {"id": thread})
    # a message names the person who wrote it and in what capacity (not the username)
    assert senders.data["node"]["messages"][-1]["sender"] == {
        "kind": "CUSTOMER",
        "name": "Matti Meikäläinen",
        "role": "DELEGATE",
    }

    await login(client, "maija")
    me = await gql(client, "{ viewer { user { username name } } }")
    assert me.data["viewer"]["user"] == {"username": "maija", "name": "Maija Meikäläinen"}
    log = await _log(client, customer, first=100)
    entries = [edge["node"] for edge in log["edges"]]
    reads = [e for e in entries if e["action"] == "READ"]
    assert [(e["actorName"], e["actorRole"], e["section"]) for e in reads] == [
        ("Matti Meikäläinen", "DELEGATE", "INVOICES")
    ]
    assert "Laskuja" in reads[0]["summary"] or "laskuja" in reads[0]["summary"]
    [message] = [e for e in entries if e["action"] == "message.sent"]
    assert (message["actorName"], message["actorRole"], message["section"]) == (
        "Matti Meikäläinen",
        "DELEGATE",
        "MESSAGES",
    )
    assert log["totalCount"] >= before + 2
    # newest first
    times = [e["occurredAt"] for e in entries]
    assert times == sorted(times, reverse=True)

    # English summaries follow Accept-Language
    english = await gql(
        client, ACCESS_LOG, {"customerId": customer, "first": 100}, **{"accept-language": "en"}
    )
    summaries = {
        e["node"]["action"]: e["node"]["summary"] for e in english.data["customer"]["accessLog"]["edges"]
    }
    assert summaries["READ"] == "Read invoices" and summaries["message.sent"] == "Sent a message"


async def test_customer_service_attaching_a_housing_manager_appears(client, runtime, clean_log) -> None:
    customer = await customer_gid(runtime)
    await login(client, "asiakaspalvelu")
    attached = await gql(
        client,
        operation("AttachCustomersToUser"),
        {
            "input": {
                "username": "isannoitsija",
                "customerNumbers": [MAIJA_NUMBER],
                "permissions": [{"section": "INVOICES", "level": "READ"}],
            }
        },
    )
    assert attached.data["attachCustomersToUser"]["errors"] == []
    try:
        await login(client, "maija")
        entries = [e["node"] for e in (await _log(client, customer, first=20))["edges"]]
        [attach] = [e for e in entries if e["action"] == "housing_manager.attached"]
        assert (attach["actorRole"], attach["section"]) == ("CUSTOMER_SERVICE", None)
        assert attach["actorName"] == "Asiakaspalvelu"
        assert "isannoitsija" in attach["summary"]
        # Maija's is a person customer: she is told by email, in her language
        async with runtime.sessions() as db:
            told = (
                (
                    await db.execute(
                        select(OutboxEmail)
                        .where(OutboxEmail.to_address == "maija@example.fi")
                        .order_by(OutboxEmail.id.desc())
                    )
                )
                .scalars()
                .first()
            )
        assert told.meta["kind"] == "HOUSING_MANAGER_ATTACHED"
        assert "Ilkka Isomäki" in told.text and "Laskut: katselu" in told.text
    finally:
        await login(client, "asiakaspalvelu")
        detached = await gql(
            client, DETACH, {"input": {"username": "isannoitsija", "customerNumbers": [MAIJA_NUMBER]}}
        )
        assert detached.data["detachCustomersFromUser"]["errors"] == []


async def test_only_the_owner_reads_the_log_and_pages_hold_together(client, runtime, clean_log) -> None:
    customer = await customer_gid(runtime)
    await login(client, "matti")  # a delegate, even with READ_WRITE on MESSAGES
    denied = await gql(client, ACCESS_LOG, {"customerId": customer})
    assert denied.data["customer"]["accessLog"] is None and denied.codes() == ["FORBIDDEN"]
    await gql(client, INVOICES, {"customerId": customer, "first": 1})

    await login(client, "maija")
    whole = await _log(client, customer, first=100)
    assert whole["totalCount"] >= 1
    walked, after = [], None
    while True:
        page = await _log(client, customer, first=1, after=after)
        assert page["totalCount"] == whole["totalCount"]
        walked += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == [e["node"]["id"] for e in whole["edges"]][: len(walked)]
    assert len(walked) == min(whole["totalCount"], 100)

    nothing = await _log(client, customer, first=10, **{"from": "2001-01-01", "to": "2001-01-31"})
    assert nothing == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []}
    bad = await gql(client, ACCESS_LOG, {"customerId": customer, "after": "not-a-cursor"})
    assert bad.codes() == ["BAD_USER_INPUT"]
    reversed_range = await gql(
        client, ACCESS_LOG, {"customerId": customer, "from": "2026-02-01", "to": "2026-01-01"}
    )
    assert reversed_range.codes() == ["BAD_USER_INPUT"]

    with count_statements(runtime) as one:
        await gql(client, ACCESS_LOG, {"customerId": customer, "first": 1})
    with count_statements(runtime) as many:
        await gql(client, ACCESS_LOG, {"customerId": customer, "first": 100})
    assert len(one) == len(many)


async def test_a_programs_reads_appear_under_its_token(client, runtime, clean_log) -> None:
    """A program reads as its token (not as the owner who made it), once a section and day."""
    places = await maija_places(runtime)
    async with restored_api_tokens(runtime):
        _, secret = await make_api_token(
            runtime, places.customer, {"INVOICES": "READ"}, name="Kotiautomaatio"
        )
        async with program(runtime, secret) as robot:
            for _ in range(2):
                read = await gql(robot, INVOICES, {"customerId": places.customer_gid, "first": 1})
                assert read.errors == []
        await login(client, "maija")
        entries = [e["node"] for e in (await _log(client, places.customer_gid, first=50))["edges"]]
        reads = [e for e in entries if e["action"] == "READ" and e["actorRole"] == "API_TOKEN"]
        assert [(e["actorName"], e["section"]) for e in reads] == [("Ohjelma: Kotiautomaatio", "INVOICES")]
        # the owner's own reads are never logged, and the program is not her
        assert all(e["actorRole"] != "OWNER" or e["action"] != "READ" for e in entries)
