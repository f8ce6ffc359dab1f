"""Account recovery and changes: password reset, username reminder, password and username change.

The work is done by ``auth.recovery`` in one transaction per mutation (the change, its
email in the outbox and its audit event together); this module adds what belongs to a
request: throttling (``auth.throttle``), a uniform answer for the recovery requests, and
messages in the request's language.

``requestPasswordReset`` and ``requestUsernameReminder`` answer the same whether or not
the address belongs to an account, and take at least ``RECOVERY_MIN_SECONDS``, so that
the time taken does not tell either (sending is a few database writes more than not).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth import recovery, throttle
from auth.passwords import MAX_LENGTH, MIN_LENGTH
from domain.base import Language
from domain.languages import choose_language
from domain.session import transaction
from domain.texts import N_, text
from domain.usernames import username_key
from domain.users import User
from resolvers.auth import FieldError, rate_limited
from resolvers.context import Context

#: The shortest time a recovery request takes, whatever happens.
RECOVERY_MIN_SECONDS = 0.25
MAX_EMAIL_LENGTH = 254

#: The message of each problem ``auth.passwords.password_problems`` reports, by its code.
PASSWORD_PROBLEMS = {
    "PASSWORD_TOO_SHORT": N_("account.password_too_short"),
    "PASSWORD_TOO_LONG": N_("account.password_too_long"),
    "PASSWORD_TOO_COMMON": N_("account.password_too_common"),
    "PASSWORD_SAME_AS_USERNAME_OR_EMAIL": N_("account.password_same_as_username_or_email"),
}
#: The message of each ``UserErrorCode`` an account change reports (``auth.recovery``).
ACCOUNT_ERRORS = {
    **PASSWORD_PROBLEMS,
    "NOT_SIGNED_IN": N_("account.not_signed_in"),
    "WRONG_PASSWORD": N_("account.wrong_password"),
    "INVALID_TOKEN": N_("account.invalid_token"),
    "EXPIRED_TOKEN": N_("account.expired_token"),
    "INVALID_USERNAME": N_("account.invalid_username"),
    "USERNAME_TAKEN": N_("account.username_taken"),
    "INVALID_EMAIL": N_("input.invalid_email"),
}


@dataclass
class AccountResult:
    """What an account mutation returns: errors (empty on success) and the user, if any."""

    errors: list[FieldError] = field(default_factory=list)
    user: User | None = None


def _errors(ctx: Context, errors: list[tuple[str | None, str]]) -> list[FieldError]:
    return [
        FieldError(
            ["input", name] if name else None,
            code,
            text(ACCOUNT_ERRORS[code], ctx.language, min=MIN_LENGTH, max=MAX_LENGTH),
        )
        for name, code in errors
    ]


def _plausible_email(email: str) -> bool:
    address = email.strip()
    return 3 <= len(address) <= MAX_EMAIL_LENGTH and "@" in address[1:-1]


async def _at_least(started: float, seconds: float) -> None:
    remaining = seconds - (time.monotonic() - started)
    if remaining > 0:
        await asyncio.sleep(remaining)


async def _recovery_request(ctx: Context, email: str, kind: str) -> AccountResult:
    started = time.monotonic()
    try:
        if not _plausible_email(email):
            return AccountResult(_errors(ctx, [("email", "INVALID_EMAIL")]))
        verdict = await throttle.attempt(
            ctx.limiter,
            (throttle.RECOVERY_PER_EMAIL, f"{kind}:{email}"),
            (throttle.RECOVERY_PER_ADDRESS, ctx.client_address),
        )
        if not verdict.allowed:
            return AccountResult([rate_limited(ctx, verdict.retry_after)])
        async with transaction(ctx.sessions) as db:
            if kind == "reset":
                await recovery.request_password_reset(db, email, web_app_origin=ctx.rules.web_app_origin)
            else:
                await recovery.request_username_reminder(db, email, web_app_origin=ctx.rules.web_app_origin)
        return AccountResult()
    finally:
        await _at_least(started, RECOVERY_MIN_SECONDS)


async def request_password_reset(ctx: Context, email: str) -> AccountResult:
    """Email a reset link if ``email`` is a verified account address; always the same answer."""
    return await _recovery_request(ctx, email, "reset")


async def request_username_reminder(ctx: Context, email: str) -> AccountResult:
    """Email the usernames of ``email`` if it is a verified account address; always the same answer."""
    return await _recovery_request(ctx, email, "reminder")


async def reset_password(ctx: Context, token: str, new_password: str) -> AccountResult:
    """Set a new password with a reset link's token; ends every session and refresh token."""
    async with transaction(ctx.sessions) as db:
        outcome = await recovery.reset_password(db, token, new_password)
    if not outcome.ok or outcome.user is None:
        return AccountResult(_errors(ctx, outcome.errors))
    # Whoever reset the password may sign in at once, even if someone else caused a lockout.
    await throttle.forget(ctx.limiter, throttle.SIGN_IN_PER_ACCOUNT, username_key(outcome.user.username))
    return AccountResult()


async def _password_checked(
    ctx: Context, run: Callable[[AsyncSession, int], Awaitable[recovery.Outcome]]
) -> AccountResult:
    """Run a change that needs the signed-in user's password, throttling wrong passwords."""
    if ctx.principal is None:
        return AccountResult(_errors(ctx, [(None, "NOT_SIGNED_IN")]))
    user_id = ctx.principal.user_id
    subject = str(user_id)
    verdict = await throttle.attempt(ctx.limiter, (throttle.PASSWORD_CHECK_PER_USER, subject))
    if not verdict.allowed:
        return AccountResult([rate_limited(ctx, verdict.retry_after)])
    try:
        async with transaction(ctx.sessions) as db:
            outcome = await run(db, user_id)
    except IntegrityError:
        # Someone took the username between the check and the update.
        return AccountResult(_errors(ctx, [("newUsername", "USERNAME_TAKEN")]))
    if not any(code == "WRONG_PASSWORD" for _, code in outcome.errors):
        # The right password: this attempt (and earlier failures) are not held against the user.
        await throttle.forget(ctx.limiter, throttle.PASSWORD_CHECK_PER_USER, subject)
    return AccountResult(_errors(ctx, outcome.errors), outcome.user if outcome.ok else None)


async def change_password(ctx: Context, current_password: str, new_password: str) -> AccountResult:
    """Change the signed-in user's password; the user's other sessions and refresh tokens end."""
    keep = ctx.principal.session_id if ctx.principal else None
    return await _password_checked(
        ctx,
        lambda db, user_id: recovery.change_password(
            db, user_id, current_password, new_password, keep_session=keep
        ),
    )


async def change_username(ctx: Context, password: str, new_username: str) -> AccountResult:
    """Change the signed-in user's username (unique case-insensitively)."""
    return await _password_checked(
        ctx, lambda db, user_id: recovery.change_username(db, user_id, password, new_username)
    )


async def update_user_language(ctx: Context, language: Language) -> User:
    """The signed-in user's own choice of language (a program cannot choose one)."""
    principal = ctx.require_user()
    async with transaction(ctx.sessions) as db:
        user = await db.get(User, principal.user_id)
        assert user is not None
        choose_language(user, language)
    return user
