"""Sign-in and sign-out with username and password (web session cookie), and the ``UserError``
every mutation may answer: ``FieldError`` (``field_error`` with a message ID of ``domain.texts``),
``RATE_LIMITED`` by a throttle or by a write quota (``quota_refused``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from auth import throttle
from auth.passwords import hash_password, needs_rehash, verify_password
from auth.quotas import MIB, Refusal
from auth.sessions import check_credentials, create_session, end_session, session_cookie
from domain.audit import record_event
from domain.base import Language
from domain.languages import settle_language
from domain.session import transaction
from domain.texts import N_, text, wait_text
from domain.usernames import username_key
from domain.users import User
from resolvers.context import Context, requested_language

T = TypeVar("T")

#: Longer inputs are refused before hashing, so that nobody can make us hash megabytes.
MAX_USERNAME = 64
MAX_PASSWORD = 1024


@dataclass
class FieldError:
    """An expected failure of a mutation (becomes a ``UserError``)."""

    field: list[str] | None
    code: str
    message: str


def field_error(
    language: Language, path: list[str] | None, code: str, message_id: str, **values: Any
) -> FieldError:
    """A ``UserError`` of ``code`` at ``path`` with the text ``message_id`` (``domain.texts``)."""
    return FieldError(path, code, text(message_id, language, **values))


class Refused(Exception):
    """Ends a write (its transaction rolls back) with the ``FieldError`` the client gets."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class LoginResult:
    user: User | None = None
    errors: list[FieldError] = field(default_factory=list)


def rate_limited(ctx: Context, retry_after: int) -> FieldError:
    """The ``RATE_LIMITED`` error, with the seconds in the message and a ``Retry-After`` header."""
    if ctx.response is not None:
        ctx.response.headers["Retry-After"] = str(retry_after)
    return FieldError(None, "RATE_LIMITED", text("account.rate_limited", ctx.language, seconds=retry_after))


#: Why a write quota (``auth.quotas``) refused a write, by the quota's name.
QUOTA_REASONS = {
    "quota:messages:customer": N_("limits.quota.messages_per_customer"),
    "quota:threads-hour:customer": N_("limits.quota.new_threads_per_hour"),
    "quota:threads-day:customer": N_("limits.quota.new_threads_per_day"),
    "quota:attachment-bytes:customer": N_("limits.quota.attachment_bytes"),
    "quota:grants:owner": N_("limits.quota.grants"),
    "quota:replies:staff": N_("limits.quota.staff_replies"),
}


