"""Invitations (``domain.invitations``): sending them with a grant, and accepting them.

A grant to an address that belongs to no registered user (with that verified address)
sends an invitation email with a one-time link; a registered grantee gets a "you were
given access" email instead, and the grant counts for them at once (``auth.access``).
The owner's answer is the same either way. Accepting binds the grant to the accepting
user, whatever address the invitation went to (the owner then sees that user's address).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select

from auth.access import levels_of
from auth.hashing import token_hash
from domain.audit import record_event
from domain.base import AccessLevel, Language, Relationship, Section, utcnow
from domain.contact import MessagingSettings
from domain.customers import AccessGrant, Customer, CustomerKind, CustomerOwner, GrantStatus
from domain.invitations import (
    INVITATION_DAYS,
    Invitation,
    close_invitations,
    invitation_state,
    new_invitation,
)
from domain.outbox import queue_email
from domain.session import transaction
from domain.texts import N_, email_texts, text
from domain.users import User, display_name
from resolvers.auth import FieldError, field_error
from resolvers.context import Context
from resolvers.errors import forbidden

#: The path of the web app's page that accepts an invitation (``?token=…``).
ACCEPT_INVITATION_PATH = "/accept-invitation"
#: Longest invitation token looked up (they are 43 characters).
MAX_TOKEN_LENGTH = 200

_SECTION_NAMES = {
    Section.CONTRACTS: N_("section.contracts"),
    Section.INVOICES: N_("section.invoices"),
    Section.REPORTING: N_("section.reporting"),
    Section.MESSAGES: N_("section.messages"),
    Section.MY_INFORMATION: N_("section.my_information"),
}
_LEVEL_NAMES = {
    AccessLevel.READ: N_("access.level.read"),
    AccessLevel.READ_WRITE: N_("access.level.read_write"),
}


def _section_lines(grant: AccessGrant, language: Language) -> str:
    return "\n".join(
        f"  {text(_SECTION_NAMES[section], language)}: {text(_LEVEL_NAMES[level], language)}"
        for section, level in levels_of(grant.permissions).items()
    )


async def invite_or_tell(db: Any, ctx: Context, grant: AccessGrant, owner: User) -> None:
    """Email the grantee of a pending grant: an invitation with a new one-time link (ending
    any earlier one), or, for a registered user with that verified address, the news."""
    if grant.status is not GrantStatus.PENDING or grant.id is None:
        return
    customer = await db.get(Customer, grant.customer_id)
    settings = await db.get(MessagingSettings, grant.customer_id)
    registered = (
        (
            await db.execute(
                select(User).where(
                    func.lower(User.email) == grant.grantee_email, User.email_verified.is_(True)
                )
            )
        )
        .scalars()
        .first()
    )
    origin = ctx.rules.web_app_origin.rstrip("/")
    values = {"owner": display_name(owner), "customer": customer.name if customer else ""}
    if registered is not None:
        language = registered.language
        subject, body = email_texts(
            "access_given", language, sections=_section_lines(grant, language), link=f"{origin}/", **values
        )
        queue_email(
            db,
            to=grant.grantee_email,
            subject=subject,
            text=body,
            meta={"kind": "ACCESS_GIVEN", "grantId": grant.id},
        )
        return
    language = settings.language if settings is not None else Language.FI
    token = secrets.token_urlsafe(32)
    await close_invitations(db, grant.id)
    db.add(new_invitation(grant.id, grant.grantee_email, token_hash(token)))
    link = f"{origin}{ACCEPT_INVITATION_PATH}?token={token}"
    subject, body = email_texts(
        "invitation",
        language,
        sections=_section_lines(grant, language),
        link=link,
        days=INVITATION_DAYS,
        **values,
    )
    queue_email(
        db,
        to=grant.grantee_email,
        subject=subject,
        text=body,
        links=[link],
        meta={"kind": "INVITATION", "grantId": grant.id},
    )


async def tell_owners_of_attachment(
    db: Any, ctx: Context, customer: Customer, grant: AccessGrant, manager: User
) -> None:
    """Email the owners of a person customer that customer service attached it to a housing
    manager (housing companies, organisations, hear of it from their manager)."""
    if customer.kind is not CustomerKind.PERSON:
        return
    owners = (
        await db.execute(
            select(User)
            .join(CustomerOwner, CustomerOwner.user_id == User.id)
            .where(CustomerOwner.customer_id == customer.id)
        )
    ).scalars()
    for owner in owners:
        subject, body = email_texts(
            "housing_manager_attached",
            owner.language,
            manager=display_name(manager),
            customer=customer.name,
            sections=_section_lines(grant, owner.language),
            link=f"{ctx.rules.web_app_origin.rstrip('/')}/",
        )
        queue_email(
            db,
            to=owner.email,
            subject=subject,
            text=body,
            meta={"kind": "HOUSING_MANAGER_ATTACHED", "grantId": grant.id, "customerId": customer.id},
        )


async def open_invitation(db: Any, token: str, language: Language) -> Invitation | FieldError:
    """The open invitation of ``token``, or why it cannot be used."""
    invitation = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        invitation = (
            await db.execute(select(Invitation).where(Invitation.token_hash == token_hash(token)))
        ).scalar_one_or_none()
    return await _usable(db, invitation, language, ["input", "token"])


async def open_invitation_id(db: Any, hashed: str) -> int | None:
    """The id of the open invitation whose token hashes to ``hashed`` (strong identification
    keeps only the hash in its flow), or ``None``."""
    invitation = (
        await db.execute(select(Invitation).where(Invitation.token_hash == hashed))
    ).scalar_one_or_none()
    usable = await _usable(db, invitation, Language.FI, [])
    return None if isinstance(usable, FieldError) else usable.id


async def usable_invitation(db: Any, invitation_id: int, language: Language) -> Invitation | FieldError:
    """The invitation a registration token names, if it is still open."""
    return await _usable(
        db, await db.get(Invitation, invitation_id), language, ["input", "registrationToken"]
    )


async def _usable(
    db: Any, invitation: Invitation | None, language: Language, path: list[str]
) -> Invitation | FieldError:
    """``invitation`` if it is open (its grant may have been revoked since: then it is not)."""
    state = "closed" if invitation is None else invitation_state(invitation)
    if invitation is not None and state == "open":
        grant = await db.get(AccessGrant, invitation.grant_id)
        if grant is None or grant.status is GrantStatus.REVOKED:
            state = "closed"
    if state == "expired":
        return field_error(language, path, "EXPIRED_TOKEN", "invitation.expired")
    if state != "open" or invitation is None:
        return field_error(language, path, "INVALID_TOKEN", "invitation.invalid")
    return invitation


async def bind_invitation(
    db: Any, invitation: Invitation, user: User, language: Language
) -> AccessGrant | FieldError:
    """Make the invitation's grant the user's (the caller checked it is open): active, to the
    user's address, audited; the link and any other open one for the grant stop working."""
    grant = await db.get(AccessGrant, invitation.grant_id, with_for_update=True)
    assert grant is not None and user.id is not None
    owns = await db.scalar(
        select(CustomerOwner.user_id).where(
            CustomerOwner.customer_id == grant.customer_id, CustomerOwner.user_id == user.id
        )
    )
    if owns is not None:
        return field_error(language, ["input", "token"], "INVALID_INPUT", "access.self_grant")
    now = utcnow()
    invited = grant.grantee_email
    grant.grantee_user_id = user.id
    grant.grantee_email = user.email.lower()
    grant.status = GrantStatus.ACTIVE
    invitation.used_at = now
    invitation.accepted_by_user_id = user.id
    await db.flush()
    await close_invitations(db, grant.id or 0, now)
    record_event(
        db,
        "access_grant.accepted",
        actor_user_id=user.id,
        customer_id=grant.customer_id,
        grantId=grant.id,
        granteeEmail=grant.grantee_email,
        invitedEmail=invited,
        relationship=Relationship.DELEGATE.value,
    )
    return grant


async def accept_invitation(ctx: Context, token: str) -> tuple[AccessGrant | None, list[FieldError]]:
    """A signed-in user accepts an invitation (customer service cannot)."""
    principal = ctx.require_principal()
    if principal.is_staff:
        raise forbidden()
    async with transaction(ctx.sessions) as db:
        invitation = await open_invitation(db, token, ctx.language)
        if isinstance(invitation, FieldError):
            return None, [invitation]
        user = await db.get(User, principal.user_id)
        assert user is not None
        bound = await bind_invitation(db, invitation, user, ctx.language)
        if isinstance(bound, FieldError):
            return None, [bound]
    ctx.loaders.access_by_customer_id.clear(bound.customer_id)
    return bound, []
