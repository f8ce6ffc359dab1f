"""Personal API tokens as credentials: the secret, and the principal of a request that sends it.

A program sends ``Authorization: Bearer ep_…``. The secret is looked up by its hash
(``auth.hashing.token_hash``) on every request, so a revoke or a passed last day of access
(``valid_until``, Helsinki date) refuses the very next request, and so does the creator
losing the ownership of the customer (the token stands for the owner's consent). The
principal carries the token's scope (``ApiTokenScope``); ``auth.access`` turns it into the
program's access.

``last_used_at`` is written at most once a minute per token (like a session's idle-time
touch), in a transaction of its own after the lookup, and a failure to write it is logged,
never failing the request. The first use after an hour without one is written to the audit
log (``api_token.used``), so that the owner's log shows when programs read their data
without an event per request.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.access import levels_of
from auth.hashing import token_hash
from auth.principal import ApiTokenScope, Principal
from domain.api_tokens import ApiToken
from domain.audit import record_event
from domain.base import AccessLevel, UTCDateTime, utcnow
from domain.customers import CustomerOwner
from domain.users import User, UserRole

log = logging.getLogger("energy_portal.api_tokens")

#: What every API token starts with: a bearer value with it is an API token, not a JWT.
API_TOKEN_PREFIX = "ep_"
#: Longer bearer values are refused without hashing.
MAX_API_TOKEN_LENGTH = 128
#: ``last_used_at`` is written at most this often per token.
TOUCH_INTERVAL = timedelta(minutes=1)
#: A use after this long without one is written to the audit log.
USE_EVENT_INTERVAL = timedelta(hours=1)


def new_api_token_secret() -> str:
    """A new secret: the prefix and 256 random bits (URL-safe base64)."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_api_token(bearer: str) -> bool:
    """Whether a bearer value is (meant as) a personal API token."""
    return bearer.startswith(API_TOKEN_PREFIX)


@dataclass(frozen=True)
class ApiTokenUse:
    """A request made with a token that is in use: its principal, and when it was last used."""

    principal: Principal
    last_used_at: datetime | None


#: The token in use with that hash, with its creator's role, while the creator still owns
#: the customer (built once, with bound parameters).
_LOOKUP = (
    select(
        ApiToken.id,
        ApiToken.customer_id,
        ApiToken.created_by_user_id,
        ApiToken.permissions,
        ApiToken.location_ids,
        ApiToken.last_used_at,
        User.role,
    )
    .join(User, User.id == ApiToken.created_by_user_id)
    .join(
        CustomerOwner,
        and_(
            CustomerOwner.customer_id == ApiToken.customer_id,
            CustomerOwner.user_id == ApiToken.created_by_user_id,
        ),
    )
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.valid_until.is_(None), ApiToken.valid_until >= bindparam("today", type_=Date)),
    )
)


async def api_token_use(db: AsyncSession, secret: str, today: date) -> ApiTokenUse | None:
    """The principal of a token in use as of ``today`` in Finland (one query); ``None`` for an
    unknown, revoked or expired token, or one whose creator no longer owns the customer."""
    if not is_api_token(secret) or len(secret) > MAX_API_TOKEN_LENGTH:
        return None
    row = (await db.execute(_LOOKUP, {"token_hash": token_hash(secret), "today": today})).first()
    if row is None:
        return None
    token_id, customer_id, user_id, permissions, location_ids, last_used_at, role = row
    if role is not UserRole.CUSTOMER and role != UserRole.CUSTOMER.value:
        return None
    levels = {s: AccessLevel.READ for s in levels_of(permissions or {})}
    locations = frozenset(int(i) for i in location_ids) if location_ids else None
    scope = ApiTokenScope(token_id, customer_id, levels, locations)
    principal = Principal(user_id=user_id, role=UserRole.CUSTOMER, api_token=scope)
    return ApiTokenUse(principal, last_used_at)


async def record_api_token_use(
    sessions: async_sessionmaker[AsyncSession], use: ApiTokenUse, now: datetime | None = None
) -> None:
    """Write ``last_used_at`` when the last write is a minute old (and the audit event when the
    last use is an hour old); a failure is logged, never raised."""
    now = now or utcnow()
    last = use.last_used_at
    if last is not None and now - last < TOUCH_INTERVAL:
        return
    scope = use.principal.api_token
    assert scope is not None
    threshold = bindparam("threshold", now - TOUCH_INTERVAL, type_=UTCDateTime())
    try:
        async with sessions() as db, db.begin():
            result = await db.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == scope.token_id,
                    or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < threshold),
                )
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
            # Another request (or worker) wrote it first: its audit event is enough.
            if result.rowcount == 1 and (last is None or now - last >= USE_EVENT_INTERVAL):
                record_event(
                    db,
                    "api_token.used",
                    actor_user_id=use.principal.user_id,
                    customer_id=scope.customer_id,
                    at=now,
                    apiTokenId=scope.token_id,
                )
    except Exception:
        log.warning("could not record the use of API token %s", scope.token_id, exc_info=True)
