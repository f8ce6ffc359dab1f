"""Account recovery and account changes (SPEC 4, issue 3 parts 5, 6 and 11).

- ``request_password_reset``: a single-use link, valid ``RESET_LINK_DAYS`` (14) days, to
  every verified account with that email address; only the SHA-256 of the link's token
  is stored, and the account's older links stop working.
- ``reset_password``: checks the token (known, unused, not invalidated, not expired) and
  the password rules, sets the password, uses the token up, invalidates the account's
  other links, and ends every web session and refresh token of the account.
- ``request_username_reminder``: the usernames registered with a verified address.
- ``change_password`` / ``change_username``: the current password is required.

Every function works in the caller's transaction (``db``): the change, its outbox email
and its audit event are committed together or not at all. Only addresses that were
confirmed (``User.email_verified``) get reset links or reminders, so a mistyped address
at registration never lets its owner take the account over.

Time comes from ``now()``, which tests replace (``monkeypatch.setattr(recovery, "now",
...)``) to move past the 14 days without waiting.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.hashing import token_hash
from auth.passwords import MAX_LENGTH, hash_password, password_problems, verify_password
from auth.sessions import end_user_sessions
from domain.accounts import OneTimeToken, OneTimeTokenKind, RefreshToken
from domain.audit import record_event
from domain.base import utcnow
from domain.outbox import queue_email
from domain.texts import email_texts, text
from domain.usernames import normalise_username, username_is_valid, username_key
from domain.users import User

RESET_LINK_DAYS = 14
RESET_LINK_VALIDITY = timedelta(days=RESET_LINK_DAYS)
RESET_PATH = "/reset-password"
SIGN_IN_PATH = "/"
#: Longer tokens are refused without a lookup (ours are 43 characters).
MAX_TOKEN_LENGTH = 128
MAX_EMAIL_LENGTH = 254


def now() -> datetime:
    """The current instant (replaced in tests to freeze or move the clock)."""
    return utcnow()


@dataclass
class Outcome:
    """The result of a change: ``errors`` as ``(input field, UserErrorCode name)``."""

    errors: list[tuple[str | None, str]] = field(default_factory=list)
    user: User | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _link(origin: str, path: str, token: str | None = None) -> str:
    base = origin.rstrip("/") + path
    return f"{base}?token={token}" if token else base


async def verified_users_with_email(db: AsyncSession, email: str) -> list[User]:
    """The accounts whose confirmed email address is ``email`` (case-insensitive)."""
    address = email.strip().lower()
    if not address or len(address) > MAX_EMAIL_LENGTH:
        return []
    rows = await db.execute(
        select(User).where(func.lower(User.email) == address, User.email_verified.is_(True)).order_by(User.id)
    )
    return list(rows.scalars())


async def _invalidate_reset_links(
    db: AsyncSession, user_id: int, at: datetime, *, keep: int | None = None
) -> None:
    query = update(OneTimeToken).where(
        OneTimeToken.user_id == user_id,
        OneTimeToken.kind == OneTimeTokenKind.PASSWORD_RESET,
        OneTimeToken.used_at.is_(None),
        OneTimeToken.invalidated_at.is_(None),
    )
    if keep is not None:
        query = query.where(OneTimeToken.id != keep)
    await db.execute(query.values(invalidated_at=at).execution_options(synchronize_session=False))


async def end_refresh_tokens(db: AsyncSession, user_id: int, at: datetime | None = None) -> int:
    """Revoke every live refresh token of ``user_id`` (mobile sign-ins); how many."""
    result = await db.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at or now())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def request_password_reset(db: AsyncSession, email: str, *, web_app_origin: str) -> int:
    """Email a reset link to every verified account with ``email``; the number of links.

    The caller answers the same whatever the number (it must not reveal it).
    """
    at = now()
    users = await verified_users_with_email(db, email)
    for user in users:
        assert user.id is not None
        await _invalidate_reset_links(db, user.id, at)
        token = secrets.token_urlsafe(32)
        db.add(
            OneTimeToken(
                kind=OneTimeTokenKind.PASSWORD_RESET,
                token_hash=token_hash(token),
                user_id=user.id,
                email=user.email,
                created_at=at,
                expires_at=at + RESET_LINK_VALIDITY,
            )
        )
        link = _link(web_app_origin, RESET_PATH, token)
        subject, body = email_texts(
            "password_reset", user.language, username=user.username, link=link, days=RESET_LINK_DAYS
        )
        queue_email(
            db, to=user.email, subject=subject, text=body, links=[link], meta={"kind": "PASSWORD_RESET"}
        )
        record_event(db, "PASSWORD_RESET_REQUESTED", actor_user_id=user.id, at=at)
    await db.flush()
    return len(users)


async def request_username_reminder(db: AsyncSession, email: str, *, web_app_origin: str) -> int:
    """Email the usernames registered with the verified ``email``; the number of accounts."""
    at = now()
    users = await verified_users_with_email(db, email)
    if not users:
        return 0
    link = _link(web_app_origin, SIGN_IN_PATH)
    usernames = "\n".join(f"  {u.username}" for u in users)
    subject, body = email_texts("username_reminder", users[0].language, usernames=usernames, link=link)
    queue_email(
        db, to=users[0].email, subject=subject, text=body, links=[link], meta={"kind": "USERNAME_REMINDER"}
    )
    for user in users:
        record_event(db, "USERNAME_REMINDER_SENT", actor_user_id=user.id, at=at)
    await db.flush()
    return len(users)


async def reset_password(db: AsyncSession, token: str, new_password: str) -> Outcome:
    """Set a new password with an emailed reset token (see the module docstring)."""
    at = now()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return Outcome([("token", "INVALID_TOKEN")])
    row = (
        await db.execute(
            select(OneTimeToken).where(
                OneTimeToken.token_hash == token_hash(token),
                OneTimeToken.kind == OneTimeTokenKind.PASSWORD_RESET,
            )
        )
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.invalidated_at is not None:
        return Outcome([("token", "INVALID_TOKEN")])
    if row.expires_at <= at:
        return Outcome([("token", "EXPIRED_TOKEN")])
    user = await db.get(User, row.user_id)
    if user is None or user.id is None:
        return Outcome([("token", "INVALID_TOKEN")])
    problems = password_problems(new_password, username=user.username, email=user.email)
    if problems:
        return Outcome([("newPassword", p) for p in problems])
    password_hash = await _hash(new_password)  # before any write, so no lock waits for it
    # A conditional update, so that two concurrent uses of one link cannot both succeed.
    claimed = await db.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.id == row.id,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.invalidated_at.is_(None),
        )
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return Outcome([("token", "INVALID_TOKEN")])
    await _invalidate_reset_links(db, user.id, at, keep=row.id)
    await _set_password_hash(db, user, password_hash)
    await end_user_sessions(db, user.id)
    revoked = await end_refresh_tokens(db, user.id, at)
    how = text("email.password_changed.by_reset", user.language)
    subject, body = email_texts("password_changed", user.language, username=user.username, how=how)
    queue_email(db, to=user.email, subject=subject, text=body, meta={"kind": "PASSWORD_CHANGED"})
    record_event(db, "PASSWORD_RESET", actor_user_id=user.id, at=at, refresh_tokens_revoked=revoked)
    await db.flush()
    return Outcome(user=user)


async def _hash(password: str) -> str:
    """Argon2id takes tens of milliseconds of CPU: off the event loop."""
    return await asyncio.to_thread(hash_password, password)


async def _set_password_hash(db: AsyncSession, user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    db.add(user)
    await db.flush()


async def _password_matches(user: User, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        await asyncio.to_thread(verify_password, None, "")  # the same time as a wrong password
        return False
    return await asyncio.to_thread(verify_password, user.password_hash, password)


async def change_password(
    db: AsyncSession,
    user_id: int,
    current_password: str,
    new_password: str,
    *,
    keep_session: int | str | None,
) -> Outcome:
    """Change the signed-in user's password; every other session and refresh token ends.

    ``keep_session`` is the session making the request (it stays signed in).
    """
    at = now()
    user = await db.get(User, user_id)
    if user is None:
        return Outcome([(None, "NOT_SIGNED_IN")])
    errors: list[tuple[str | None, str]] = []
    if not await _password_matches(user, current_password):
        errors.append(("currentPassword", "WRONG_PASSWORD"))
        record_event(db, "PASSWORD_CHECK_FAILED", actor_user_id=user_id, at=at, purpose="changePassword")
    errors += [
        ("newPassword", p) for p in password_problems(new_password, username=user.username, email=user.email)
    ]
    if errors:
        return Outcome(errors)
    await _set_password_hash(db, user, await _hash(new_password))
    await end_user_sessions(db, user_id, keep=keep_session)
    revoked = await end_refresh_tokens(db, user_id, at)
    await _invalidate_reset_links(db, user_id, at)
    how = text("email.password_changed.by_user", user.language)
    subject, body = email_texts("password_changed", user.language, username=user.username, how=how)
    queue_email(db, to=user.email, subject=subject, text=body, meta={"kind": "PASSWORD_CHANGED"})
    record_event(db, "PASSWORD_CHANGED", actor_user_id=user_id, at=at, refresh_tokens_revoked=revoked)
    await db.flush()
    return Outcome(user=user)


async def change_username(db: AsyncSession, user_id: int, password: str, new_username: str) -> Outcome:
    """Change the signed-in user's username (unique case-insensitively); password required.

    Whether a username is taken is told only to a caller who gave the right password.
    """
    at = now()
    user = await db.get(User, user_id)
    if user is None:
        return Outcome([(None, "NOT_SIGNED_IN")])
    errors: list[tuple[str | None, str]] = []
    if not await _password_matches(user, password):
        errors.append(("password", "WRONG_PASSWORD"))
        record_event(db, "PASSWORD_CHECK_FAILED", actor_user_id=user_id, at=at, purpose="changeUsername")
    name = normalise_username(new_username)
    if not username_is_valid(name):
        errors.append(("newUsername", "INVALID_USERNAME"))
    if errors:
        return Outcome(errors)
    key = username_key(name)
    taken = await db.scalar(select(User.id).where(User.username_key == key, User.id != user_id))
    if taken is not None:
        return Outcome([("newUsername", "USERNAME_TAKEN")])
    old = user.username
    if old == name:
        return Outcome(user=user)
    user.username = name
    user.username_key = key
    db.add(user)
    await db.flush()  # the unique key refuses a concurrent taker (IntegrityError)
    subject, body = email_texts("username_changed", user.language, old=old, new=name)
    queue_email(db, to=user.email, subject=subject, text=body, meta={"kind": "USERNAME_CHANGED"})
    record_event(db, "USERNAME_CHANGED", actor_user_id=user_id, at=at, old=old, new=name)
    await db.flush()
    return Outcome(user=user)
