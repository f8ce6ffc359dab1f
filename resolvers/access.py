"""Delegated access: owners grant, change and revoke (housing managers: ``resolvers.housing_managers``).

Who may see what is decided in ``auth.access``; this module changes the grants. Every
change is written to the audit log. Granting reveals nothing about who is registered:
a new grant is always stored ``PENDING`` and counts as soon as a user with that verified
address signs in (``auth.access``), when it is marked ``ACTIVE``; the grantee is emailed
(``resolvers.invitations``: an invitation link, or the news for a registered user), which
the owner cannot tell apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from auth.access import CustomerAccess, levels_of, permissions_of
from auth.passwords import verify_password
from auth.quotas import claim_grant
from domain.audit import record_event
from domain.base import AccessLevel, Section, utcnow
from domain.customers import (
    GRANT_NOTE_MAX_LENGTH,
    AccessGrant,
    GrantKind,
    GrantStatus,
    grant_status,
)
from domain.invitations import close_invitations
from domain.session import transaction
from domain.users import User
from resolvers.auth import FieldError, field_error, quota_refused, rate_limited
from resolvers.context import Context
from resolvers.errors import forbidden, not_found
from resolvers.events import publish_access_changed
from resolvers.ids import pk_of
from resolvers.invitations import invite_or_tell

#: Wrong passwords allowed when granting, per user and 15 minutes.
GRANT_PASSWORD_ATTEMPTS = 5
GRANT_PASSWORD_WINDOW = 15 * 60


class _Keep:
    """A grant term left out of the input: it stays as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class GrantTerms:
    """A grant's last day of access and note as the owner gave them (``KEEP``: left out)."""

    valid_until: date | None = KEEP
    note: str | None = KEEP


@dataclass
class GrantResult:
    """Outcome of a grant change: the grants touched, or the reasons nothing changed."""

    grants: list[AccessGrant] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


async def owner_access(ctx: Context, customer_id: int) -> CustomerAccess:
    """The viewer's access to a customer they own; ``NOT_FOUND`` / ``FORBIDDEN`` otherwise."""
    ctx.require_principal()
    access = await ctx.loaders.access_by_customer_id.load(customer_id)
    if access is None:
        raise not_found()
    if not access.is_owner:
        raise forbidden()
    return access


async def require_section_write(ctx: Context, customer_id: int, section: Section) -> CustomerAccess:
    """``READ_WRITE`` on ``section`` of the customer, for writes; coded errors otherwise."""
    ctx.require_principal()
    access = await ctx.loaders.access_by_customer_id.load(customer_id)
    if access is None:
        raise not_found()
    if not access.allows(section, AccessLevel.READ_WRITE):
        raise forbidden()
    return access


def record_write(
    db: Any, ctx: Context, access: CustomerAccess, action: str, *, owner_too: bool = False, **details: Any
) -> None:
    """Audit a write made on someone else's behalf (a delegate or housing manager); with
    ``owner_too``, the owner's own writes as well (contact information, settings)."""
    if ctx.principal is None or (access.is_owner and not owner_too):
        return
    record_event(
        db,
        action,
        actor_user_id=ctx.principal.user_id,
        customer_id=access.customer_id,
        relationship=access.relationship.value,
        **details,
    )


def levels_from_input(
    ctx: Context, permissions: list[tuple[Section, AccessLevel]]
) -> dict[Section, AccessLevel] | FieldError:
    levels: dict[Section, AccessLevel] = {}
    for section, level in permissions:
        if section in levels:
            return field_error(ctx.language, ["permissions"], "INVALID_INPUT", "access.duplicate_section")
        levels[section] = level
    if not levels:
        return field_error(ctx.language, ["permissions"], "INVALID_INPUT", "access.no_sections")
    return levels


def _normalised_email(address: str) -> str | None:
    if len(address) > 254:
        return None
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _checked_terms(ctx: Context, terms: GrantTerms) -> GrantTerms | FieldError:
    """The terms with the note trimmed (empty: none), or why they are refused."""
    if terms.valid_until is not KEEP and terms.valid_until is not None and terms.valid_until < ctx.today:
        return field_error(ctx.language, ["validUntil"], "INVALID_INPUT", "access.valid_until_past")
    note = terms.note
    if isinstance(note, str):
        note = note.strip() or None
        if note is not None and len(note) > GRANT_NOTE_MAX_LENGTH:
            return field_error(
                ctx.language, ["note"], "INVALID_INPUT", "input.too_long", max=GRANT_NOTE_MAX_LENGTH
            )
    return GrantTerms(valid_until=terms.valid_until, note=note)


