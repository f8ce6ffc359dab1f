"""Writing the audit log (``audit_events``) in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.users import AuditEvent


def record_event(
    db: AsyncSession,
    action: str,
    *,
    actor_user_id: int | None = None,
    customer_id: int | None = None,
    at: datetime | None = None,
    **details: Any,
) -> AuditEvent:
    """Add one audit event; it is kept only if the caller's transaction commits.

    ``details`` must be JSON-serialisable; never put a password, token or other secret in it.
    """
    event = AuditEvent(
        at=at or utcnow(),
        actor_user_id=actor_user_id,
        customer_id=customer_id,
        action=action,
        details={k: v for k, v in details.items() if v is not None},
    )
    db.add(event)
    return event
