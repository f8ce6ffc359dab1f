"""Message threads with customer service ("Contact us"), messages and attachments (SPEC 8)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import Field, SQLModel

from domain.base import StrEnum, UTCDateTime, enum_field, utcnow


class MessageCategory(StrEnum):
    """What a thread is about."""

    INVOICING = "INVOICING"
    CONTRACTS = "CONTRACTS"
    CONSUMPTION = "CONSUMPTION"
    MOVING = "MOVING"
    FEEDBACK = "FEEDBACK"
    OTHER = "OTHER"


class ThreadStatus(StrEnum):
    """Where a thread stands."""

    OPEN = "OPEN"
    ANSWERED = "ANSWERED"
    CLOSED = "CLOSED"


class SenderKind(StrEnum):
    """Which side sent a message."""

    CUSTOMER = "CUSTOMER"
    CUSTOMER_SERVICE = "CUSTOMER_SERVICE"


class MessageThread(SQLModel, table=True):
    """A conversation between a customer and customer service."""

    __tablename__ = "message_threads"
    __table_args__ = (
        Index("ix_message_threads_customer_order", "customer_id", "last_message_at", "id"),
        Index("ix_message_threads_status", "status", "last_message_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    subject: str = Field(max_length=200)
    category: MessageCategory = enum_field(MessageCategory)
    status: ThreadStatus = enum_field(ThreadStatus, ThreadStatus.OPEN)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_message_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Message(SQLModel, table=True):
    """One message in a thread."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread", "thread_id", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="message_threads.id")
    body: str
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sender_kind: SenderKind = enum_field(SenderKind)
    sender_user_id: int | None = Field(default=None, foreign_key="users.id")
    sender_name: str = Field(max_length=200)
    #: In what capacity the sender wrote (``domain.access_log.ActorRole``); None for
    #: messages written before it was recorded.
    sender_role: str | None = Field(default=None, max_length=32)


class Attachment(SQLModel, table=True):
    """A file attached to a message, kept in file storage under its content hash."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_message", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="messages.id")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size_bytes: int
    sha256: str = Field(max_length=64)


class ThreadReadMarker(SQLModel, table=True):
    """Until when a user has read a thread; later messages from the other side are unread."""

    __tablename__ = "thread_read_markers"

    thread_id: int = Field(foreign_key="message_threads.id", primary_key=True)
    user_id: int = Field(foreign_key="users.id", primary_key=True)
    read_until: datetime = Field(sa_type=UTCDateTime)


#: Longest subject and body accepted from either side.
MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 10_000


def other_side(sender: SenderKind) -> SenderKind:
    """The side whose messages are unread for a viewer on ``sender``'s side."""
    return SenderKind.CUSTOMER_SERVICE if sender is SenderKind.CUSTOMER else SenderKind.CUSTOMER


def status_after(thread: MessageThread, sender: SenderKind, *, close: bool = False) -> ThreadStatus:
    """A thread's status after a message: a customer's makes it ``OPEN`` (waiting for an
    answer), customer service's ``ANSWERED`` (or ``CLOSED`` when it closes the thread)."""
    if sender is SenderKind.CUSTOMER:
        return ThreadStatus.OPEN
    return ThreadStatus.CLOSED if close else ThreadStatus.ANSWERED


@dataclass(frozen=True)
class ThreadPageKey:
    """One page of one customer's threads, newest activity first."""

    customer_id: int
    first: int
    #: ``(last_message_at, id)`` of the row after which the page starts.
    after: tuple[datetime, int] | None


