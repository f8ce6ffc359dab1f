"""Web sessions: an opaque random token in an HttpOnly cookie, only its hash in the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.passwords import verify_password
from auth.principal import Principal
from domain.base import utcnow
from domain.users import User, UserSession

SESSION_COOKIE = "ep_session"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def authenticate(db: AsyncSession, username: str, password: str) -> User | None:
    """The user with this username (case-insensitive) and password, else ``None``.

    An unknown username costs the same hashing time as a wrong password.
    """
    user = (
        await db.execute(select(User).where(User.username_key == username.strip().casefold()))
    ).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user is not None else None


async def create_session(db: AsyncSession, user_id: int, *, days: int) -> str:
    """Start a session for ``user_id``; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(
            token_hash=_token_hash(token), user_id=user_id, expires_at=utcnow() + timedelta(days=days)
        )
    )
    await db.flush()
    return token


async def principal_from_session(db: AsyncSession, token: str | None) -> Principal | None:
    """The principal of a live session token, or ``None`` (unknown, expired or ended)."""
    if not token or len(token) > 128:
        return None
    row = (
        await db.execute(
            select(UserSession.id, UserSession.expires_at, UserSession.revoked_at, User.id, User.role)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.token_hash == _token_hash(token))
        )
    ).first()
    if row is None:
        return None
    session_id, expires_at, revoked_at, user_id, role = row
    if revoked_at is not None or expires_at <= utcnow():
        return None
    return Principal(user_id=user_id, role=role, session_id=session_id)


async def end_session(db: AsyncSession, session_id: int) -> None:
    """End one session (logout)."""
    await db.execute(update(UserSession).where(UserSession.id == session_id).values(revoked_at=utcnow()))
