"""Personal API tokens: an owner creates, lists and revokes a program's read-only access.

What a token lets a program read is decided in ``auth.access`` (the token's customer,
sections at ``READ``, its locations) from the row ``auth.api_tokens`` reads on every
request; this module changes the rows. Creating a token needs the owner's own password
(counted against the same attempts as granting access, ``resolvers.access``); the secret is
returned once and only its hash is stored. Creation and revocation are written to the
audit log (``api_token.created``, ``api_token.revoked``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from auth.access import levels_of, permissions_of
from auth.api_tokens import new_api_token_secret
from auth.hashing import token_hash
from domain.api_tokens import API_TOKEN_NAME_MAX_LENGTH, MAX_ACTIVE_API_TOKENS, ApiToken
from domain.audit import record_event
from domain.base import AccessLevel, Section, utcnow
from domain.customers import LocationOfUse
from domain.session import transaction
from resolvers.access import levels_from_input, owner_access, password_attempts_left, password_confirmed
from resolvers.auth import FieldError, field_error
from resolvers.context import Context
from resolvers.errors import not_found
from resolvers.ids import pk_of


def _error(ctx: Context, path: list[str] | None, message_id: str, **values: Any) -> FieldError:
    return field_error(ctx.language, path, "INVALID_INPUT", message_id, **values)


@dataclass(frozen=True)
class ApiTokenRequest:
    """What the owner asks for in ``createApiToken``."""

    customer_gid: str
    name: str
    permissions: list[tuple[Section, AccessLevel]]
    location_gids: list[str] | None
    valid_until: date | None
    password: str


@dataclass
class ApiTokenResult:
    """Outcome of creating or revoking a token: the token (and, once, its secret), or the
    reasons nothing changed."""

    token: Any = None
    secret: str | None = None
    errors: list[FieldError] = field(default_factory=list)


@dataclass(frozen=True)
class _Checked:
    name: str
    levels: dict[Section, AccessLevel]
    location_ids: list[int]


async def _checked(ctx: Context, customer_id: int, request: ApiTokenRequest) -> _Checked | FieldError:
    """The request's name (trimmed), levels and locations, or the first reason to refuse it."""
    name = request.name.strip()
    if not name:
        return _error(ctx, ["name"], "api_token.name_required")
    if len(name) > API_TOKEN_NAME_MAX_LENGTH:
        return _error(ctx, ["name"], "api_token.name_too_long", max=API_TOKEN_NAME_MAX_LENGTH)
    levels = levels_from_input(ctx, request.permissions)
    if isinstance(levels, FieldError):
        return levels
    if any(level is not AccessLevel.READ for level in levels.values()):
        return _error(ctx, ["permissions"], "api_token.read_only")
    if request.valid_until is not None and request.valid_until < ctx.today:
        return _error(ctx, ["validUntil"], "access.valid_until_past")
    own = {row.id for row in await ctx.loaders.locations_by_customer_id.load(customer_id)}
    location_ids: set[int] = set()
    for index, gid in enumerate(request.location_gids or []):
        pk = pk_of(str(gid), "LocationOfUse")
        if pk is None or pk not in own:
            return _error(ctx, ["locationOfUseIds", str(index)], "api_token.unknown_location")
        location_ids.add(pk)
    return _Checked(name, levels, sorted(location_ids))


async def _tokens_in_use(db: Any, customer_id: int, today: date) -> int:
    return int(
        await db.scalar(
            select(func.count()).where(
                ApiToken.customer_id == customer_id,
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.valid_until.is_(None), ApiToken.valid_until >= today),
            )
        )
        or 0
    )


async def create_api_token(ctx: Context, request: ApiTokenRequest) -> ApiTokenResult:
    """An owner creates a token for a program, confirming with their own password; the
    secret is in the result, once."""
    principal = ctx.require_user()
    customer_id = pk_of(request.customer_gid, "Customer")
    if customer_id is None:
        raise not_found()
    await owner_access(ctx, customer_id)
    checked = await _checked(ctx, customer_id, request)
    if isinstance(checked, FieldError):
        return ApiTokenResult(errors=[checked])
    refused = await password_attempts_left(ctx)  # one count for every access change
    if refused is not None:
        return ApiTokenResult(errors=[refused])
    async with transaction(ctx.sessions) as db:
        wrong = await password_confirmed(ctx, db, request.password)
        if wrong is not None:
            return ApiTokenResult(errors=[wrong])
        if await _tokens_in_use(db, customer_id, ctx.today) >= MAX_ACTIVE_API_TOKENS:
            return ApiTokenResult(errors=[_error(ctx, None, "api_token.too_many", max=MAX_ACTIVE_API_TOKENS)])
        secret = new_api_token_secret()
        token = ApiToken(
            customer_id=customer_id,
            created_by_user_id=principal.user_id,
            name=checked.name,
            token_hash=token_hash(secret),
            permissions=permissions_of(checked.levels),
            location_ids=checked.location_ids,
            valid_until=request.valid_until,
        )
        db.add(token)
        await db.flush()
        record_event(
            db,
            "api_token.created",
            actor_user_id=principal.user_id,
            customer_id=customer_id,
            apiTokenId=token.id,
            name=token.name,
            permissions=token.permissions,
            locationIds=token.location_ids or None,
            validUntil=None if token.valid_until is None else token.valid_until.isoformat(),
        )
    return ApiTokenResult(token=token, secret=secret)


async def revoke_api_token(ctx: Context, token_gid: str) -> ApiTokenResult:
    """An owner of the token's customer revokes it: the program's next request is refused.
    Revoking a revoked token changes nothing."""
    principal = ctx.require_user()
    token_id = pk_of(token_gid, "ApiToken")
    if token_id is None:
        raise not_found()
    async with transaction(ctx.sessions) as db:
        token = await db.get(ApiToken, token_id)
        if token is None:
            raise not_found()
        await owner_access(ctx, token.customer_id)
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            record_event(
                db,
                "api_token.revoked",
                actor_user_id=principal.user_id,
                customer_id=token.customer_id,
                apiTokenId=token.id,
                name=token.name,
            )
    return ApiTokenResult(token=token)


async def api_tokens_of_customer(ctx: Context, customer_id: int) -> list[Any]:
    """The customer's tokens that are not revoked (expired ones included), newest first;
    owner only."""
    ctx.require_user()
    await owner_access(ctx, customer_id)
    return list(await ctx.loaders.api_tokens_by_customer_id.load(customer_id))


async def api_token_of_owner(ctx: Context, token_id: int) -> Any:
    """A token (revoked ones too) for an owner of its customer (``node(id:)``); ``NOT_FOUND``
    for anyone else."""
    ctx.require_user()
    token = await ctx.loaders.api_token_by_id.load(token_id)
    if token is None:
        raise not_found()
    access = await ctx.loaders.access_by_customer_id.load(token.customer_id)
    if access is None or not access.is_owner:
        raise not_found()
    return token


def api_token_levels(token: Any) -> dict[Section, AccessLevel]:
    """A token's levels, in section order."""
    return levels_of(token.permissions)


async def api_token_locations(ctx: Context, token: Any) -> list[LocationOfUse]:
    """The locations of use a token lets its program see: those it names, or all of the
    customer's when it names none."""
    rows = await ctx.loaders.locations_by_customer_id.load(token.customer_id)
    if not token.location_ids:
        return list(rows)
    allowed = set(token.location_ids)
    return [row for row in rows if row.id in allowed]
