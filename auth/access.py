"""The one place that answers "may this principal do LEVEL on SECTION of CUSTOMER".

Access comes from ownership (``READ_WRITE`` on every section) and from active access
grants (a delegate's or a housing manager's levels per section) whose last day of access
(``valid_until``, Helsinki time) has not passed. It is evaluated per request from the
database, never cached across requests, so a revoke or an end date takes effect on the
very next request.

A program with a personal API token (``Principal.api_token``, read from the token's row on
every request by ``auth.api_tokens``) reaches the token's customer only, with the token's
levels (``READ`` at most) and, when the token is limited to some locations of use, only
those: ``CustomerAccess.location_ids`` / ``allows_location`` is what every read of a
location (or of what belongs to one: contracts, invoices, consumption) asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, bindparam, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from auth.principal import ApiTokenScope, Principal
from domain.base import AccessLevel, Relationship, Section, today_helsinki
from domain.customers import AccessGrant, CustomerOwner, GrantKind, GrantStatus
from domain.users import User

_RANK = {AccessLevel.READ: 1, AccessLevel.READ_WRITE: 2}


@dataclass(frozen=True)
class CustomerAccess:
    """A principal's effective access to one customer."""

    customer_id: int
    relationship: Relationship
    levels: Mapping[Section, AccessLevel] = field(default_factory=dict)
    #: Some of this access comes from a grant still marked PENDING (to the user's verified email).
    from_pending_grant: bool = False
    #: The locations of use within this access; ``None``: all of the customer's (an API
    #: token limited to some locations sets them).
    location_ids: frozenset[int] | None = None

    def allows(self, section: Section, level: AccessLevel) -> bool:
        """Whether ``level`` on ``section`` is within this access."""
        have = self.levels.get(section)
        return have is not None and _RANK[have] >= _RANK[level]

    def allows_location(self, location_id: int | None) -> bool:
        """Whether the location of use ``location_id`` (of this customer) is within this access;
        ``None`` (something tied to no location) only when no location limit applies."""
        if self.location_ids is None:
            return True
        return location_id is not None and location_id in self.location_ids

    @property
    def is_owner(self) -> bool:
        return self.relationship is Relationship.OWNER


_OWNER_LEVELS: Mapping[Section, AccessLevel] = {s: AccessLevel.READ_WRITE for s in Section}


def _merge(levels: dict[Section, AccessLevel], permissions: Mapping[str, str]) -> None:
    for name, value in permissions.items():
        try:
            section, level = Section(name), AccessLevel(value)
        except ValueError:
            continue  # an unknown section or level in stored data grants nothing
        if section not in levels or _RANK[level] > _RANK[levels[section]]:
            levels[section] = level


def _access_statement(some: bool) -> Any:
    """The principal's grants and ownerships as rows ``(customer, kind, permissions, status,
    is owner)`` (one statement; built once, with bound parameters)."""
    user = bindparam("user_id")
    # A pending grant to the user's verified email address counts at once (it is marked
    # ACTIVE by ``activate_pending_grants``); an unverified address gets nothing.
    verified_email = (
        select(func.lower(User.email)).where(User.id == user, User.email_verified.is_(True)).scalar_subquery()
    )
    grants = select(
        AccessGrant.customer_id,
        AccessGrant.kind,
        AccessGrant.permissions,
        AccessGrant.status,
        literal(False).label("is_owner"),
    ).where(
        or_(
            and_(AccessGrant.grantee_user_id == user, AccessGrant.status == GrantStatus.ACTIVE),
            and_(
                AccessGrant.status == GrantStatus.PENDING,
                func.lower(AccessGrant.grantee_email) == verified_email,
            ),
        ),
        or_(AccessGrant.valid_until.is_(None), AccessGrant.valid_until >= bindparam("today", type_=Date)),
    )
    owned = select(CustomerOwner.customer_id, null(), null(), null(), literal(True)).where(
        CustomerOwner.user_id == user
    )
    if some:
        ids = bindparam("ids", expanding=True)
        grants = grants.where(AccessGrant.customer_id.in_(ids))
        owned = owned.where(CustomerOwner.customer_id.in_(ids))
    # the grants first: the union's column types (enums, JSON) are the first select's
    return union_all(grants, owned)


