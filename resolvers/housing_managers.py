"""Housing managers: customer service attaches housing companies to a manager's user.

All or nothing: unknown customer numbers or a wrong user change nothing. Every
attachment and detachment is audited (and so shows in the owner's access log); the owners
of a person customer are emailed when it is attached (``resolvers.invitations``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from auth.access import permissions_of
from domain.audit import record_event
from domain.base import AccessLevel, Section, utcnow
from domain.customers import AccessGrant, Customer, GrantKind, GrantStatus
from domain.session import transaction
from domain.users import User, UserRole
from resolvers.access import GrantResult, levels_from_input
from resolvers.auth import FieldError, field_error
from resolvers.context import Context
from resolvers.errors import staff_only
from resolvers.events import publish_access_changed
from resolvers.invitations import tell_owners_of_attachment


async def _staff_targets(
    ctx: Context, db: Any, username: str, customer_numbers: list[str]
) -> tuple[User | None, list[Customer], list[FieldError]]:
    errors: list[FieldError] = []
    user = (
        await db.execute(select(User).where(User.username_key == username.strip().casefold()))
    ).scalar_one_or_none()
    if user is None:
        errors.append(field_error(ctx.language, ["username"], "INVALID_INPUT", "access.no_user"))
    elif user.role is UserRole.CUSTOMER_SERVICE:
        errors.append(field_error(ctx.language, ["username"], "INVALID_INPUT", "access.staff_user"))
    numbers = list(dict.fromkeys(n.strip() for n in customer_numbers))
    found = list((await db.execute(select(Customer).where(Customer.customer_number.in_(numbers)))).scalars())
    by_number = {c.customer_number: c for c in found}
    for index, number in enumerate(numbers):
        if number not in by_number:
            errors.append(
                field_error(
                    ctx.language, ["customerNumbers", str(index)], "INVALID_INPUT", "access.no_customer"
                )
            )
    if not numbers:
        errors.append(field_error(ctx.language, ["customerNumbers"], "INVALID_INPUT", "access.no_customer"))
    return user, [by_number[n] for n in numbers if n in by_number], errors


def _require_staff(ctx: Context) -> int:
    principal = ctx.require_principal()
    if not principal.is_staff:
        raise staff_only()
    return principal.user_id


async def attach_customers(
    ctx: Context, username: str, customer_numbers: list[str], permissions: list[tuple[Section, AccessLevel]]
) -> GrantResult:
    """Customer service attaches customers to a housing manager's user (all or nothing)."""
    staff_id = _require_staff(ctx)
    levels = levels_from_input(ctx, permissions)
    if isinstance(levels, FieldError):
        return GrantResult(errors=[levels])
    async with transaction(ctx.sessions) as db:
        user, customers, errors = await _staff_targets(ctx, db, username, customer_numbers)
        if errors or user is None:
            return GrantResult(errors=errors)
        grants: list[AccessGrant] = []
        for customer in customers:
            grant = (
                await db.execute(
                    select(AccessGrant).where(
                        AccessGrant.customer_id == customer.id,
                        AccessGrant.kind == GrantKind.HOUSING_MANAGER,
                        AccessGrant.grantee_user_id == user.id,
                        AccessGrant.status != GrantStatus.REVOKED,
                    )
                )
            ).scalar_one_or_none()
            if grant is None:
                grant = AccessGrant(
                    customer_id=customer.id or 0,
                    kind=GrantKind.HOUSING_MANAGER,
                    grantee_email=user.email,
                    grantee_user_id=user.id,
                    status=GrantStatus.ACTIVE,
                    granted_by_user_id=staff_id,
                )
                db.add(grant)
            grant.permissions = permissions_of(levels)
            await db.flush()
            record_event(
                db,
                "housing_manager.attached",
                actor_user_id=staff_id,
                customer_id=customer.id,
                grantId=grant.id,
                username=user.username,
                permissions=grant.permissions,
            )
            await tell_owners_of_attachment(db, ctx, customer, grant, user)
            grants.append(grant)
    return GrantResult(grants=grants)


async def detach_customers(ctx: Context, username: str, customer_numbers: list[str]) -> GrantResult:
    """Customer service detaches customers from a housing manager's user."""
    staff_id = _require_staff(ctx)
    async with transaction(ctx.sessions) as db:
        user, customers, errors = await _staff_targets(ctx, db, username, customer_numbers)
        if errors or user is None:
            return GrantResult(errors=errors)
        grants = list(
            (
                await db.execute(
                    select(AccessGrant).where(
                        AccessGrant.customer_id.in_([c.id for c in customers]),
                        AccessGrant.kind == GrantKind.HOUSING_MANAGER,
                        AccessGrant.grantee_user_id == user.id,
                        AccessGrant.status != GrantStatus.REVOKED,
                    )
                )
            ).scalars()
        )
        now = utcnow()
        for grant in grants:
            grant.status = GrantStatus.REVOKED
            grant.revoked_at = now
            record_event(
                db,
                "housing_manager.detached",
                actor_user_id=staff_id,
                customer_id=grant.customer_id,
                grantId=grant.id,
                username=user.username,
            )
    for grant in grants:
        await publish_access_changed(ctx, grant.customer_id)
    return GrantResult(grants=grants)
