"""Mobile tokens: ``obtainToken`` (password or refresh-token grant) and ``revokeRefreshToken``.

Token requests are throttled by failed attempts, in a sliding window of
``THROTTLE_WINDOW_SECONDS``: at most ``ACCOUNT_LIMIT`` failures per submitted username
(whether or not such a user exists, so the answer reveals nothing) and
``ADDRESS_LIMIT`` per client address (password and refresh-token failures together).
Over a limit, the request is answered ``RATE_LIMITED`` with the retry-after in the
message and in a ``Retry-After`` header, before any password is hashed. A successful
password grant clears its username's count, so a real user is never locked out for
longer than the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from auth.passwords import verify_password
from auth.sessions import authenticate
from auth.tokens import AccessTokens, issue_refresh_token, revoke_refresh_token, rotate_refresh_token
from domain.base import Language
from domain.session import transaction
from domain.users import AuditEvent
from resolvers.auth import MAX_PASSWORD, MAX_USERNAME, FieldError
from resolvers.context import Context, Rules
from resolvers.texts import pick, text

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
THROTTLE_WINDOW_SECONDS = 15 * 60
#: Audit actions of token sign-ins.
TOKEN_SIGN_IN_ACTION = "sign_in.token"
TOKEN_SIGN_IN_FAILED_ACTION = "sign_in_failed.token"

_TEXTS: dict[str, dict[Language, str]] = {
    "one_grant": {
        Language.FI: "Anna joko käyttäjätunnus ja salasana tai uusintatunniste.",
        Language.SV: "Ange antingen användarnamn och lösenord eller en förnyelsetoken.",
        Language.EN: "Give either a username and password or a refresh token.",
    },
    "invalid_refresh_token": {
        Language.FI: "Tunniste ei ole voimassa. Kirjaudu uudelleen.",
        Language.SV: "Token är inte giltig. Logga in igen.",
        Language.EN: "The token is not valid. Sign in again.",
    },
    "rate_limited": {
        Language.FI: "Liian monta epäonnistunutta yritystä. Yritä uudelleen {minutes} minuutin kuluttua.",
        Language.SV: "För många misslyckade försök. Försök igen om {minutes} minuter.",
        Language.EN: "Too many failed attempts. Try again in {minutes} minutes.",
    },
}


@lru_cache(maxsize=8)
def access_tokens(rules: Rules) -> AccessTokens:
    """The access-token signer and verifier of a deployment (one per set of rules)."""
    return AccessTokens.from_settings(
        secret=rules.signing_key, public_origin=rules.public_origin, minutes=rules.access_token_minutes
    )


@dataclass
class TokenResult:
    """What ``obtainToken`` answers."""

    access_token: str | None = None
    refresh_token: str | None = None
    expires_at: datetime | None = None
    errors: list[FieldError] = field(default_factory=list)


def account_key(username: str) -> str:
    """Rate-limit key of failed token requests for one submitted username."""
    return f"token:account:{username.strip().casefold()[:MAX_USERNAME]}"


def address_key(address: str) -> str:
    """Rate-limit key of failed token requests from one client address."""
    return f"token:address:{address or 'unknown'}"


def _error(code: str, message: str, path: list[str] | None = None) -> TokenResult:
    return TokenResult(errors=[FieldError(path, code, message)])


async def _retry_after(ctx: Context, keys: list[tuple[str, int]]) -> int:
    """Seconds until every key is under its limit again; 0 when all are now."""
    if ctx.limiter is None:
        return 0
    wait = 0
    for key, limit in keys:
        verdict = await ctx.limiter.peek(key, limit=limit, window_seconds=THROTTLE_WINDOW_SECONDS)
        if not verdict.allowed:
            wait = max(wait, verdict.retry_after)
    return wait


async def _count_failure(ctx: Context, keys: list[tuple[str, int]]) -> None:
    if ctx.limiter is None:
        return
    for key, limit in keys:
        await ctx.limiter.hit(key, limit=limit, window_seconds=THROTTLE_WINDOW_SECONDS)


def _rate_limited(ctx: Context, seconds: int) -> TokenResult:
    if ctx.response is not None:
        ctx.response.headers["Retry-After"] = str(seconds)
    minutes = max(1, math.ceil(seconds / 60))
    return _error("RATE_LIMITED", pick(_TEXTS["rate_limited"], ctx.language).format(minutes=minutes))


async def obtain_token(
    ctx: Context, *, username: str | None, password: str | None, refresh_token: str | None
) -> TokenResult:
    """A new access token and refresh token, by password or by a refresh token (exactly one)."""
    by_password = username is not None or password is not None
    if by_password == (refresh_token is not None):
        return _error("INVALID_INPUT", pick(_TEXTS["one_grant"], ctx.language), ["input"])
    if refresh_token is not None:
        return await _refresh_grant(ctx, refresh_token)
    if username is None or password is None:
        missing = "password" if password is None else "username"
        return _error("INVALID_INPUT", text("required", ctx.language), ["input", missing])
    return await _password_grant(ctx, username, password)


async def _password_grant(ctx: Context, username: str, password: str) -> TokenResult:
    keys = [(account_key(username), ACCOUNT_LIMIT), (address_key(ctx.client_address), ADDRESS_LIMIT)]
    wait = await _retry_after(ctx, keys)
    if wait:
        return _rate_limited(ctx, wait)
    wrong = _error("INVALID_CREDENTIALS", text("invalid_credentials", ctx.language))
    if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD or not username or not password:
        verify_password(None, "")  # the same time as a wrong password
        await _count_failure(ctx, keys)
        return wrong
    rules = ctx.rules
    async with transaction(ctx.sessions) as db:
        user = await authenticate(db, username, password)
        if user is None or user.id is None:
            db.add(
                AuditEvent(
                    action=TOKEN_SIGN_IN_FAILED_ACTION,
                    details={"username": username.strip().casefold(), "address": ctx.client_address},
                )
            )
        else:
            refresh = await issue_refresh_token(db, user.id, days=rules.refresh_token_days)
            db.add(
                AuditEvent(
                    actor_user_id=user.id,
                    action=TOKEN_SIGN_IN_ACTION,
                    details={"address": ctx.client_address},
                )
            )
    if user is None or user.id is None:
        await _count_failure(ctx, keys)
        return wrong
    if ctx.limiter is not None:
        await ctx.limiter.clear(keys[0][0])
    access = access_tokens(rules).issue(user.id)
    return TokenResult(access_token=access.token, refresh_token=refresh, expires_at=access.expires_at)


async def _refresh_grant(ctx: Context, token: str) -> TokenResult:
    keys = [(address_key(ctx.client_address), ADDRESS_LIMIT)]
    wait = await _retry_after(ctx, keys)
    if wait:
        return _rate_limited(ctx, wait)
    async with transaction(ctx.sessions) as db:
        # Committed also when refused: a reused token has just had its family revoked.
        rotation = await rotate_refresh_token(db, token, days=ctx.rules.refresh_token_days)
    if rotation.user_id is None or rotation.refresh_token is None:
        await _count_failure(ctx, keys)
        message = pick(_TEXTS["invalid_refresh_token"], ctx.language)
        return _error("INVALID_TOKEN", message, ["input", "refreshToken"])
    access = access_tokens(ctx.rules).issue(rotation.user_id)
    return TokenResult(
        access_token=access.token, refresh_token=rotation.refresh_token, expires_at=access.expires_at
    )


async def revoke(ctx: Context, refresh_token: str) -> list[FieldError]:
    """Revoke the family of ``refresh_token``; the same (empty) answer whether it existed or not."""
    async with transaction(ctx.sessions) as db:
        await revoke_refresh_token(db, refresh_token)
    return []