_ACCESS_OF_ALL = _access_statement(some=False)
_ACCESS_OF_SOME = _access_statement(some=True)


async def access_by_customer(
    db: AsyncSession,
    principal: Principal | None,
    customer_ids: Iterable[int] | None = None,
    today: date | None = None,
) -> dict[int, CustomerAccess]:
    """Effective access of ``principal`` to the given customers (or all it can reach), as
    of ``today`` in Finland (the request's day; now by default).

    Customers it cannot reach are absent from the result. Staff and anonymous principals
    reach none: customer service works through its own operations.
    """
    if principal is None or principal.is_staff:
        return {}
    ids = None if customer_ids is None else sorted(set(customer_ids))
    if ids == []:
        return {}
    if principal.api_token is not None:
        return _token_access(principal.api_token, ids)
    values = {"user_id": principal.user_id, "today": today or today_helsinki()}
    if ids is None:
        rows = (await db.execute(_ACCESS_OF_ALL, values)).all()
    else:
        rows = (await db.execute(_ACCESS_OF_SOME, {**values, "ids": ids})).all()
    owned = {customer_id for customer_id, *_, is_owner in rows if is_owner}
    result = {cid: CustomerAccess(cid, Relationship.OWNER, _OWNER_LEVELS) for cid in owned}
    merged: dict[int, tuple[Relationship, dict[Section, AccessLevel]]] = {}
    pending: set[int] = set()
    for customer_id, kind, permissions, status, is_owner in rows:
        if is_owner or customer_id in owned:
            continue
        rel, levels = merged.setdefault(customer_id, (Relationship.DELEGATE, {}))
        if kind is GrantKind.HOUSING_MANAGER or kind == GrantKind.HOUSING_MANAGER.value:
            rel = Relationship.HOUSING_MANAGER
        if status is GrantStatus.PENDING or status == GrantStatus.PENDING.value:
            pending.add(customer_id)
        _merge(levels, permissions or {})
        merged[customer_id] = (rel, levels)
    for customer_id, (rel, levels) in merged.items():
        result[customer_id] = CustomerAccess(customer_id, rel, dict(levels), customer_id in pending)
    return result


def _token_access(scope: ApiTokenScope, ids: list[int] | None) -> dict[int, CustomerAccess]:
    """A program's access through its API token: the token's customer, sections at ``READ`` at
    most (a stored ``READ_WRITE`` still only reads), and its locations."""
    if ids is not None and scope.customer_id not in ids:
        return {}
    levels = {s: AccessLevel.READ for s in Section if s in scope.levels}
    relationship = Relationship.API_TOKEN
    access = CustomerAccess(scope.customer_id, relationship, levels, location_ids=scope.location_ids)
    return {scope.customer_id: access}


_RELATIONSHIP_ORDER = {
    Relationship.OWNER: 0,
    Relationship.DELEGATE: 1,
    Relationship.HOUSING_MANAGER: 2,
    Relationship.API_TOKEN: 3,
}


def viewer_order(accesses: Iterable[CustomerAccess]) -> list[CustomerAccess]:
    """Own customers first, then delegated, then managed; by customer within each."""
    return sorted(accesses, key=lambda a: (_RELATIONSHIP_ORDER[a.relationship], a.customer_id))


def permissions_of(levels: Mapping[Section, AccessLevel]) -> dict[str, str]:
    """Stored form of per-section levels."""
    return {section.value: level.value for section, level in levels.items()}


def levels_of(permissions: Mapping[str, str]) -> dict[Section, AccessLevel]:
    """Per-section levels of stored permissions (unknown names ignored), in section order."""
    levels: dict[Section, AccessLevel] = {}
    _merge(levels, permissions)
    return {s: levels[s] for s in Section if s in levels}
