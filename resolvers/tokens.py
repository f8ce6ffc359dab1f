"""Mobile tokens: ``obtainToken`` (password or refresh-token grant) and ``revokeRefreshToken``.

Throttling (``auth.throttle``): a password grant is a sign-in and shares the sign-in
limits of ``login`` (failures per username, whether or not it exists, and per client
address; 5 and 20 per 15 minutes), so that the web and the mobile way together give a
guesser one budget. Failed refresh-token grants are counted per client address
(``REFRESH_PER_ADDRESS``). Over a limit the answer is ``RATE_LIMITED`` with the
retry-after (seconds in the message and a ``Retry-After`` header), before any password is
checked, and the same whether or not the account exists.

Audit (``domain.audit``): password grants write ``SIGN_IN`` / ``SIGN_IN_FAILED`` /
``SIGN_IN_LOCKED_OUT`` like ``login``, with ``method="token"``; a revoked refresh-token
family writes ``REFRESH_TOKEN_FAMILY_REVOKED`` (``auth.tokens``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from auth import throttle
from auth.tokens import AccessTokens, issue_refresh_token, revoke_refresh_token, rotate_refresh_token
from domain.session import transaction
from domain.texts import text
from domain.users import User
from resolvers.auth import FieldError, password_sign_in, rate_limited
from resolvers.context import Context, Rules

#: Failed refresh-token grants from one client address.
REFRESH_PER_ADDRESS = throttle.Policy("token-refresh:address", 20, 15 * 60)
#: How a token sign-in is told apart from ``login`` in the audit log.
AUDIT_METHOD = "token"


def access_tokens(rules: Rules) -> AccessTokens:
    """The access-token signer and verifier of a deployment (its key derived once)."""
    return _access_tokens(rules.signing_key, rules.public_origin, rules.access_token_minutes)


@lru_cache(maxsize=8)
def _access_tokens(secret: str, public_origin: str, minutes: int) -> AccessTokens:
    return AccessTokens.from_settings(secret=secret, public_origin=public_origin, minutes=minutes)


@dataclass
class TokenResult:
    """What ``obtainToken`` answers."""

    access_token: str | None = None
    refresh_token: str | None = None
    expires_at: datetime | None = None
    errors: list[FieldError] = field(default_factory=list)


def _error(code: str, message: str, path: list[str] | None = None) -> TokenResult:
    return TokenResult(errors=[FieldError(path, code, message)])


async def obtain_token(
    ctx: Context, *, username: str | None, password: str | None, refresh_token: str | None
) -> TokenResult:
    """A new access token and refresh token, by password or by a refresh token (exactly one)."""
    by_password = username is not None or password is not None
    if by_password == (refresh_token is not None):
        return _error("INVALID_INPUT", text("token.one_grant", ctx.language), ["input"])
    if refresh_token is not None:
        return await _refresh_grant(ctx, refresh_token)
    if username is None or password is None:
        missing = "password" if password is None else "username"
        return _error("INVALID_INPUT", text("input.required", ctx.language), ["input", missing])
    return await _password_grant(ctx, username, password)


async def _password_grant(ctx: Context, username: str, password: str) -> TokenResult:
    async def issue_refresh(db: AsyncSession, user: User) -> str:
        return await issue_refresh_token(db, user.id or 0, days=ctx.rules.refresh_token_days)

    outcome = await password_sign_in(ctx, username, password, method=AUDIT_METHOD, on_success=issue_refresh)
    if outcome.error is not None or outcome.user is None or outcome.user.id is None:
        return TokenResult(errors=[outcome.error] if outcome.error else [])
    access = access_tokens(ctx.rules).issue(outcome.user.id)
    return TokenResult(access_token=access.token, refresh_token=outcome.result, expires_at=access.expires_at)


async def _refresh_grant(ctx: Context, token: str) -> TokenResult:
    check = (REFRESH_PER_ADDRESS, ctx.client_address)
    gate = await throttle.peek(ctx.limiter, check)
    if not gate.allowed:
        return TokenResult(errors=[rate_limited(ctx, gate.retry_after)])
    async with transaction(ctx.sessions) as db:
        # Committed also when refused: a reused token has just had its family revoked.
        rotation = await rotate_refresh_token(db, token, days=ctx.rules.refresh_token_days)
    if rotation.user_id is None or rotation.refresh_token is None:
        await throttle.count(ctx.limiter, check)
        message = text("token.invalid_refresh_token", ctx.language)
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
