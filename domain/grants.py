"""Access grants given by email address: activation when the grantee's address is verified."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import record_event
from domain.base import utcnow
from domain.customers import AccessGrant, GrantStatus


async def activate_pending_grants(db: AsyncSession, user_id: int, email: str) -> list[AccessGrant]:
    """Make the PENDING grants for ``email`` (compared case-insensitively) ACTIVE for ``user_id``.

    Called when ``user_id`` has verified ``email``; each activation is written to the
    audit log. Returns the grants activated (flushed, in the caller's transaction).
    """
    address = email.strip().lower()
    if not address:
        return []
    grants = list(
        (
            await db.execute(
                select(AccessGrant)
                .where(
                    AccessGrant.status == GrantStatus.PENDING,
                    func.lower(AccessGrant.grantee_email) == address,
                )
                .order_by(AccessGrant.id)
            )
        ).scalars()
    )
    now = utcnow()
    for grant in grants:
        grant.status = GrantStatus.ACTIVE
        grant.grantee_user_id = user_id
        record_event(
            db,
            "access_grant_activated",
            actor_user_id=user_id,
            customer_id=grant.customer_id,
            at=now,
            grant_id=grant.id,
            grantee_email=grant.grantee_email,
        )
    await db.flush()
    return grants
