"""Delegated access: grants, housing-manager attachments, and their mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain import base
from domain import customers as domain
from resolvers import access as resolvers
from resolvers import housing_managers, invitations
from resolvers.ids import to_global_id
from schema.common import Node, UserError, lazy_type, user_errors
from schema.enums import AccessLevel, Section
from schema.users import SectionAccess, User

if TYPE_CHECKING:
    from schema.customers import Customer

#: The customer of a grant: ``schema.customers`` imports this module (``Customer.accessGrants``).
CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers")]

GrantStatus = strawberry.enum(
    domain.GrantStatus,
    description="`PENDING` until a user with the grantee's verified email exists; `EXPIRED` once "
    "the last day of access has passed (a new end date renews it); `REVOKED` ends it.",
)


@strawberry.type(description="Access to chosen sections of a customer, given to a person by email address.")
class AccessGrant(Node):
    grantee_email: str = strawberry.field(description="The email address access was given to.")
    permissions: list[SectionAccess] = strawberry.field(description="The level given per section.")
    created_at: datetime = strawberry.field(description="When the grant was made.")
    valid_until: date | None = strawberry.field(
        description="The last day of access (Finnish time); null: until revoked."
    )
    note: str | None = strawberry.field(description="The owner's own note about the grant.")
    row: strawberry.Private[domain.AccessGrant]
    customer_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: domain.AccessGrant) -> AccessGrant:
        return cls(
            id=strawberry.ID(to_global_id("AccessGrant", row.id or 0)),
            grantee_email=row.grantee_email,
            permissions=[
                SectionAccess(section=s, level=level) for s, level in resolvers.grant_levels(row).items()
            ],
            created_at=row.created_at,
            valid_until=row.valid_until,
            note=row.note,
            row=row,
            customer_id=row.customer_id,
        )

    @strawberry.field(description="Pending, active, expired or revoked, as of today in Finland.")
    def status(self, info: strawberry.Info) -> GrantStatus:
        return domain.grant_status(self.row, info.context.today)

    @strawberry.field(description="The customer the access is to.")
    async def customer(self, info: strawberry.Info) -> CustomerRef:
        loaders = info.context.loaders
        row = await loaders.customer_by_id.load(self.customer_id)
        access = await loaders.access_by_customer_id.load(self.customer_id)
        return lazy_type(CustomerRef).from_row(row, access)

    @strawberry.field(description="The user the grant is active for; null while pending, expired or revoked.")
    async def grantee(self, info: strawberry.Info) -> User | None:
        if self.row.grantee_user_id is None or self.status(info) is not domain.GrantStatus.ACTIVE:
            return None
        user = await info.context.loaders.user_by_id.load(self.row.grantee_user_id)
        return None if user is None else User.from_row(user)

    @strawberry.field(description="Username of who gave the access (the owner, or customer service).")
    async def granted_by(self, info: strawberry.Info) -> str:
        user = await info.context.loaders.user_by_id.load(self.row.granted_by_user_id)
        return "" if user is None else user.username


@strawberry.input(description="A level on one section.")
class SectionAccessInput:
    section: Section = strawberry.field(description="The section.")
    level: AccessLevel = strawberry.field(description="READ or READ_WRITE.")


def _terms(valid_until: date | None, note: str | None) -> resolvers.GrantTerms:
    """The grant terms given (a left-out field, ``UNSET``, is kept as it is)."""
    keep = resolvers.KEEP
    return resolvers.GrantTerms(
        valid_until=keep if valid_until is strawberry.UNSET else valid_until,
        note=keep if note is strawberry.UNSET else note,
    )


def _levels(permissions: list[SectionAccessInput]) -> list[tuple[base.Section, base.AccessLevel]]:
    return [(base.Section(p.section.value), base.AccessLevel(p.level.value)) for p in permissions]


@strawberry.input(description="Who gets access to what; confirmed with the owner's password.")
class GrantAccessInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer (you must own it).")
    grantee_email: str = strawberry.field(description="Email address of the person given access.")
    permissions: list[SectionAccessInput] = strawberry.field(
        description="A level per section; granting again to the same email replaces the levels."
    )
    password: str = strawberry.field(description="Your own password, to confirm.")
    valid_until: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="The last day of access (Finnish time, today or later); left out: until revoked "
        "(granting again keeps the end date, or clears it when the grant had expired).",
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"Your own note, at most {domain.GRANT_NOTE_MAX_LENGTH} characters; granting again "
        "without it keeps the note.",
    )


@strawberry.input(
    description="Changes to a grant you gave; a field left out stays as it is. Confirmed with your password."
)
class UpdateAccessGrantInput:
    grant_id: strawberry.ID = strawberry.field(description="ID of the grant.")
    password: str = strawberry.field(description="Your own password, to confirm.")
    permissions: list[SectionAccessInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="New levels per section (replacing all); null or left out: unchanged.",
    )
    valid_until: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="New last day of access (today or later; renews an expired grant); null: until revoked.",
    )
    note: str | None = strawberry.field(default=strawberry.UNSET, description="New note; null clears it.")


@strawberry.type(description="Result of `updateAccessGrant`.")
class UpdateAccessGrantPayload:
    grant: AccessGrant | None = strawberry.field(description="The grant as changed; null on failure.")
    errors: list[UserError] = strawberry.field(description="Empty on success; nothing changes otherwise.")


@strawberry.input(description="The token of an invitation link (`/accept-invitation?token=…`).")
class AcceptInvitationInput:
    token: str = strawberry.field(description="The `token` parameter of the link.")


@strawberry.type(description="Result of `acceptInvitation`.")
class AcceptInvitationPayload:
    grant: AccessGrant | None = strawberry.field(description="The grant, now yours; null on failure.")
    errors: list[UserError] = strawberry.field(
        description="Empty on success; `INVALID_TOKEN` (used, replaced or revoked), `EXPIRED_TOKEN`."
    )


@strawberry.type(description="Result of `grantAccess`; the same whether or not the email is registered.")
class GrantAccessPayload:
    grant: AccessGrant | None = strawberry.field(description="The grant; null on failure.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.input(description="The grant to revoke.")
class RevokeAccessInput:
    grant_id: strawberry.ID = strawberry.field(description="ID of the grant.")


@strawberry.type(description="Result of `revokeAccess`.")
class RevokeAccessPayload:
    grant: AccessGrant | None = strawberry.field(description="The revoked grant.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.input(description="Customers to attach to a housing manager's user.")
class AttachCustomersToUserInput:
    username: str = strawberry.field(description="Username of the housing manager's existing user.")
    customer_numbers: list[str] = strawberry.field(description="Customer numbers of the housing companies.")
    permissions: list[SectionAccessInput] = strawberry.field(description="A level per section.")


@strawberry.type(description="Result of `attachCustomersToUser` and `detachCustomersFromUser`.")
class AttachCustomersToUserPayload:
    grants: list[AccessGrant] = strawberry.field(description="The grants made, changed or ended.")
    errors: list[UserError] = strawberry.field(description="Empty on success; nothing changes otherwise.")


@strawberry.input(description="Customers to detach from a housing manager's user.")
class DetachCustomersFromUserInput:
    username: str = strawberry.field(description="Username of the housing manager's user.")
    customer_numbers: list[str] = strawberry.field(description="Customer numbers to detach.")


@strawberry.type
class AccessMutations:
    @strawberry.mutation(description="Give a person access to chosen sections (owner only).")
    async def grant_access(self, info: strawberry.Info, input: GrantAccessInput) -> GrantAccessPayload:
        result = await resolvers.grant_access(
            info.context,
            str(input.customer_id),
            input.grantee_email,
            _levels(input.permissions),
            input.password,
            _terms(input.valid_until, input.note),
        )
        grant = AccessGrant.from_row(result.grants[0]) if result.grants else None
        return GrantAccessPayload(grant=grant, errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Change the sections, levels, last day or note of a grant you gave (owner only)."
    )
    async def update_access_grant(
        self, info: strawberry.Info, input: UpdateAccessGrantInput
    ) -> UpdateAccessGrantPayload:
        permissions = input.permissions
        result = await resolvers.update_access_grant(
            info.context,
            str(input.grant_id),
            None if permissions is None or permissions is strawberry.UNSET else _levels(permissions),
            input.password,
            _terms(input.valid_until, input.note),
        )
        grant = AccessGrant.from_row(result.grants[0]) if result.grants else None
        return UpdateAccessGrantPayload(grant=grant, errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Accept an invitation sent by email: its grant becomes the signed-in user's, whatever "
        "address it was sent to (the owner then sees this user's address on the grant)."
    )
    async def accept_invitation(
        self, info: strawberry.Info, input: AcceptInvitationInput
    ) -> AcceptInvitationPayload:
        grant, errors = await invitations.accept_invitation(info.context, input.token)
        return AcceptInvitationPayload(
            grant=None if grant is None else AccessGrant.from_row(grant), errors=user_errors(errors)
        )

    @strawberry.mutation(description="Revoke a grant; it stops working on the grantee's next request.")
    async def revoke_access(self, info: strawberry.Info, input: RevokeAccessInput) -> RevokeAccessPayload:
        result = await resolvers.revoke_access(info.context, str(input.grant_id))
        grant = AccessGrant.from_row(result.grants[0]) if result.grants else None
        return RevokeAccessPayload(grant=grant, errors=user_errors(result.errors))

    @strawberry.mutation(description="Customer service: attach customers to a housing manager's user.")
    async def attach_customers_to_user(
        self, info: strawberry.Info, input: AttachCustomersToUserInput
    ) -> AttachCustomersToUserPayload:
        result = await housing_managers.attach_customers(
            info.context, input.username, input.customer_numbers, _levels(input.permissions)
        )
        return AttachCustomersToUserPayload(
            grants=[AccessGrant.from_row(g) for g in result.grants], errors=user_errors(result.errors)
        )

    @strawberry.mutation(description="Customer service: detach customers from a housing manager's user.")
    async def detach_customers_from_user(
        self, info: strawberry.Info, input: DetachCustomersFromUserInput
    ) -> AttachCustomersToUserPayload:
        result = await housing_managers.detach_customers(info.context, input.username, input.customer_numbers)
        return AttachCustomersToUserPayload(
            grants=[AccessGrant.from_row(g) for g in result.grants], errors=user_errors(result.errors)
        )
