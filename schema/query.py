"""The root query."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.base import Language as DomainLanguage
from resolvers import bulletins as bulletin_resolvers
from resolvers import customers as customer_resolvers
from resolvers.nodes import load_node
from schema.api_tokens import ApiToken
from schema.bulletins import Bulletin
from schema.common import Node
from schema.contracts import Contract
from schema.customers import Customer, Viewer
from schema.enums import Language
from schema.invoices import Invoice
from schema.locations import LocationOfUse
from schema.users import User

if TYPE_CHECKING:
    from schema.messages import MessageThreadConnection


@strawberry.type(description="Reads of the customer Online service.")
class Query:
    @strawberry.field(description="Any object by its global ID, under the same access rules as any path.")
    async def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
        ctx = info.context
        type_name, row = await load_node(ctx, str(id))
        if type_name == "User":
            return User.from_row(row)
        if type_name == "Customer":
            access = await ctx.loaders.access_by_customer_id.load(row.id)
            return Customer.from_row(row, access)
        if type_name == "LocationOfUse":
            return LocationOfUse.from_row(row)
        if type_name == "Contract":
            return Contract.from_row(row, today=ctx.today, cutover=ctx.rules.cutover_date)
        if type_name == "Invoice":
            return Invoice.from_row(row, today=ctx.today, rules=ctx.rules)
        if type_name == "AccessGrant":
            from schema.access import AccessGrant

            return AccessGrant.from_row(row)
        if type_name == "ApiToken":
            return ApiToken.from_row(row)
        if type_name in {"MessageThread", "Message", "Attachment"}:
            from schema import messages

            return getattr(messages, type_name).from_row(row)
        if type_name == "Bulletin":
            return Bulletin.from_shown(row)
        return None

    @strawberry.field(
        description="The signed-in user and their customers; null when not signed in, and for a program with "
        "a personal API token (it reads through `customer(id:)` and `node(id:)`)."
    )
    async def viewer(self, info: strawberry.Info) -> Viewer | None:
        ctx = info.context
        user = await customer_resolvers.viewer_user(ctx)
        if user is None:
            return None
        customers = await customer_resolvers.viewer_customers(ctx)
        return Viewer(
            user=User.from_row(user),
            customers=[Customer.from_row(row, access) for row, access in customers],
        )

    @strawberry.field(description="A customer the viewer has access to; NOT_FOUND otherwise.")
    async def customer(self, info: strawberry.Info, id: strawberry.ID) -> Customer | None:
        row, access = await customer_resolvers.customer_by_global_id(info.context, str(id))
        return Customer.from_row(row, access)

    @strawberry.field(
        description="Customer service: threads waiting for an answer (the customer wrote last), longest "
        "waiting first; null with FORBIDDEN for anyone else. `first` defaults to 20, at most 100."
    )
    async def threads_awaiting_reply(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Annotated[MessageThreadConnection, strawberry.lazy("schema.messages")] | None:
        from resolvers.messages import threads_awaiting_reply
        from schema.messages import MessageThreadConnection

        return MessageThreadConnection.from_page(await threads_awaiting_reply(info.context, first, after))

    @strawberry.field(
        description="Bulletins for the signed-in user, newest first, in `language` "
        "(default: the request's Accept-Language); null with UNAUTHENTICATED when not signed in, FORBIDDEN "
        "for a program's API token."
    )
    async def bulletins(
        self, info: strawberry.Info, language: Language | None = None
    ) -> list[Bulletin] | None:
        shown = await bulletin_resolvers.bulletins_for_viewer(
            info.context, None if language is None else DomainLanguage(language.value)
        )
        return [Bulletin.from_shown(b) for b in shown]
