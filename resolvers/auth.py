"""Sign-in and sign-out with username and password (web session cookie)."""

from __future__ import annotations

from dataclasses import dataclass, field

from auth.passwords import verify_password
from auth.sessions import SESSION_COOKIE, authenticate, create_session, end_session
from domain.session import transaction
from domain.users import User
from resolvers.context import Context
from resolvers.texts import text

#: Longer inputs are refused before hashing, so that nobody can make us hash megabytes.
MAX_USERNAME = 64
MAX_PASSWORD = 1024


@dataclass
class FieldError:
    """An expected failure of a mutation (becomes a ``UserError``)."""

    field: list[str] | None
    code: str
    message: str


@dataclass
class LoginResult:
    user: User | None = None
    errors: list[FieldError] = field(default_factory=list)


async def login(ctx: Context, username: str, password: str) -> LoginResult:
    """Check the credentials; on success start a session and set its HttpOnly cookie."""
    wrong = LoginResult(
        errors=[FieldError(None, "INVALID_CREDENTIALS", text("invalid_credentials", ctx.language))]
    )
    if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD or not username or not password:
        verify_password(None, "")  # the same time as a wrong password
        return wrong
    async with transaction(ctx.sessions) as db:
        user = await authenticate(db, username, password)
        if user is None:
            return wrong
        if ctx.principal is not None and ctx.principal.session_id is not None:
            await end_session(db, ctx.principal.session_id)  # no session fixation
        token = await create_session(db, user.id or 0, days=ctx.rules.session_days)
    if ctx.response is not None:
        ctx.response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=ctx.rules.session_days * 86400,
            path="/",
            httponly=True,
            secure=ctx.rules.secure_cookies,
            samesite="lax",
        )
    return LoginResult(user=user)


async def logout(ctx: Context) -> list[FieldError]:
    """End the current session, if any, and clear its cookie; always succeeds."""
    if ctx.principal is not None and ctx.principal.session_id is not None:
        async with transaction(ctx.sessions) as db:
            await end_session(db, ctx.principal.session_id)
    if ctx.response is not None:
        ctx.response.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, secure=ctx.rules.secure_cookies, samesite="lax"
        )
    return []
