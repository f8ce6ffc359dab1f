"""Shared helpers of the messaging tests: multipart uploads, demo ids, and restoring the demo data."""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, select

from domain.messages import Attachment, Message, MessageThread, ThreadReadMarker
from resolvers.ids import to_global_id
from tests.conftest import GraphQLResult, gql

MAIJA_NUMBER = "2100458"

SEND = """mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) {
    thread { id subject status lastMessageAt unreadCount }
    message { id body sentAt sender { kind name } attachments { id filename contentType sizeBytes url } }
    errors { field code message }
  }
}"""


def unique_pdf(label: str = "") -> bytes:
    """A small PDF whose content (and so hash) no other test produces."""
    marker = f"{label} {uuid.uuid4()}".encode()
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n% " + marker + b"\n%%EOF\n"


def unique_png() -> bytes:
    """A valid 1×1 PNG with a random colour and a random text chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    pixel = uuid.uuid4().bytes[:3]
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + uuid.uuid4().hex.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00" + pixel))
        + chunk(b"IEND", b"")
    )


def multipart_parts(
    query: str, variables: dict[str, Any], files: list[tuple[str, bytes, str]], *, mapping: dict | None = None
) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """The form fields and files of a GraphQL multipart request (spec order: operations, map, files)."""
    variables = json.loads(json.dumps(variables))
    if mapping is None:
        mapping = {str(i): [f"variables.input.attachments.{i}"] for i in range(len(files))}
    variables["input"]["attachments"] = [None] * sum(len(paths) for paths in mapping.values())
    data = {"operations": json.dumps({"query": query, "variables": variables}), "map": json.dumps(mapping)}
    return data, {str(i): file for i, file in enumerate(files)}


async def send_with_files(
    client: httpx.AsyncClient,
    variables: dict[str, Any],
    files: list[tuple[str, bytes, str]],
    *,
    query: str = SEND,
    mapping: dict | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST ``sendMessage`` as a real multipart request with the Apollo preflight header."""
    data, file_parts = multipart_parts(query, variables, files, mapping=mapping)
    return await client.post(
        "/graphql",
        data=data,
        files=file_parts,
        headers={"Apollo-Require-Preflight": "true", **(headers or {})},
    )


async def customer_gid(runtime, number: str = MAIJA_NUMBER) -> str:
    from domain.customers import Customer

    async with runtime.sessions() as db:
        customer_id = await db.scalar(select(Customer.id).where(Customer.customer_number == number))
    return to_global_id("Customer", customer_id)


async def user_id(runtime, username: str) -> int:
    from domain.users import User

    async with runtime.sessions() as db:
        return int(await db.scalar(select(User.id).where(User.username_key == username)))


def stored_files(runtime) -> set[str]:
    """Every file under the file store (attachments and staging), relative to it."""
    root: Path = runtime.files.root
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


async def message_rows(runtime) -> tuple[int, int, int]:
    """How many threads, messages and attachments exist."""
    async with runtime.sessions() as db:
        return (
            int(await db.scalar(select(func.count()).select_from(MessageThread))),
            int(await db.scalar(select(func.count()).select_from(Message))),
            int(await db.scalar(select(func.count()).select_from(Attachment))),
        )


async def restored_messages(runtime) -> AsyncIterator[None]:
    """Put the message tables and the file store back as they were (for a fixture)."""
    files_before = stored_files(runtime)
    async with runtime.sessions() as db:
        max_thread = int(await db.scalar(select(func.max(MessageThread.id))) or 0)
        max_message = int(await db.scalar(select(func.max(Message.id))) or 0)
        threads = {
            t.id: (t.status, t.last_message_at) for t in (await db.execute(select(MessageThread))).scalars()
        }
        markers = {
            (m.thread_id, m.user_id): m.read_until
            for m in (await db.execute(select(ThreadReadMarker))).scalars()
        }
    yield
    async with runtime.sessions() as db, db.begin():
        await db.execute(delete(Attachment).where(Attachment.message_id > max_message))
        await db.execute(delete(ThreadReadMarker).where(ThreadReadMarker.thread_id > max_thread))
        await db.execute(delete(Message).where(Message.id > max_message))
        await db.execute(delete(MessageThread).where(MessageThread.id > max_thread))
        for thread in (await db.execute(select(MessageThread))).scalars():
            thread.status, thread.last_message_at = threads[thread.id]
        for marker in (await db.execute(select(ThreadReadMarker))).scalars():
            key = (marker.thread_id, marker.user_id)
            if key in markers:
                marker.read_until = markers[key]
            else:
                await db.delete(marker)
    for name in stored_files(runtime) - files_before:
        (runtime.files.root / name).unlink(missing_ok=True)


async def threads_of(client: httpx.AsyncClient, customer: str, first: int = 50) -> GraphQLResult:
    from tests.conftest import operation

    return await gql(client, operation("MessageThreads"), {"customerId": customer, "first": first})


async def matti_demo_grant_id(runtime) -> int:
    """The demo grant that makes Matti Maija's delegate (other tests may add grants of their own)."""
    from domain.customers import AccessGrant, Customer, GrantKind, GrantStatus

    matti = await user_id(runtime, "matti")
    async with runtime.sessions() as db:
        return int(
            await db.scalar(
                select(AccessGrant.id)
                .join(Customer, Customer.id == AccessGrant.customer_id)
                .where(
                    Customer.customer_number == MAIJA_NUMBER,
                    AccessGrant.grantee_user_id == matti,
                    AccessGrant.kind == GrantKind.DELEGATE,
                    AccessGrant.status == GrantStatus.ACTIVE,
                )
                .order_by(AccessGrant.id)
                .limit(1)
            )
        )
