"""Message threads with customer service ("Contact us"), messages and attachments (SPEC 8)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
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