def _apply_terms(grant: AccessGrant, terms: GrantTerms) -> dict[str, Any]:
    """Set the given terms on ``grant``; the audit details of what changed (before, after)."""
    changed: dict[str, Any] = {}
    for name in ("valid_until", "note"):
        value = getattr(terms, name)
        if value is not KEEP and value != getattr(grant, name):
            before = getattr(grant, name)
            changed[name] = [
                before.isoformat() if isinstance(before, date) else before,
                value.isoformat() if isinstance(value, date) else value,
            ]
            setattr(grant, name, value)
    return changed


def _password_key(ctx: Context) -> str:
    return f"grant-password:{ctx.require_principal().user_id}"


async def password_confirmed(ctx: Context, db: Any, password: str) -> FieldError | None:
    """The owner's own password, counted against ``GRANT_PASSWORD_ATTEMPTS`` when wrong."""
    owner = await db.get(User, ctx.require_principal().user_id)
    assert owner is not None
    if len(password) > 1024 or not verify_password(owner.password_hash, password):
        if ctx.limiter is not None:
            await ctx.limiter.hit(
                _password_key(ctx), limit=GRANT_PASSWORD_ATTEMPTS, window_seconds=GRANT_PASSWORD_WINDOW
            )
        return field_error(ctx.language, ["password"], "WRONG_PASSWORD", "account.wrong_password")
    return None


async def password_attempts_left(ctx: Context) -> FieldError | None:
    """``RATE_LIMITED`` when the viewer gave too many wrong passwords lately (for any access
    change: grants, API tokens), else ``None``."""
    if ctx.limiter is None:
        return None
    verdict = await ctx.limiter.peek(
        _password_key(ctx), limit=GRANT_PASSWORD_ATTEMPTS, window_seconds=GRANT_PASSWORD_WINDOW
    )
    return None if verdict.allowed else rate_limited(ctx, verdict.retry_after)


async def _checked_request(ctx: Context, terms: GrantTerms) -> GrantTerms | FieldError:
    """The checked terms, or why the request is refused before anything is read: bad terms,
    or too many wrong passwords lately."""
    checked = _checked_terms(ctx, terms)
    if isinstance(checked, FieldError):
        return checked
    return await password_attempts_left(ctx) or checked


async def grant_access(
    ctx: Context,
    customer_gid: str,
    grantee_email: str,
    permissions: list[tuple[Section, AccessLevel]],
    password: str,
    terms: GrantTerms = GrantTerms(),
) -> GrantResult:
    """An owner grants (or changes) access for an email address, confirming with their password,
    within the owner's daily grants quota (``auth.quotas``; a wrong password counts nothing)."""
    principal = ctx.require_principal()
    customer_id = pk_of(customer_gid, "Customer")
    if customer_id is None:
        raise not_found()
    await owner_access(ctx, customer_id)
    levels = levels_from_input(ctx, permissions)
    if isinstance(levels, FieldError):
        return GrantResult(errors=[levels])
    email = _normalised_email(grantee_email)
    if email is None:
        return GrantResult(
            errors=[field_error(ctx.language, ["granteeEmail"], "INVALID_EMAIL", "input.invalid_email")]
        )
    checked = await _checked_request(ctx, terms)
    if isinstance(checked, FieldError):
        return GrantResult(errors=[checked])
    quota = await claim_grant(ctx.limiter, principal.user_id)
    if quota.refusal is not None:
        return GrantResult(errors=[quota_refused(ctx, quota.refusal)])
    async with quota:  # given back unless the grant commits
        result = await _store_grant(ctx, customer_id, email, levels, password, checked)
        if not result.errors:
            quota.keep()
    return result


async def _store_grant(
    ctx: Context,
    customer_id: int,
    email: str,
    levels: dict[Section, AccessLevel],
    password: str,
    terms: GrantTerms,
) -> GrantResult:
    """The transaction of ``grant_access``: the password check and the grant."""
    principal = ctx.require_principal()
    async with transaction(ctx.sessions) as db:
        wrong = await password_confirmed(ctx, db, password)
        if wrong is not None:
            return GrantResult(errors=[wrong])
        owner = await db.get(User, principal.user_id)
        assert owner is not None
        if email == owner.email.lower():
            return GrantResult(
                errors=[field_error(ctx.language, ["granteeEmail"], "INVALID_INPUT", "access.self_grant")]
            )
        existing = (
            await db.execute(
                select(AccessGrant).where(
                    AccessGrant.customer_id == customer_id,
                    AccessGrant.kind == GrantKind.DELEGATE,
                    AccessGrant.status != GrantStatus.REVOKED,
                    func.lower(AccessGrant.grantee_email) == email,
                )
            )
        ).scalar_one_or_none()
        if existing is not None:
            before = dict(existing.permissions)
            if terms.valid_until is KEEP and grant_status(existing, ctx.today) is GrantStatus.EXPIRED:
                terms = GrantTerms(valid_until=None, note=terms.note)  # granting again renews it
            existing.permissions = permissions_of(levels)
            grant = existing
            action, extra = "access_grant.changed", {"before": before}
        else:
            grant = AccessGrant(
                customer_id=customer_id,
                kind=GrantKind.DELEGATE,
                grantee_email=email,
                permissions=permissions_of(levels),
                status=GrantStatus.PENDING,
                granted_by_user_id=principal.user_id,
            )
            db.add(grant)
            action, extra = "access_grant.granted", {}
        extra.update(_apply_terms(grant, terms))
        await db.flush()
        record_event(
            db,
            action,
            actor_user_id=principal.user_id,
            customer_id=customer_id,
            grantId=grant.id,
            granteeEmail=email,
            permissions=grant.permissions,
            **extra,
        )
        await invite_or_tell(db, ctx, grant, owner)
    return GrantResult(grants=[grant])


