"""Contact us (SPEC 8): threads, multipart uploads that never lose a message nor let a bad file in,
downloads only for users with MESSAGES access, and the customer-service side."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select

from app.http import build_app
from auth.file_tokens import FileGrant, issue_file_token
from domain.messages import Attachment
from domain.users import AuditEvent
from fixtures.files import meter_photo_png
from resolvers.ids import to_global_id
from tests.api.messaging_helpers import (
    SEND,
    customer_gid,
    matti_demo_grant_id,
    message_rows,
    multipart_parts,
    restored_messages,
    send_with_files,
    stored_files,
    threads_of,
    unique_pdf,
    unique_png,
    user_id,
)
from tests.conftest import count_statements, gql, login, operation

MARK_READ = operation("MarkThreadRead")
REPLY = operation("ReplyToThread")
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 200
AWAITING = """query($first: Int, $after: String) {
  threadsAwaitingReply(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id subject status unreadCount customer { customerNumber name }
      messages { body sender { kind name } attachments { filename url } } } }
  }
}"""


@pytest.fixture
async def restore(runtime):
    async for _ in restored_messages(runtime):
        yield


@asynccontextmanager
async def other_client(runtime, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another user's client, signed in, next to the test's own."""
    transport = httpx.ASGITransport(app=build_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await login(client, username)
        yield client


def new_thread(customer: str, **extra) -> dict:
    return {
        "input": {
            "customerId": customer,
            "subject": "Liitteitä",
            "category": "INVOICING",
            "body": "Hei!",
            **extra,
        }
    }


async def test_threads_are_listed_newest_first_with_unread_counts(client, runtime) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    result = await threads_of(client, customer)
    assert result.errors == []
    threads = result.data["customer"]["messageThreads"]
    nodes = [e["node"] for e in threads["edges"]]
    assert threads["totalCount"] == len(nodes) >= 3
    times = [n["lastMessageAt"] for n in nodes]
    assert times == sorted(times, reverse=True)
    by_subject = {n["subject"]: n for n in nodes}
    answered = by_subject["Kysymys laskun summasta"]
    assert answered["status"] == "ANSWERED" and answered["unreadCount"] == 1
    assert [m["sender"]["kind"] for m in answered["messages"]] == ["CUSTOMER", "CUSTOMER_SERVICE"]
    assert answered["messages"][1]["sender"]["name"] == "Asiakaspalvelu"
    [photo] = answered["messages"][0]["attachments"]
    assert photo["contentType"] == "image/png" and photo["filename"] == "mittari.png"
    assert by_subject["Mökin peruskulutus"]["status"] == "CLOSED"
    assert by_subject["Mökin peruskulutus"]["unreadCount"] == 0
    english = await gql(
        client,
        "query($c: ID!) { customer(id: $c) { messageThreads { edges { node { messages "
        "{ sender { name } } } } } } }",
        {"c": customer},
        **{"Accept-Language": "en"},
    )
    names = {
        m["sender"]["name"]
        for e in english.data["customer"]["messageThreads"]["edges"]
        for m in e["node"]["messages"]
    }
    assert "Customer service" in names


async def test_pages_follow_the_cursor(client, runtime) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    everything = [
        e["node"]["id"]
        for e in (await threads_of(client, customer)).data["customer"]["messageThreads"]["edges"]
    ]
    seen, after = [], None
    while True:
        page = await gql(
            client, operation("MessageThreads"), {"customerId": customer, "first": 1, "after": after}
        )
        connection = page.data["customer"]["messageThreads"]
        seen += [e["node"]["id"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == everything
    bad = await gql(client, operation("MessageThreads"), {"customerId": customer, "after": "not-a-cursor"})
    assert bad.codes() == ["BAD_USER_INPUT"]


async def test_a_pdf_and_a_png_are_stored_and_downloadable_by_owner_and_delegate_only(
    client, runtime, restore
) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    pdf, png = unique_pdf("lasku"), unique_png()
    response = await send_with_files(
        client,
        new_thread(customer, body="Liitteenä lasku ja kuva."),
        [("../../etc/Lasku 3\u202e.pdf", pdf, "application/pdf"), ("mittari.jpeg", png, "image/jpeg")],
    )
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["sendMessage"]
    assert payload["errors"] == []
    assert payload["thread"]["status"] == "OPEN" and payload["thread"]["unreadCount"] == 0
    sent = payload["message"]
    assert sent["sender"] == {"kind": "CUSTOMER", "name": "Maija Meikäläinen"}
    files = {a["contentType"]: a for a in sent["attachments"]}
    assert set(files) == {"application/pdf", "image/png"}
    assert files["application/pdf"]["filename"] == "Lasku 3.pdf"
    assert files["image/png"]["filename"] == "mittari.jpeg.png"  # the type comes from the content
    assert files["application/pdf"]["sizeBytes"] == len(pdf)

    for attachment, content in ((files["application/pdf"], pdf), (files["image/png"], png)):
        download = await client.get(attachment["url"])
        assert download.status_code == 200
        assert download.content == content
        assert download.headers["content-type"].startswith(attachment["contentType"])
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["cache-control"] == "private, no-store"

    # Matti (MESSAGES: READ_WRITE) sees the thread and downloads with his own URLs.
    async with other_client(runtime, "matti") as matti:
        threads = await threads_of(matti, customer)
        thread = next(
            e["node"]
            for e in threads.data["customer"]["messageThreads"]["edges"]
            if e["node"]["id"] == payload["thread"]["id"]
        )
        for attachment in thread["messages"][0]["attachments"]:
            download = await matti.get(attachment["url"])
            assert download.status_code == 200
            assert download.content in (pdf, png)
        # Maija's URL is bound to Maija.
        assert (await matti.get(files["application/pdf"]["url"])).status_code == 403

    # Liisa has no access to Maija: not through GraphQL, not with Maija's URL, not with her own.
    async with other_client(runtime, "liisa") as liisa:
        assert (await threads_of(liisa, customer)).codes() == ["NOT_FOUND"]
        assert (await liisa.get(files["image/png"]["url"])).status_code == 403
        [attachment_id] = await _attachment_ids(runtime, png)
        token = issue_file_token(
            runtime.signing_key, FileGrant("attachment", attachment_id, await user_id(runtime, "liisa"))
        )
        assert (await liisa.get(f"/files/{token}")).status_code == 403
        node = await gql(liisa, "query($id: ID!) { node(id: $id) { id } }", {"id": files["image/png"]["id"]})
        assert node.codes() == ["NOT_FOUND"]
    # Nobody signed in: no download either.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(runtime)), base_url="http://testserver"
    ) as anonymous:
        assert (await anonymous.get(files["image/png"]["url"])).status_code == 403


async def _attachment_ids(runtime, content: bytes) -> list[int]:
    import hashlib

    async with runtime.sessions() as db:
        rows = await db.execute(
            select(Attachment.id).where(Attachment.sha256 == hashlib.sha256(content).hexdigest())
        )
        return [r[0] for r in rows]


async def _refused(client, runtime, variables, files, **kwargs) -> httpx.Response:
    """Send, and check that nothing at all stayed behind."""
    rows_before, files_before = await message_rows(runtime), stored_files(runtime)
    response = await send_with_files(client, variables, files, **kwargs)
    assert await message_rows(runtime) == rows_before
    assert stored_files(runtime) == files_before
    return response


async def test_an_executable_renamed_pdf_is_refused_and_nothing_is_stored(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    response = await _refused(
        client,
        runtime,
        new_thread(customer),
        [("kuitti.pdf", unique_pdf(), "application/pdf"), ("lasku.pdf", ELF, "application/pdf")],
    )
    assert response.status_code == 200
    payload = response.json()["data"]["sendMessage"]
    assert payload["thread"] is None and payload["message"] is None
    assert payload["errors"] == [
        {
            "field": ["attachments", "1"],
            "code": "UNSUPPORTED_FILE_TYPE",
            "message": payload["errors"][0]["message"],
        }
    ]
    assert "PDF, PNG, JPEG, HEIC, TXT, DOCX" in payload["errors"][0]["message"]


async def test_a_sixth_file_is_refused_while_streaming(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    six = [(f"liite{i}.pdf", unique_pdf(str(i)), "application/pdf") for i in range(6)]
    response = await _refused(client, runtime, new_thread(customer), six, headers={"Accept-Language": "en"})
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "reason": "TOO_MANY_ATTACHMENTS",
        "requestId": response.headers["x-request-id"],
    }
    assert error["message"] == "A message can have at most 5 attachments."


async def test_six_references_to_one_file_are_refused_by_the_resolver(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    mapping = {"0": [f"variables.input.attachments.{i}" for i in range(6)]}
    response = await _refused(
        client, runtime, new_thread(customer), [("a.pdf", unique_pdf(), "application/pdf")], mapping=mapping
    )
    assert response.status_code == 200
    [error] = response.json()["data"]["sendMessage"]["errors"]
    assert error["code"] == "TOO_MANY_ATTACHMENTS" and error["field"] == ["attachments"]


async def test_an_11_mb_file_is_refused(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    big = unique_pdf() + b"0" * (11 * 1024 * 1024)
    response = await _refused(client, runtime, new_thread(customer), [("iso.pdf", big, "application/pdf")])
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"]["reason"] == "ATTACHMENT_TOO_LARGE"
    assert "10" in error["message"]


def _asgi_request(body_chunks, headers: list[tuple[bytes, bytes]], *, disconnect: bool = False):
    """An ASGI receive that hands out ``body_chunks`` (then maybe a disconnect), counting what it gave."""
    state = {"given": 0, "index": 0}

    async def receive():
        index = state["index"]
        state["index"] += 1
        if index < len(body_chunks):
            chunk = body_chunks[index]
            state["given"] += len(chunk)
            more = index < len(body_chunks) - 1 or disconnect
            return {"type": "http.request", "body": chunk, "more_body": more}
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    return scope, receive, state


async def _raw_multipart(client, runtime, files, *, cut_at: int | None = None, disconnect: bool = False):
    """Build a real multipart body with httpx, then play it to the app chunk by chunk."""
    customer = await customer_gid(runtime)
    data, file_parts = multipart_parts(SEND, new_thread(customer), files)
    request = client.build_request("POST", "/graphql", data=data, files=file_parts)
    body = request.read()
    if cut_at is not None:
        body = body[:cut_at]
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    headers = [
        (b"content-type", request.headers["content-type"].encode()),
        (b"apollo-require-preflight", b"true"),
        (b"cookie", cookie.encode()),
        (b"host", b"testserver"),
    ]
    scope, receive, state = _asgi_request(chunks, headers, disconnect=disconnect)
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    await build_app(runtime)(scope, receive, send)
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    body_out = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start, body_out, state, len(body)


async def test_a_large_file_is_refused_before_the_rest_of_the_body_is_read(client, runtime, restore) -> None:
    await login(client, "maija")
    rows_before, files_before = await message_rows(runtime), stored_files(runtime)
    big = unique_pdf() + b"1" * (20 * 1024 * 1024)
    start, body, state, total = await _raw_multipart(client, runtime, [("iso.pdf", big, "application/pdf")])
    assert start["status"] == 413
    assert json.loads(body)["errors"][0]["extensions"]["reason"] == "ATTACHMENT_TOO_LARGE"
    # Refused once the part passed 10 MB: the other half of the body was never read.
    assert state["given"] <= 10 * 1024 * 1024 + 2 * 65536 + 4096 < total
    assert await message_rows(runtime) == rows_before
    assert stored_files(runtime) == files_before


@pytest.mark.parametrize("disconnect", [False, True], ids=["body ends early", "client disconnects"])
async def test_an_upload_cut_off_midway_leaves_nothing(client, runtime, restore, disconnect) -> None:
    await login(client, "maija")
    rows_before, files_before = await message_rows(runtime), stored_files(runtime)
    files = [
        ("a.pdf", unique_pdf() + b"2" * 300_000, "application/pdf"),
        ("b.png", unique_png(), "image/png"),
    ]
    data, file_parts = multipart_parts(SEND, new_thread(await customer_gid(runtime)), files)
    full = len(client.build_request("POST", "/graphql", data=data, files=file_parts).read())
    start, body, _state, _ = await _raw_multipart(
        client, runtime, files, cut_at=full - 200, disconnect=disconnect
    )
    assert start is not None and start["status"] == 400
    assert json.loads(body)["errors"][0]["extensions"]["reason"] == "UPLOAD_INCOMPLETE"
    assert await message_rows(runtime) == rows_before
    assert stored_files(runtime) == files_before


async def test_a_multipart_request_without_the_preflight_header_is_refused(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    data, file_parts = multipart_parts(
        SEND, new_thread(customer), [("a.pdf", unique_pdf(), "application/pdf")]
    )
    rows_before = await message_rows(runtime)
    response = await client.post("/graphql", data=data, files=file_parts)
    assert response.status_code == 400
    assert await message_rows(runtime) == rows_before


async def test_a_database_failure_leaves_no_file_and_keeps_shared_ones(
    client, runtime, restore, monkeypatch
) -> None:
    """The files go in first; when the transaction then fails, the files it brought are removed,
    but a file that an existing attachment uses (the demo meter photo) stays."""
    import resolvers.messages

    async def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(resolvers.messages, "mark_read", broken)
    created: list[bool] = []
    put_file = runtime.files.put_file

    def spying_put_file(staged, key):
        created.append(put_file(staged, key))
        return created[-1]

    monkeypatch.setattr(runtime.files, "put_file", spying_put_file)
    await login(client, "maija")
    customer = await customer_gid(runtime)
    shared = meter_photo_png()
    assert len(await _attachment_ids(runtime, shared)) >= 1
    response = await _refused(
        client,
        runtime,
        new_thread(customer),
        [("uusi.pdf", unique_pdf(), "application/pdf"), ("mittari.png", shared, "image/png")],
    )
    assert created == [True, False]  # the new PDF was written (then removed); the photo existed
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert response.json()["data"] is None


async def test_replies_go_to_a_thread_of_the_same_customer_only(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    created = await gql(client, SEND, new_thread(customer, body="Ensimmäinen viesti"))
    thread = created.data["sendMessage"]["thread"]
    reply = await gql(
        client, SEND, {"input": {"customerId": customer, "threadId": thread["id"], "body": "Lisäys"}}
    )
    assert reply.data["sendMessage"]["errors"] == []
    assert reply.data["sendMessage"]["thread"]["id"] == thread["id"]
    kahvila_thread = await _kahvila_thread_id(runtime)
    other = await gql(
        client, SEND, {"input": {"customerId": customer, "threadId": kahvila_thread, "body": "x"}}
    )
    assert other.data["sendMessage"]["errors"][0]["field"] == ["threadId"]
    incomplete = await gql(client, SEND, {"input": {"customerId": customer, "body": "Ei aihetta"}})
    assert incomplete.data["sendMessage"]["errors"][0]["code"] == "INVALID_INPUT"
    empty = await gql(client, SEND, new_thread(customer, body="   "))
    assert empty.data["sendMessage"]["errors"][0]["field"] == ["body"]


async def _kahvila_thread_id(runtime) -> str:
    from domain.customers import Customer
    from domain.messages import MessageThread

    async with runtime.sessions() as db:
        thread_id = await db.scalar(
            select(MessageThread.id)
            .join(Customer, Customer.id == MessageThread.customer_id)
            .where(Customer.name.like("Kahvila%"))
        )
    return to_global_id("MessageThread", thread_id)


async def test_customer_service_replies_and_the_thread_is_answered_and_unread(
    client, runtime, restore
) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    sent = await send_with_files(
        client,
        new_thread(customer, subject="Mittarin lukema", body="Onko lukema oikein?"),
        [("kuva.png", unique_png(), "image/png")],
    )
    thread = sent.json()["data"]["sendMessage"]["thread"]
    async with other_client(runtime, "asiakaspalvelu") as staff:
        queue = await gql(staff, AWAITING, {"first": 100})
        assert queue.errors == []
        waiting = {e["node"]["id"]: e["node"] for e in queue.data["threadsAwaitingReply"]["edges"]}
        assert thread["id"] in waiting
        mine = waiting[thread["id"]]
        assert mine["customer"]["name"] == "Maija Meikäläinen" and mine["unreadCount"] == 1
        # Customer service downloads the attachment of the thread it answers (and that is on record).
        assert (await staff.get(mine["messages"][0]["attachments"][0]["url"])).status_code == 200
        answer = await gql(staff, REPLY, {"input": {"threadId": thread["id"], "body": "Lukema on oikein."}})
        assert answer.data["replyToThread"]["errors"] == []
        assert answer.data["replyToThread"]["message"]["sender"]["kind"] == "CUSTOMER_SERVICE"
        queue = await gql(staff, AWAITING, {"first": 100})
        assert thread["id"] not in {e["node"]["id"] for e in queue.data["threadsAwaitingReply"]["edges"]}
        # Customer service cannot use the customer-side write.
        denied = await gql(staff, SEND, new_thread(customer))
        assert denied.data is None and denied.codes() == ["NOT_FOUND"]

    after = await threads_of(client, customer)
    node = next(
        e["node"]
        for e in after.data["customer"]["messageThreads"]["edges"]
        if e["node"]["id"] == thread["id"]
    )
    assert node["status"] == "ANSWERED" and node["unreadCount"] == 1
    assert after.data["customer"]["messageThreads"]["edges"][0]["node"]["id"] == thread["id"]

    # Matti has his own read marker: the answer is unread for him too, until he reads it.
    async with other_client(runtime, "matti") as matti:
        marked = await gql(matti, MARK_READ, {"input": {"threadId": thread["id"]}})
        assert marked.data["markThreadRead"]["thread"]["unreadCount"] == 0
    node = next(
        e["node"]
        for e in (await threads_of(client, customer)).data["customer"]["messageThreads"]["edges"]
        if e["node"]["id"] == thread["id"]
    )
    assert node["unreadCount"] == 1
    marked = await gql(client, MARK_READ, {"input": {"threadId": thread["id"]}})
    assert marked.data["markThreadRead"] == {"thread": {"id": thread["id"], "unreadCount": 0}, "errors": []}

    # A reply of Maija's makes the thread wait for customer service again; closing ends it.
    again = await gql(
        client, SEND, {"input": {"customerId": customer, "threadId": thread["id"], "body": "Kiitos!"}}
    )
    assert again.data["sendMessage"]["thread"]["status"] == "OPEN"
    async with other_client(runtime, "asiakaspalvelu") as staff:
        closed = await gql(
            staff, REPLY, {"input": {"threadId": thread["id"], "body": "Suljetaan.", "close": True}}
        )
        assert closed.data["replyToThread"]["errors"] == []
    refused = await gql(
        client, SEND, {"input": {"customerId": customer, "threadId": thread["id"], "body": "Vielä"}}
    )
    assert refused.data["sendMessage"]["errors"][0]["code"] == "THREAD_CLOSED"


async def test_only_customer_service_replies_and_sees_the_queue(client, runtime) -> None:
    await login(client, "maija")
    thread = to_global_id("MessageThread", 1)
    assert (await gql(client, REPLY, {"input": {"threadId": thread, "body": "x"}})).codes() == ["FORBIDDEN"]
    queue = await gql(client, AWAITING, {})
    assert queue.data["threadsAwaitingReply"] is None and queue.codes() == ["FORBIDDEN"]


async def test_a_delegates_writes_are_audited_and_stay_in_their_sections(client, runtime, restore) -> None:
    customer = await customer_gid(runtime)
    await login(client, "matti")
    sent = await gql(client, SEND, new_thread(customer, body="Kirjoitan Maijan puolesta."))
    assert sent.data["sendMessage"]["errors"] == []
    assert sent.data["sendMessage"]["message"]["sender"] == {"kind": "CUSTOMER", "name": "Matti Meikäläinen"}
    matti_id = await user_id(runtime, "matti")
    async with runtime.sessions() as db:
        events = (
            (
                await db.execute(
                    select(AuditEvent)
                    .where(AuditEvent.actor_user_id == matti_id, AuditEvent.action == "message.sent")
                    .order_by(AuditEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert events and events[-1].details["relationship"] == "DELEGATE"
    # Matti's READ on INVOICES does not extend to MY_INFORMATION, and READ never writes.
    denied = await gql(
        client, operation("UpdateMessagingSettings"), {"input": {"customerId": customer, "offers": True}}
    )
    assert denied.data is None and denied.codes() == ["FORBIDDEN"]


async def test_a_read_only_delegate_cannot_send_or_mark_read(client, runtime, restore) -> None:
    """Revoke Matti's MESSAGES write for one test by downgrading his grant, then put it back."""
    from domain.customers import AccessGrant

    customer = await customer_gid(runtime)
    async with runtime.sessions() as db, db.begin():
        grant = await db.get(AccessGrant, await matti_demo_grant_id(runtime))
        before = dict(grant.permissions)
        grant.permissions = {**before, "MESSAGES": "READ"}
    try:
        await login(client, "matti")
        assert (await threads_of(client, customer)).errors == []
        denied = await gql(client, SEND, new_thread(customer))
        assert denied.data is None and denied.codes() == ["FORBIDDEN"]
        thread = to_global_id("MessageThread", await _maija_thread(runtime))
        assert (await gql(client, MARK_READ, {"input": {"threadId": thread}})).codes() == ["FORBIDDEN"]
    finally:
        async with runtime.sessions() as db, db.begin():
            grant = await db.get(AccessGrant, grant.id)
            grant.permissions = before


async def _maija_thread(runtime) -> int:
    from domain.customers import Customer
    from domain.messages import MessageThread

    async with runtime.sessions() as db:
        return int(
            await db.scalar(
                select(MessageThread.id)
                .join(Customer, Customer.id == MessageThread.customer_id)
                .where(Customer.customer_number == "2100458")
                .order_by(MessageThread.id)
            )
        )


async def test_threads_messages_and_attachments_are_nodes_under_the_same_rules(client, runtime) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    threads = (await threads_of(client, customer)).data["customer"]["messageThreads"]["edges"]
    answered = next(e["node"] for e in threads if e["node"]["messages"][0]["attachments"])
    message = answered["messages"][0]
    attachment = message["attachments"][0]
    query = (
        "query($id: ID!) { node(id: $id) { id ... on MessageThread { subject } ... on Message { body } "
        "... on Attachment { filename } } }"
    )
    for gid in (answered["id"], message["id"], attachment["id"]):
        assert (await gql(client, query, {"id": gid})).data["node"]["id"] == gid
    await gql(client, "mutation { logout { errors { code } } }")
    await login(client, "kahvila")
    for gid in (answered["id"], message["id"], attachment["id"]):
        result = await gql(client, query, {"id": gid})
        assert result.data["node"] is None and result.codes() == ["NOT_FOUND"]


async def test_message_threads_statements_do_not_grow_with_threads(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    query, variables = operation("MessageThreads"), {"customerId": customer, "first": 50}

    async def statements() -> int:
        with count_statements(runtime) as seen:
            result = await gql(client, query, variables)
        assert result.errors == []
        return len(seen)

    before = await statements()
    for i in range(3):
        response = await send_with_files(
            client, new_thread(customer, subject=f"Aihe {i}"), [("a.pdf", unique_pdf(), "application/pdf")]
        )
        assert response.json()["data"]["sendMessage"]["errors"] == []
    assert await statements() == before
    assert before <= 10


async def test_attachments_must_be_uploaded_files(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    rows_before = await message_rows(runtime)
    result = await gql(client, SEND, new_thread(customer, attachments=["not a file"]))
    assert result.data is None and result.codes() == ["BAD_USER_INPUT"]
    assert await message_rows(runtime) == rows_before
