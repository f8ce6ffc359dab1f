"""The owner's access log: who read which section of a customer, and who changed what.

Writes are the audit log (``audit_events``: one row per change, written in the change's
transaction). Reads are ``access_reads``: one row per customer, actor, section and
Helsinki day, however many fields or requests read it that day; the owner's own reads
are not recorded. The log an owner sees merges the two, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Index
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from domain.base import Relationship, Section, StrEnum, UTCDateTime, utcnow


class ActorRole(StrEnum):
    """In what capacity someone read or changed a customer's data."""

    OWNER = "OWNER"
    DELEGATE = "DELEGATE"
    HOUSING_MANAGER = "HOUSING_MANAGER"
    CUSTOMER_SERVICE = "CUSTOMER_SERVICE"
    API_TOKEN = "API_TOKEN"


class AccessRead(SQLModel, table=True):
    """The first read of one section of a customer by one actor on one day."""

    __tablename__ = "access_reads"
    __table_args__ = (
        Index("ux_access_reads_once_a_day", "customer_id", "actor_key", "section", "day", unique=True),
        Index("ix_access_reads_customer_at", "customer_id", "first_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    #: ``user:<id>`` (or ``token:<id>`` for a program): who, in one column for the unique index.
    actor_key: str = Field(max_length=40)
    actor_user_id: int | None = Field(default=None, foreign_key="users.id")
    actor_role: str = Field(max_length=32)
    section: str = Field(max_length=32)
    day: date
    first_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


#: The section an audited change belongs to (changes not listed, such as grants, have none).
SECTION_OF_ACTION: dict[str, Section] = {
    "message.sent": Section.MESSAGES,
    "message_thread.marked_read": Section.MESSAGES,
    "message_thread.replied": Section.MESSAGES,
    "contact_information.updated": Section.MY_INFORMATION,
    "contact_email.confirmed": Section.MY_INFORMATION,
    "messaging_settings.updated": Section.MY_INFORMATION,
}

#: Audited changes that an owner's log leaves out: bookkeeping of the service itself.
NOT_IN_OWNER_LOG = frozenset(
    {"newsletter.subscribed", "newsletter.unsubscribed", "bulletin.published", "api_token.used"}
)

_ROLE_OF_RELATIONSHIP = {
    Relationship.OWNER.value: ActorRole.OWNER,
    Relationship.DELEGATE.value: ActorRole.DELEGATE,
    Relationship.HOUSING_MANAGER.value: ActorRole.HOUSING_MANAGER,
    ActorRole.API_TOKEN.value: ActorRole.API_TOKEN,
}


def role_of(relationship: str | None, *, staff: bool) -> ActorRole:
    """The actor's role from the relationship recorded with the event (customer service by
    its user's role; an event without one was made by the owner's side: ``OWNER``)."""
    if staff:
        return ActorRole.CUSTOMER_SERVICE
    return _ROLE_OF_RELATIONSHIP.get(relationship or "", ActorRole.OWNER)


@dataclass(frozen=True)
class Read:
    """One section read on behalf of someone other than the owner, to be recorded."""

    customer_id: int
    actor_key: str
    actor_user_id: int | None
    role: ActorRole
    section: Section


_ONCE_A_DAY = ["customer_id", "actor_key", "section", "day"]


async def record_reads(db: AsyncSession, reads: list[Read], *, day: date, at: datetime | None = None) -> None:
    """Record ``reads`` for ``day`` in one statement (a read already recorded that day is
    left as it is: ``ON CONFLICT DO NOTHING`` on both databases)."""
    if not reads:
        return
    at = at or utcnow()
    rows: list[dict[str, Any]] = [
        {
            "customer_id": r.customer_id,
            "actor_key": r.actor_key,
            "actor_user_id": r.actor_user_id,
            "actor_role": r.role.value,
            "section": r.section.value,
            "day": day,
            "first_at": at,
        }
        for r in reads
    ]
    dialect_insert = sqlite_insert if db.bind.dialect.name == "sqlite" else postgresql_insert
    table = AccessRead.__table__  # type: ignore[attr-defined]
    await db.execute(dialect_insert(table).values(rows).on_conflict_do_nothing(index_elements=_ONCE_A_DAY))