async def update_access_grant(
    ctx: Context,
    grant_gid: str,
    permissions: list[tuple[Section, AccessLevel]] | None,
    password: str,
    terms: GrantTerms,
) -> GrantResult:
    """The owner changes a grant's levels (``None``: unchanged), last day or note; all or
    nothing, confirmed with their password, audited. A revoked grant stays revoked."""
    principal = ctx.require_principal()
    grant_id = pk_of(grant_gid, "AccessGrant")
    if grant_id is None:
        raise not_found()
    levels = None if permissions is None else levels_from_input(ctx, permissions)
    if isinstance(levels, FieldError):
        return GrantResult(errors=[levels])
    checked = await _checked_request(ctx, terms)
    if isinstance(checked, FieldError):
        return GrantResult(errors=[checked])
    async with transaction(ctx.sessions) as db:
        grant = await db.get(AccessGrant, grant_id)
        if grant is None or grant.kind is not GrantKind.DELEGATE:
            raise not_found()  # housing-manager attachments are customer service's
        await owner_access(ctx, grant.customer_id)
        wrong = await password_confirmed(ctx, db, password)
        if wrong is not None:
            return GrantResult(errors=[wrong])
        if grant.status is GrantStatus.REVOKED:
            return GrantResult(
                errors=[field_error(ctx.language, ["grantId"], "INVALID_INPUT", "access.grant_revoked")]
            )
        changed = _apply_terms(grant, checked)
        if levels is not None and permissions_of(levels) != grant.permissions:
            changed["permissions"] = [dict(grant.permissions), permissions_of(levels)]
            grant.permissions = permissions_of(levels)
        if changed:
            record_event(
                db,
                "access_grant.updated",
                actor_user_id=principal.user_id,
                customer_id=grant.customer_id,
                grantId=grant.id,
                granteeEmail=grant.grantee_email,
                changes=changed,
            )
    await publish_access_changed(ctx, grant.customer_id)
    return GrantResult(grants=[grant])


async def revoke_access(ctx: Context, grant_gid: str) -> GrantResult:
    """The owner revokes a grant (customer service: a housing-manager attachment)."""
    principal = ctx.require_principal()
    grant_id = pk_of(grant_gid, "AccessGrant")
    if grant_id is None:
        raise not_found()
    async with transaction(ctx.sessions) as db:
        grant = await db.get(AccessGrant, grant_id)
        if grant is None:
            raise not_found()
        if principal.is_staff:
            if grant.kind is not GrantKind.HOUSING_MANAGER:
                raise not_found()
        else:
            await owner_access(ctx, grant.customer_id)
        if grant.status is not GrantStatus.REVOKED:
            grant.status = GrantStatus.REVOKED
            grant.revoked_at = utcnow()
            await close_invitations(db, grant_id)
            record_event(
                db,
                "access_grant.revoked",
                actor_user_id=principal.user_id,
                customer_id=grant.customer_id,
                grantId=grant.id,
                granteeEmail=grant.grantee_email,
            )
    await publish_access_changed(ctx, grant.customer_id)
    return GrantResult(grants=[grant])


async def grants_of_customer(ctx: Context, customer_id: int) -> list[AccessGrant]:
    """The customer's grants, newest first; owner only."""
    await owner_access(ctx, customer_id)
    grants = await ctx.loaders.grants_by_customer_id.load(customer_id)
    return sorted(grants, key=lambda g: (g.created_at, g.id or 0), reverse=True)


def grant_levels(grant: AccessGrant) -> dict[Section, AccessLevel]:
    """The levels of a grant, in section order."""
    return levels_of(grant.permissions)