async def thread_pages(db: AsyncSession, keys: Sequence[ThreadPageKey]) -> list[list[MessageThread]]:
    """For each key up to ``first + 1`` threads (the extra one means another page).

    Keys that share their size and position run as one windowed query, so the number of
    statements does not grow with the number of customers or threads.
    """
    groups: dict[tuple[int, tuple[datetime, int] | None], list[ThreadPageKey]] = defaultdict(list)
    for key in keys:
        groups[(key.first, key.after)].append(key)
    found: dict[ThreadPageKey, list[MessageThread]] = {}
    for (first, after), group in groups.items():
        if first == 0:
            found.update({k: [] for k in group})
            continue
        conditions = [MessageThread.customer_id.in_(sorted({k.customer_id for k in group}))]
        if after is not None:
            at, pk = after
            conditions.append(
                or_(
                    MessageThread.last_message_at < at,
                    and_(MessageThread.last_message_at == at, MessageThread.id < pk),
                )
            )
        rn = (
            func.row_number()
            .over(
                partition_by=MessageThread.customer_id,
                order_by=(MessageThread.last_message_at.desc(), MessageThread.id.desc()),
            )
            .label("rn")
        )
        inner = select(MessageThread, rn).where(*conditions).subquery()
        row = aliased(MessageThread, inner)
        rows = (
            (
                await db.execute(
                    select(row).where(inner.c.rn <= first + 1).order_by(inner.c.customer_id, inner.c.rn)
                )
            )
            .scalars()
            .all()
        )
        per_customer: dict[int, list[MessageThread]] = defaultdict(list)
        for thread in rows:
            per_customer[thread.customer_id].append(thread)
        for key in group:
            found[key] = per_customer.get(key.customer_id, [])
    return [found[k] for k in keys]


async def thread_counts(db: AsyncSession, customer_ids: Sequence[int]) -> list[int]:
    """How many threads each customer has."""
    result = await db.execute(
        select(MessageThread.customer_id, func.count())
        .where(MessageThread.customer_id.in_(sorted(set(customer_ids))))
        .group_by(MessageThread.customer_id)
    )
    counts = {key: count for key, count in result.all()}
    return [counts.get(cid, 0) for cid in customer_ids]


async def awaiting_reply_page(
    db: AsyncSession, first: int, after: tuple[datetime, int] | None
) -> tuple[list[MessageThread], int]:
    """Threads waiting for customer service (``OPEN``), longest waiting first, and their count."""
    conditions = [MessageThread.status == ThreadStatus.OPEN]
    total = await db.scalar(select(func.count()).select_from(MessageThread).where(*conditions)) or 0
    if after is not None:
        at, pk = after
        conditions.append(
            or_(
                MessageThread.last_message_at > at,
                and_(MessageThread.last_message_at == at, MessageThread.id > pk),
            )
        )
    if first == 0:
        return [], total
    rows = (
        (
            await db.execute(
                select(MessageThread)
                .where(*conditions)
                .order_by(MessageThread.last_message_at, MessageThread.id)
                .limit(first + 1)
            )
        )
        .scalars()
        .all()
    )
    return list(rows), total


async def unread_counts(
    db: AsyncSession, thread_ids: Iterable[int], user_id: int, unread_side: SenderKind
) -> dict[int, int]:
    """Per thread, the messages from ``unread_side`` after the user's read marker (all without one)."""
    ids = sorted(set(thread_ids))
    marker = aliased(ThreadReadMarker)
    result = await db.execute(
        select(Message.thread_id, func.count())
        .select_from(Message)
        .outerjoin(marker, and_(marker.thread_id == Message.thread_id, marker.user_id == user_id))
        .where(
            Message.thread_id.in_(ids),
            Message.sender_kind == unread_side,
            or_(marker.read_until.is_(None), Message.sent_at > marker.read_until),
        )
        .group_by(Message.thread_id)
    )
    return {key: count for key, count in result.all()}


async def mark_read(db: AsyncSession, thread_id: int, user_id: int, until: datetime) -> ThreadReadMarker:
    """Move the user's read marker of a thread forward to ``until`` (never backwards)."""
    marker = await db.get(ThreadReadMarker, (thread_id, user_id))
    if marker is None:
        marker = ThreadReadMarker(thread_id=thread_id, user_id=user_id, read_until=until)
        db.add(marker)
    elif marker.read_until < until:
        marker.read_until = until
    return marker


async def attachment_with_customer(db: AsyncSession, attachment_id: int) -> tuple[Attachment, int] | None:
    """An attachment and the id of the customer whose thread it is in, or ``None``."""
    row = (
        await db.execute(
            select(Attachment, MessageThread.customer_id)
            .join(Message, Message.id == Attachment.message_id)
            .join(MessageThread, MessageThread.id == Message.thread_id)
            .where(Attachment.id == attachment_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])
