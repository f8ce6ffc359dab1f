"""Newsletter subscriptions with double opt-in, open to anonymous visitors (SPEC 9).

A subscription is ``PENDING`` until the link emailed to the address is followed, then
``ACTIVE`` until it is ended with the unsubscribe link that every newsletter email
carries (``newsletter_email``). Only the SHA-256 of a confirmation token is stored; the
unsubscribe link is signed by the caller (``unsubscribe_link``), so that it can be put
into any later newsletter email without being stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from domain.accounts import OutboxEmail
from domain.base import Language, StrEnum, UTCDateTime, enum_field, utcnow
from domain.outbox import queue_email

#: How long a confirmation link works.
CONFIRMATION_VALIDITY = timedelta(days=7)


class SubscriptionStatus(StrEnum):
    """Where a newsletter subscription stands."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    UNSUBSCRIBED = "UNSUBSCRIBED"


class NewsletterSubscription(SQLModel, table=True):
    """One email address on the newsletter list (or asking to be)."""

    __tablename__ = "newsletter_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    #: Normalised, lower case; one row per address.
    email: str = Field(max_length=254, unique=True)
    language: Language = enum_field(Language, Language.FI)
    status: SubscriptionStatus = enum_field(SubscriptionStatus, SubscriptionStatus.PENDING)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: SHA-256 of the token in the latest confirmation link; cleared when used.
    confirmation_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    confirmation_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unsubscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Random value inside the signed unsubscribe link; a new one voids the old links.
    unsubscribe_nonce: str = Field(max_length=32)


def newsletter_email(
    db: AsyncSession,
    subscription: NewsletterSubscription,
    *,
    subject: str,
    text: str,
    unsubscribe_url: str,
    unsubscribe_label: str,
    links: list[str] | None = None,
) -> OutboxEmail:
    """Queue an email of the newsletter list; it always ends with the unsubscribe link."""
    body = f"{text.rstrip()}\n\n-- \n{unsubscribe_label}: {unsubscribe_url}\n"
    return queue_email(
        db,
        to=subscription.email,
        subject=subject,
        text=body,
        links=[*(links or []), unsubscribe_url],
        meta={"kind": "newsletter", "subscriptionId": subscription.id},
    )
