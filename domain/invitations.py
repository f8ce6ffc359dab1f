"""Invitations: a one-time link that lets a person bind an access grant to their user.

An owner's grant to an email address with no registered user sends an invitation to that
address. Whoever opens the link (signed in, or registering by strong identification
without a customership of their own) becomes the grantee. Only the token's hash is
stored; a new invitation for the same grant (``grantAccess`` again) ends the old one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from domain.base import UTCDateTime, utcnow

#: How long an invitation link works.
INVITATION_DAYS = 14


class Invitation(SQLModel, table=True):
    """One invitation link sent for a grant."""

    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="access_grants.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    #: The address the invitation was sent to.
    email: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    invalidated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by_user_id: int | None = Field(default=None, foreign_key="users.id")


def new_invitation(grant_id: int, email: str, token_hash: str, now: datetime | None = None) -> Invitation:
    """An invitation valid ``INVITATION_DAYS`` from ``now``."""
    now = now or utcnow()
    return Invitation(
        grant_id=grant_id,
        token_hash=token_hash,
        email=email,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )


def invitation_state(invitation: Invitation, now: datetime | None = None) -> str:
    """``open``, ``expired`` or ``closed`` (used, or replaced by a newer one, or its grant revoked)."""
    if invitation.used_at is not None or invitation.invalidated_at is not None:
        return "closed"
    if invitation.expires_at <= (now or utcnow()):
        return "expired"
    return "open"


async def close_invitations(db: AsyncSession, grant_id: int, now: datetime | None = None) -> None:
    """End every still-open invitation of a grant (a new one was sent, it was accepted or revoked)."""
    await db.execute(
        update(Invitation)
        .where(
            Invitation.grant_id == grant_id,
            Invitation.used_at.is_(None),
            Invitation.invalidated_at.is_(None),
        )
        .values(invalidated_at=now or utcnow())
    )
