"""Message threads ("Contact us", SPEC 8): the lists, sending with attachments, replies by staff.

Sending a message is all or nothing:

1. access (``READ_WRITE`` on ``MESSAGES``) and the input are checked before any file is read,
   then the customer's write quotas (``auth.quotas``) are taken: one message, one new thread
   if it is one, and a check of the attachment sizes the multipart parser counted against
   the customer's daily bytes;
2. every upload is streamed in chunks into a staging file of the file store while its size
   is counted (more than ``MAX_ATTACHMENT_BYTES`` stops the reading at once) and its
   SHA-256 computed; its type is then decided from its content and its name sanitised
   (``resolvers.attachments``);
3. the staged sizes are taken from the daily bytes quota, the staged files are moved into
   the content-addressed store, and the thread, message, attachment rows, read marker and
   audit event are written in one transaction;
4. on any failure (a refused file, a database error, a cancelled request) the staging
   files are removed, and so is every blob that step 3 created unless an attachment row
   (of another message) uses the same content or another upload of it stored it again
   meanwhile (``FilesystemStore.discard_new``); when the database cannot be asked (an
   outage), the blobs stay and the file sweeper (``domain.file_sweep.sweep_store``) removes them;
   the quota taken is given back.

A message is never committed before its files exist, and a refused message leaves no
file. Staff (customer service) reads threads through ``threads_awaiting_reply`` and
answers with ``reply_to_thread``; its answer makes the thread ``ANSWERED`` (or
``CLOSED``) and unread for the customer-side users until each of them reads it.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auth.access import CustomerAccess
from auth.quotas import Claim, add_attachment_bytes, claim_message, claim_staff_reply
from domain.access_log import ActorRole, role_of
from domain.attachments import MAX_ATTACHMENTS
from domain.audit import record_event
from domain.base import AccessLevel, Language, Section, utcnow
from domain.customers import Customer, CustomerKind
from domain.messages import (
    MAX_BODY_LENGTH,
    MAX_SUBJECT_LENGTH,
    Attachment,
    Message,
    MessageCategory,
    MessageThread,
    SenderKind,
    ThreadPageKey,
    ThreadStatus,
    awaiting_reply_page,
    mark_read,
    status_after,
)
from domain.notifications import NotificationKind, notify
from domain.session import transaction
from domain.texts import text
from domain.users import User, display_name
from resolvers.access import record_write, require_section_write
from resolvers.attachments import StagedFile, UploadedFile, discard, file_store, remove_orphans, stage_all
from resolvers.auth import FieldError, Refused, field_error, quota_refused
from resolvers.context import Context
from resolvers.errors import bad_input, not_found, staff_only
from resolvers.events import publish_message
from resolvers.ids import pk_of
from resolvers.pagination import page_size

# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def encode_thread_cursor(at: datetime, pk: int) -> str:
    """An opaque cursor holding a thread's sort key (its last activity and id)."""
    raw = json.dumps([at.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_thread_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The sort key in a cursor; a malformed cursor is bad input."""
    if cursor is None:
        return None
    try:
        if len(cursor) > 120:
            raise ValueError
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(value)
        if at.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError
    except (ValueError, TypeError, json.JSONDecodeError):
        raise bad_input("errors.bad_cursor") from None
    return at, pk


@dataclass(frozen=True)
class ThreadPage:
    """A page of threads with their cursors; ``customer_id`` None for the staff queue."""

    rows: Sequence[tuple[str, MessageThread]]
    has_next_page: bool
    customer_id: int | None
    total: int | None = None

    @property
    def end_cursor(self) -> str | None:
        return self.rows[-1][0] if self.rows else None


def _page(rows: Sequence[MessageThread], first: int, **extra: Any) -> ThreadPage:
    shown = rows[:first]
    return ThreadPage(
        rows=[(encode_thread_cursor(t.last_message_at, t.id or 0), t) for t in shown],
        has_next_page=len(rows) > first,
        **extra,
    )


async def customer_threads(
    ctx: Context, customer_id: int, first: int | None, after: str | None
) -> ThreadPage:
    """A page of the customer's threads, newest activity first (the field is guarded)."""
    size = page_size(first)
    key = ThreadPageKey(customer_id=customer_id, first=size, after=decode_thread_cursor(after))
    rows = await ctx.loaders.message_thread_page.load(key)
    return _page(rows, size, customer_id=customer_id)


async def thread_count(ctx: Context, page: ThreadPage) -> int:
    """``totalCount`` of a thread list."""
    if page.customer_id is None:
        return page.total or 0
    return await ctx.loaders.message_thread_count.load(page.customer_id)


def require_staff(ctx: Context) -> int:
    """The staff user's id; ``UNAUTHENTICATED`` / ``FORBIDDEN`` for anyone else."""
    principal = ctx.require_principal()
    if not principal.is_staff:
        raise staff_only()
    return principal.user_id


async def threads_awaiting_reply(ctx: Context, first: int | None, after: str | None) -> ThreadPage:
    """Customer service's queue: threads whose last message is the customer's, longest waiting first."""
    require_staff(ctx)
    size = page_size(first)
    async with ctx.sessions() as db:
        rows, total = await awaiting_reply_page(db, size, decode_thread_cursor(after))
    return _page(rows, size, customer_id=None, total=total)


def sender_role(row: Message) -> ActorRole:
    """In what capacity the message was written (older messages: customer service by their
    kind, anyone else as the customer's side, ``OWNER``)."""
    if row.sender_kind is SenderKind.CUSTOMER_SERVICE:
        return ActorRole.CUSTOMER_SERVICE
    return ActorRole(row.sender_role) if row.sender_role in ActorRole.__members__ else ActorRole.OWNER


def sender_display_name(row: Message, language: Language) -> str:
    """Customer service answers as the service (in the viewer's language), customers by name."""
    if row.sender_kind is SenderKind.CUSTOMER_SERVICE:
        return text("messaging.customer_service", language)
    return row.sender_name


async def thread_of_viewer(ctx: Context, thread_id: int) -> MessageThread:
    """A thread the viewer may read (``MESSAGES`` read access, or staff); ``NOT_FOUND`` otherwise."""
    principal = ctx.require_principal()
    thread = await ctx.loaders.message_thread_by_id.load(thread_id)
    if thread is None:
        raise not_found()
    if principal.is_staff:
        return thread
    access = await ctx.loaders.access_by_customer_id.load(thread.customer_id)
    if access is None or not access.allows(Section.MESSAGES, AccessLevel.READ):
        raise not_found()
    return thread


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


@dataclass
class MessageResult:
    """Outcome of sending or replying: the thread and message, or the reasons nothing changed."""

    thread: MessageThread | None = None
    message: Message | None = None
    errors: list[FieldError] = field(default_factory=list)


def _check_text(ctx: Context, value: str | None, name: str, limit: int) -> tuple[str, list[FieldError]]:
    stripped = (value or "").strip()
    if not stripped:
        return stripped, [field_error(ctx.language, [name], "INVALID_INPUT", "input.required")]
    if len(stripped) > limit:
        return stripped, [field_error(ctx.language, [name], "INVALID_INPUT", "input.too_long", max=limit)]
    return stripped, []


async def _sender_name(db: Any, ctx: Context, access: CustomerAccess) -> str:
    """The owner of a person customer writes under the customer's name, anyone else under
    their own name (their username when the name is not known)."""
    assert ctx.principal is not None
    if access.is_owner:
        customer = await db.get(Customer, access.customer_id)
        if customer is not None and customer.kind is CustomerKind.PERSON:
            return customer.name
    user = await db.get(User, ctx.principal.user_id)
    return display_name(user) if user is not None else ""


@dataclass(frozen=True)
class _Outgoing:
    """The checked input of ``send_message``: what is written, and where."""

    customer_id: int
    #: The thread replied in; ``None`` for a new thread.
    thread_id: int | None
    #: The new thread's subject and category (empty and ``None`` for a reply).
    title: str
    category: MessageCategory | None
    text: str


async def send_message(
    ctx: Context,
    customer_gid: str,
    *,
    thread_gid: str | None,
    subject: str | None,
    category: MessageCategory | None,
    body: str,
    uploads: Sequence[UploadedFile],
) -> MessageResult:
    """A new thread (subject and category needed) or a reply in a thread of the same customer,
    within the customer's write quotas (``auth.quotas``)."""
    ctx.require_principal()
    customer_id = pk_of(customer_gid, "Customer")
    if customer_id is None:
        raise not_found()
    access = await require_section_write(ctx, customer_id, Section.MESSAGES)
    checked, errors = _check_text(ctx, body, "body", MAX_BODY_LENGTH)
    thread_id: int | None = None
    title = ""
    if thread_gid is not None:
        thread_id = await _check_reply_thread(ctx, customer_id, thread_gid, errors)
    else:
        title = _check_new_thread(ctx, subject, category, errors)
    if len(uploads) > MAX_ATTACHMENTS:
        code, limit = "TOO_MANY_ATTACHMENTS", MAX_ATTACHMENTS
        errors.append(field_error(ctx.language, ["attachments"], code, "attachment.too_many", max=limit))
    if errors:
        return MessageResult(errors=errors)
    outgoing = _Outgoing(customer_id, thread_id, title, category, checked)
    quota = await claim_message(
        ctx.limiter, customer_id, new_thread=thread_id is None, declared_bytes=_declared_size(uploads)
    )
    if quota.refusal is not None:
        return MessageResult(errors=[quota_refused(ctx, quota.refusal)])
    async with quota:  # given back unless the message commits
        result = await _write_message(ctx, quota, access, outgoing, uploads)
        if not result.errors:
            quota.keep()
            await publish_message(ctx, result.thread, result.message, "NEW_MESSAGE")
    return result


async def _check_reply_thread(
    ctx: Context, customer_id: int, thread_gid: str, errors: list[FieldError]
) -> int | None:
    """The id of the thread replied in; adds an error unless it is an open thread of the customer."""
    thread_id = pk_of(thread_gid, "MessageThread")
    existing = await ctx.loaders.message_thread_by_id.load(thread_id) if thread_id else None
    if existing is None or existing.customer_id != customer_id:
        errors.append(field_error(ctx.language, ["threadId"], "INVALID_INPUT", "messaging.no_thread"))
    elif existing.status is ThreadStatus.CLOSED:
        errors.append(field_error(ctx.language, ["threadId"], "THREAD_CLOSED", "messaging.thread_closed"))
    return thread_id


def _check_new_thread(
    ctx: Context, subject: str | None, category: MessageCategory | None, errors: list[FieldError]
) -> str:
    """The new thread's subject; adds an error when the subject or the category is missing or
    the subject too long."""
    if not (subject or "").strip() or category is None:
        missing = "subject" if not (subject or "").strip() else "category"
        errors.append(field_error(ctx.language, [missing], "INVALID_INPUT", "messaging.new_thread_fields"))
        return ""
    title, subject_errors = _check_text(ctx, subject, "subject", MAX_SUBJECT_LENGTH)
    errors.extend(subject_errors)
    return title


def _declared_size(uploads: Sequence[UploadedFile]) -> int:
    """The bytes of the uploads as the multipart parser counted them (0 where unknown)."""
    return sum(getattr(upload, "size", None) or 0 for upload in uploads)


async def _write_message(
    ctx: Context,
    quota: Claim,
    access: CustomerAccess,
    outgoing: _Outgoing,
    uploads: Sequence[UploadedFile],
) -> MessageResult:
    """The all-or-nothing part of ``send_message``: stage the files, take their bytes
    into the message's quota ``quota``, store them and commit the message."""
    store = file_store(ctx)
    staged, errors = await stage_all(ctx, store, uploads)
    if errors:
        return MessageResult(errors=errors)

    created: list[str] = []
    try:
        if not await add_attachment_bytes(quota, outgoing.customer_id, sum(item.size for item in staged)):
            assert quota.refusal is not None
            raise Refused(quota_refused(ctx, quota.refusal))
        for item in staged:
            if await asyncio.to_thread(store.put_file, item.path, item.sha256):
                created.append(item.sha256)
        async with transaction(ctx.sessions) as db:
            thread = await _thread_to_write_in(db, ctx, outgoing)
            row = await _insert_message(db, ctx, access, thread, outgoing, staged)
    except Refused as refused:
        await remove_orphans(ctx, store, created)
        return MessageResult(errors=[refused.error])
    except BaseException:
        await asyncio.shield(remove_orphans(ctx, store, created))
        raise
    finally:
        discard(staged)
    return MessageResult(thread=thread, message=row)


async def _thread_to_write_in(db: Any, ctx: Context, outgoing: _Outgoing) -> MessageThread:
    """The new thread (added), or the thread replied in, locked and still open, with its last
    activity moved to now; its status as the customer's message makes it."""
    now = utcnow()
    if outgoing.thread_id is None:
        assert outgoing.category is not None
        thread = MessageThread(
            customer_id=outgoing.customer_id,
            subject=outgoing.title,
            category=outgoing.category,
            created_at=now,
            last_message_at=now,
        )
        db.add(thread)
        await db.flush()
    else:
        thread = await db.get(MessageThread, outgoing.thread_id, with_for_update=True)
        if (
            thread is None
            or thread.customer_id != outgoing.customer_id
            or thread.status is ThreadStatus.CLOSED
        ):
            raise Refused(field_error(ctx.language, ["threadId"], "THREAD_CLOSED", "messaging.thread_closed"))
        thread.last_message_at = max(now, thread.last_message_at)
    thread.status = status_after(thread, SenderKind.CUSTOMER)
    return thread


async def _insert_message(
    db: Any,
    ctx: Context,
    access: CustomerAccess,
    thread: MessageThread,
    outgoing: _Outgoing,
    staged: Sequence[StagedFile],
) -> Message:
    """The message with its attachment rows, the sender's read marker and the audit event."""
    principal = ctx.require_principal()
    row = Message(
        thread_id=thread.id or 0,
        body=outgoing.text,
        sent_at=thread.last_message_at,
        sender_kind=SenderKind.CUSTOMER,
        sender_user_id=principal.user_id,
        sender_name=await _sender_name(db, ctx, access),
        sender_role=role_of(access.relationship.value, staff=False).value,
    )
    db.add(row)
    await db.flush()
    for item in staged:
        db.add(
            Attachment(
                message_id=row.id or 0,
                filename=item.filename,
                content_type=item.content_type,
                size_bytes=item.size,
                sha256=item.sha256,
            )
        )
    await mark_read(db, thread.id or 0, principal.user_id, row.sent_at)
    record_write(
        db,
        ctx,
        access,
        "message.sent",
        threadId=thread.id,
        messageId=row.id,
        attachments=len(staged) or None,
        newThread=True if outgoing.thread_id is None else None,
    )
    return row


async def mark_thread_read(ctx: Context, thread_gid: str) -> MessageThread:
    """Everything in the thread up to its last message is read for the viewer."""
    principal = ctx.require_principal()
    thread_id = pk_of(thread_gid, "MessageThread")
    thread = await ctx.loaders.message_thread_by_id.load(thread_id) if thread_id else None
    if thread is None:
        raise not_found()
    access = await require_section_write(ctx, thread.customer_id, Section.MESSAGES)
    async with transaction(ctx.sessions) as db:
        await mark_read(db, thread.id or 0, principal.user_id, thread.last_message_at)
        record_write(db, ctx, access, "message_thread.marked_read", threadId=thread.id)
    return thread


async def reply_to_thread(ctx: Context, thread_gid: str, body: str, *, close: bool) -> MessageResult:
    """Customer service answers a thread (``ANSWERED``), or answers and closes it (``CLOSED``)."""
    staff_id = require_staff(ctx)
    thread_id = pk_of(thread_gid, "MessageThread")
    checked, errors = _check_text(ctx, body, "body", MAX_BODY_LENGTH)
    if thread_id is None:
        errors.insert(0, field_error(ctx.language, ["threadId"], "INVALID_INPUT", "messaging.no_thread"))
    if errors or thread_id is None:
        return MessageResult(errors=errors)
    quota = await claim_staff_reply(ctx.limiter, staff_id)
    if quota.refusal is not None:
        return MessageResult(errors=[quota_refused(ctx, quota.refusal)])
    async with quota:  # given back unless the reply commits
        result = await _write_reply(ctx, staff_id, thread_id, checked, close=close)
        if not result.errors:
            quota.keep()
            await publish_message(ctx, result.thread, result.message, "REPLY")
    return result


async def _write_reply(
    ctx: Context, staff_id: int, thread_id: int, body: str, *, close: bool
) -> MessageResult:
    """The transaction of ``reply_to_thread``."""
    async with transaction(ctx.sessions) as db:
        thread = await db.get(MessageThread, thread_id, with_for_update=True)
        if thread is None:
            return MessageResult(
                errors=[field_error(ctx.language, ["threadId"], "INVALID_INPUT", "messaging.no_thread")]
            )
        now = max(utcnow(), thread.last_message_at)
        thread.last_message_at = now
        thread.status = status_after(thread, SenderKind.CUSTOMER_SERVICE, close=close)
        row = Message(
            thread_id=thread.id or 0,
            body=body,
            sent_at=now,
            sender_kind=SenderKind.CUSTOMER_SERVICE,
            sender_user_id=staff_id,
            sender_name=text("messaging.customer_service", Language.FI),
            sender_role=ActorRole.CUSTOMER_SERVICE.value,
        )
        db.add(row)
        await db.flush()
        await mark_read(db, thread.id or 0, staff_id, now)
        record_event(
            db,
            "message_thread.replied",
            actor_user_id=staff_id,
            customer_id=thread.customer_id,
            threadId=thread.id,
            messageId=row.id,
            closed=True if close else None,
        )
        await notify(
            db,
            thread.customer_id,
            NotificationKind.REPLY,
            link=f"{ctx.rules.web_app_origin.rstrip('/')}/messages",
            meta={"threadId": thread.id, "messageId": row.id},
            subject=thread.subject,
        )
    return MessageResult(thread=thread, message=row)
