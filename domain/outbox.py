"""Queueing email: a row in the outbox, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import OutboxEmail


def queue_email(
    db: AsyncSession,
    *,
    to: str,
    subject: str,
    text: str,
    links: list[str] | None = None,
    meta: dict[str, Any] | None = None,
) -> OutboxEmail:
    """Add an email to the outbox; it is sent only if the caller's transaction commits."""
    email = OutboxEmail(
        to_address=to, subject=subject, text=text, links=list(links or []), meta=dict(meta or {})
    )
    db.add(email)
    return email