def _megabytes(size: int, language: Language) -> str:
    shown = str(size // MIB) if size % MIB == 0 else f"{size / MIB:.2f}".rstrip("0").rstrip(".")
    return shown if language is Language.EN else shown.replace(".", ",")


def quota_message(language: Language, refusal: Refusal) -> str:
    """Which quota refused the write and how long to wait, in ``language``."""
    quota = refusal.quota
    reason = text(
        QUOTA_REASONS.get(quota.name, N_("limits.quota.other")),
        language,
        limit=quota.limit,
        mb=_megabytes(quota.limit, language),
    )
    wait = text("limits.try_again_in", language, wait=wait_text(refusal.retry_after, language))
    return f"{reason} {wait}"


def quota_refused(ctx: Context, refusal: Refusal) -> FieldError:
    """The ``RATE_LIMITED`` UserError of a write quota, with a ``Retry-After`` header."""
    if ctx.response is not None:
        ctx.response.headers["Retry-After"] = str(refusal.retry_after)
    return FieldError(None, "RATE_LIMITED", quota_message(ctx.language, refusal))


@dataclass
class SignIn(Generic[T]):
    """Outcome of a password sign-in: the user and what ``on_success`` made, or an error."""

    user: User | None = None
    result: T | None = None
    error: FieldError | None = None


async def password_sign_in(
    ctx: Context,
    username: str,
    password: str,
    *,
    method: str,
    on_success: Callable[[AsyncSession, User], Awaitable[T]],
) -> SignIn[T]:
    """Check a username and password under the sign-in throttle, auditing the attempt.

    Shared by ``login`` (web session) and ``obtainToken`` (mobile tokens), so the two ways
    give a guesser one budget. Failed sign-ins are throttled per username and per client
    address (``auth.throttle``): while locked, every attempt, with a right password or not,
    for an existing username or not, gets the same ``RATE_LIMITED`` answer and no password
    is checked. ``on_success`` runs in the transaction that records the sign-in (it starts
    the session or issues the refresh token). An unknown user costs the same hashing time
    as a wrong password, and hashing runs off the event loop.
    """
    account = username_key(username[:MAX_USERNAME])
    address = ctx.client_address
    gate = await throttle.sign_in_gate(ctx.limiter, account, address)
    if not gate.allowed:
        return SignIn(error=rate_limited(ctx, gate.retry_after))
    acceptable = 0 < len(username) <= MAX_USERNAME and 0 < len(password) <= MAX_PASSWORD
    result: T | None = None
    async with transaction(ctx.sessions) as db:
        if acceptable:
            user, ok = await check_credentials(db, username, password)
        else:
            user, ok = None, await asyncio.to_thread(verify_password, None, "")
        if not ok or user is None or user.id is None:
            ok = False
            record_event(
                db,
                "SIGN_IN_FAILED",
                actor_user_id=user.id if user else None,
                address=address,
                unknown_user=True if user is None else None,
                method=method,
            )
        else:
            if needs_rehash(user.password_hash):
                user.password_hash = await asyncio.to_thread(hash_password, password)
                db.add(user)
            await settle_language(db, user, requested_language(ctx.request))
            result = await on_success(db, user)
            record_event(db, "SIGN_IN", actor_user_id=user.id, address=address, method=method)
    if not ok or user is None:
        engaged = await throttle.sign_in_failed(ctx.limiter, account, address)
        if engaged:
            async with transaction(ctx.sessions) as db:
                record_event(
                    db,
                    "SIGN_IN_LOCKED_OUT",
                    actor_user_id=user.id if user else None,
                    address=address,
                    scopes=engaged,
                    method=method,
                )
        return SignIn(
            error=FieldError(None, "INVALID_CREDENTIALS", text("account.invalid_credentials", ctx.language))
        )
    await throttle.sign_in_succeeded(ctx.limiter, account)
    return SignIn(user=user, result=result)


async def login(ctx: Context, username: str, password: str) -> LoginResult:
    """Check the credentials; on success start a session and set its HttpOnly cookie.

    A session this browser already had is ended first (no session fixation).
    """

    async def start_session(db: AsyncSession, user: User) -> str:
        if ctx.principal is not None and ctx.principal.session_id is not None:
            await end_session(db, ctx.principal.session_id)
        return await create_session(db, user.id or 0, days=ctx.rules.session_days)

    outcome = await password_sign_in(ctx, username, password, method="password", on_success=start_session)
    if outcome.error is not None or outcome.result is None:
        return LoginResult(errors=[outcome.error] if outcome.error else [])
    if ctx.response is not None:
        ctx.response.set_cookie(
            session_cookie(ctx.rules.secure_cookies),
            outcome.result,
            max_age=ctx.rules.session_days * 86400,
            path="/",
            httponly=True,
            secure=ctx.rules.secure_cookies,
            samesite="lax",
        )
    return LoginResult(user=outcome.user)


async def logout(ctx: Context) -> list[FieldError]:
    """End the current session, if any, and clear its cookie; always succeeds."""
    if ctx.principal is not None and ctx.principal.session_id is not None:
        async with transaction(ctx.sessions) as db:
            await end_session(db, ctx.principal.session_id)
    if ctx.response is not None:
        ctx.response.delete_cookie(
            session_cookie(ctx.rules.secure_cookies),
            path="/",
            httponly=True,
            secure=ctx.rules.secure_cookies,
            samesite="lax",
        )
    return []
