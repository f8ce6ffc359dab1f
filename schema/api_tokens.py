"""Personal API tokens for programs: the type, its mutations, and the read-only rule.

A program sends ``Authorization: Bearer ep_…`` and reads what the token grants through
``customer(id:)`` and ``node(id:)`` (``viewer`` is null: a program is no user). Every
mutation is refused for it at one point, ``ApiTokensReadOnly``, before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import strawberry
from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from domain.api_tokens import API_TOKEN_NAME_MAX_LENGTH
from domain.base import Language
from domain.texts import text
from resolvers import api_tokens as resolvers
from resolvers.errors import ErrorCode
from resolvers.ids import to_global_id
from schema.access import SectionAccessInput, _levels
from schema.common import Node, UserError, user_errors
from schema.locations import LocationOfUse
from schema.users import SectionAccess


@strawberry.type(
    description="A personal API token: a program's read-only access to chosen sections of one customer, "
    "perhaps only to some of its locations of use. The secret is shown once, when the token is created; "
    "the program sends it as `Authorization: Bearer ep_…`."
)
class ApiToken(Node):
    name: str = strawberry.field(description="The owner's name for the token (the program it is for).")
    permissions: list[SectionAccess] = strawberry.field(description="The sections it reads (always READ).")
    valid_until: date | None = strawberry.field(
        description="The last day of access (Finnish time); null: until revoked."
    )
    created_at: datetime = strawberry.field(description="When the token was created.")
    last_used_at: datetime | None = strawberry.field(
        description="When a program last used the token (to the minute); null: never."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When the token was revoked; null while it is not."
    )
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> ApiToken:
        return cls(
            id=strawberry.ID(to_global_id("ApiToken", row.id or 0)),
            name=row.name,
            permissions=[
                SectionAccess(section=s, level=level) for s, level in resolvers.api_token_levels(row).items()
            ],
            valid_until=row.valid_until,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            row=row,
        )

    @strawberry.field(
        description="The locations of use the program sees: those the token was limited to, or all of the "
        "customer's when it was not."
    )
    async def locations_of_use(self, info: strawberry.Info) -> list[LocationOfUse]:
        rows = await resolvers.api_token_locations(info.context, self.row)
        return [LocationOfUse.from_row(r) for r in rows]


@strawberry.input(description="A token for a program; confirmed with the owner's password.")
class CreateApiTokenInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer (you must own it).")
    name: str = strawberry.field(
        description=f"A name for the token, e.g. the program's; 1 to {API_TOKEN_NAME_MAX_LENGTH} characters."
    )
    permissions: list[SectionAccessInput] = strawberry.field(
        description="The sections the program reads, each at READ (a program's token never writes)."
    )
    password: str = strawberry.field(description="Your own password, to confirm.")
    location_of_use_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only these of the customer's locations of use; null or empty: all of them.",
    )
    valid_until: date | None = strawberry.field(
        default=None,
        description="The last day of access (Finnish time, today or later); null: until revoked.",
    )


@strawberry.type(description="Result of `createApiToken`.")
class CreateApiTokenPayload:
    token: ApiToken | None = strawberry.field(description="The token; null on failure.")
    secret: str | None = strawberry.field(
        description="The secret the program sends as `Authorization: Bearer <secret>` (starts `ep_`). "
        "Shown only here, once: it cannot be read again. Null on failure."
    )
    errors: list[UserError] = strawberry.field(description="Empty on success; nothing is created otherwise.")


@strawberry.input(description="The token to revoke.")
class RevokeApiTokenInput:
    token_id: strawberry.ID = strawberry.field(description="ID of the token.")


@strawberry.type(description="Result of `revokeApiToken`.")
class RevokeApiTokenPayload:
    token: ApiToken | None = strawberry.field(description="The revoked token.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.type
class ApiTokenMutations:
    @strawberry.mutation(
        description="Create a personal API token for a program (owner only, confirmed with your password): "
        "read-only sections, optionally only some locations of use and a last day. The secret is returned "
        "once."
    )
    async def create_api_token(
        self, info: strawberry.Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        request = resolvers.ApiTokenRequest(
            customer_gid=str(input.customer_id),
            name=input.name,
            permissions=_levels(input.permissions),
            location_gids=None
            if input.location_of_use_ids is None
            else [str(i) for i in input.location_of_use_ids],
            valid_until=input.valid_until,
            password=input.password,
        )
        result = await resolvers.create_api_token(info.context, request)
        token = None if result.token is None else ApiToken.from_row(result.token)
        return CreateApiTokenPayload(token=token, secret=result.secret, errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Revoke a personal API token (owner only); the program's next request is refused."
    )
    async def revoke_api_token(
        self, info: strawberry.Info, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        result = await resolvers.revoke_api_token(info.context, str(input.token_id))
        token = None if result.token is None else ApiToken.from_row(result.token)
        return RevokeApiTokenPayload(token=token, errors=user_errors(result.errors))


class ApiTokensReadOnly(SchemaExtension):
    """Refuses every mutation (and subscription) of a program with a personal API token, unrun,
    with one ``FORBIDDEN`` error: the single point where a token's writes are refused."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        principal = getattr(execution.context, "principal", None)
        if (
            principal is not None
            and principal.api_token is not None
            and execution.operation_type is not OperationType.QUERY
            and execution.result is None  # not already refused (cost, budget)
        ):
            language = getattr(execution.context, "language", Language.FI)
            message = text("api_token.writes_refused", language)
            error = GraphQLError(message, extensions={"code": ErrorCode.FORBIDDEN.value})
            execution.result = ExecutionResult(data=None, errors=[error])
        yield
