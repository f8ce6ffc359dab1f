"""Customers, users and the viewer."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from auth.access import CustomerAccess
from domain import base
from domain import customers as domain
from resolvers import access as access_resolvers
from resolvers import access_log as access_log_resolvers
from resolvers import api_tokens as api_token_resolvers
from resolvers.connections import load_page
from resolvers.contact import contact_information, messaging_settings
from resolvers.errors import forbidden
from resolvers.ids import to_global_id
from resolvers.messages import customer_threads
from schema.access import AccessGrant
from schema.access_log import AccessLogConnection
from schema.api_tokens import ApiToken
from schema.common import Node
from schema.contact import ContactInformation, MessagingSettings
from schema.contracts import ContractConnection
from schema.directives import requires_access
from schema.documents import Document
from schema.enums import (
    ContractStatus,
    CustomerKind,
    InvoiceStatus,
    Relationship,
    Resolution,
)
from schema.invoices import InvoiceConnection
from schema.locations import LocationOfUse
from schema.messages import MessageThreadConnection
from schema.reporting import (
    ConsumptionSeries,
    InvoiceEstimate,
    consumption_of_customer,
    estimate_of_customer,
)
from schema.reporting_export import DecimalSeparator, ExportFormat, export_of_customer
from schema.users import SectionAccess, User


@strawberry.type(description="The party of electricity contracts: a person or an organisation.")
class Customer(Node):
    customer_number: str = strawberry.field(description="Customer number.")
    name: str = strawberry.field(description="Name of the person or organisation.")
    kind: CustomerKind = strawberry.field(description="Person or organisation.")
    row: strawberry.Private[domain.Customer]
    customer_id: strawberry.Private[int]
    #: The viewer's access; ``None`` when customer service sees the customer in a staff payload.
    viewer_access: strawberry.Private[CustomerAccess | None]

    @classmethod
    def from_row(cls, row: domain.Customer, access: CustomerAccess | None) -> Customer:
        return cls(
            id=strawberry.ID(to_global_id("Customer", row.id or 0)),
            customer_number=row.customer_number,
            name=row.name,
            kind=row.kind,
            row=row,
            customer_id=row.id or 0,
            viewer_access=access,
        )

    def _access(self) -> CustomerAccess:
        if self.viewer_access is None:
            raise forbidden()
        return self.viewer_access

    @strawberry.field(
        description="The viewer's relationship to this customer (`API_TOKEN` for a program's personal API "
        "token)."
    )
    def relationship(self) -> Relationship:
        return self._access().relationship

    @strawberry.field(description="The viewer's effective access, per section.")
    def access(self) -> list[SectionAccess]:
        levels = self._access().levels
        return [SectionAccess(section=s, level=levels[s]) for s in base.Section if s in levels]

    @strawberry.field(
        description="The customer's locations of use (any access to the customer; a program's API token "
        "limited to some locations sees only those)."
    )
    async def locations_of_use(self, info: strawberry.Info) -> list[LocationOfUse]:
        access = self._access()
        rows = await info.context.loaders.locations_by_customer_id.load(self.customer_id)
        return [LocationOfUse.from_row(r) for r in rows if access.allows_location(r.id)]

    @strawberry.field(
        description="Access given to others (owner only; null with FORBIDDEN otherwise), newest first."
    )
    async def access_grants(self, info: strawberry.Info) -> list[AccessGrant] | None:

        rows = await access_resolvers.grants_of_customer(info.context, self.customer_id)
        return [AccessGrant.from_row(r) for r in rows]

    @strawberry.field(
        description="Personal API tokens of programs that read this customer's data (owner only; null with "
        "FORBIDDEN otherwise), newest first; revoked tokens are left out, expired ones shown until revoked."
    )
    async def api_tokens(self, info: strawberry.Info) -> list[ApiToken] | None:
        rows = await api_token_resolvers.api_tokens_of_customer(info.context, self.customer_id)
        return [ApiToken.from_row(r) for r in rows]

    @strawberry.field(
        description="Who read or changed what of this customer, newest first (owner only; null with "
        "FORBIDDEN otherwise): reads by others once per person, section and day, every change one by one. "
        "`from` and `to` are days in Finnish time; `first` defaults to 20, at most 100."
    )
    async def access_log(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> AccessLogConnection | None:
        await access_resolvers.owner_access(info.context, self.customer_id)
        page = await access_log_resolvers.access_log(
            info.context, self.customer_id, first=first, after=after, from_=from_, to=to
        )
        return AccessLogConnection.of(page)

    @strawberry.field(
        description="Contracts, newest first (of its locations, for an API token limited to some). "
        "`first` defaults to 20, at most 100.",
        directives=requires_access(base.Section.CONTRACTS),
    )
    async def contracts(
        self,
        info: strawberry.Info,
        status: list[ContractStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ContractConnection | None:
        ctx = info.context
        page = await load_page(ctx, "contracts", self.customer_id, statuses=status, first=first, after=after)
        return ContractConnection.from_page(page, today=ctx.today, cutover=ctx.rules.cutover_date)

    @strawberry.field(
        description="Invoices issued by the current customer system, newest first (for an API token "
        "limited to some locations: those of their contracts). "
        "`first` defaults to 20, at most 100; `issuedFrom`/`issuedTo` are inclusive.",
        directives=requires_access(base.Section.INVOICES),
    )
    async def invoices(
        self,
        info: strawberry.Info,
        status: list[InvoiceStatus] | None = None,
        issued_from: date | None = None,
        issued_to: date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> InvoiceConnection | None:
        ctx = info.context
        page = await load_page(
            ctx,
            "invoices",
            self.customer_id,
            statuses=status,
            first=first,
            after=after,
            issued_from=issued_from,
            issued_to=issued_to,
        )
        return InvoiceConnection.from_page(page, today=ctx.today, rules=ctx.rules)

    @strawberry.field(
        description="Consumption of one of the customer's locations of use over local dates `from`..`to` "
        "(inclusive, Europe/Helsinki) at `resolution`. BAD_USER_INPUT for `to` before `from`, a range "
        "longer than the resolution allows (400 days at QUARTER_HOUR and HOUR, 3,660 at DAY) or finer "
        "than the location is metered; NOT_FOUND for a location that is not the customer's (or outside "
        "an API token's locations).",
        directives=requires_access(base.Section.REPORTING),
    )
    async def consumption(
        self,
        info: strawberry.Info,
        location_of_use_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from", description="First day (local date).")],
        to: Annotated[date, strawberry.argument(description="Last day (local date, inclusive).")],
        resolution: Annotated[Resolution, strawberry.argument(description="Resolution of the points.")],
    ) -> ConsumptionSeries | None:

        return await consumption_of_customer(
            info, self.customer_id, str(location_of_use_id), from_, to, resolution
        )

    @strawberry.field(
        description="A CSV of the consumption series of one of the customer's locations of use (the "
        "arguments as for `consumption`), behind a signed URL valid for minutes for the viewer only; "
        "access is checked again at download. A header row in the request's language, then one row per "
        "point: local start with UTC offset, UTC start, kWh, quality, unit price (c/kWh), cost (EUR). "
        "`decimal` defaults to the request's language: COMMA for Finnish and Swedish, POINT for English. "
        "BAD_USER_INPUT and NOT_FOUND as for `consumption`.",
        directives=requires_access(base.Section.REPORTING),
    )
    async def consumption_export(
        self,
        info: strawberry.Info,
        location_of_use_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from", description="First day (local date).")],
        to: Annotated[date, strawberry.argument(description="Last day (local date, inclusive).")],
        resolution: Annotated[Resolution, strawberry.argument(description="Resolution of the rows.")],
        format_: Annotated[ExportFormat, strawberry.argument(name="format", description="File format.")],
        decimal: Annotated[
            DecimalSeparator | None,
            strawberry.argument(description="Decimal separator; the request's language's when null."),
        ] = None,
    ) -> Document | None:

        return await export_of_customer(
            info, self.customer_id, str(location_of_use_id), from_, to, resolution, format_, decimal
        )

    @strawberry.field(
        description="Estimate of the next invoice of one of the customer's locations of use: the current "
        "billing period's consumption so far plus a projection, priced by the contract in force; null "
        "without one. NOT_FOUND for a location that is not the customer's (or outside an API token's "
        "locations).",
        directives=requires_access(base.Section.REPORTING),
    )
    async def next_invoice_estimate(
        self, info: strawberry.Info, location_of_use_id: strawberry.ID
    ) -> InvoiceEstimate | None:

        return await estimate_of_customer(info, self.customer_id, str(location_of_use_id))

    @strawberry.field(
        description="Message threads with customer service, newest activity first. "
        "`first` defaults to 20, at most 100.",
        directives=requires_access(base.Section.MESSAGES),
    )
    async def message_threads(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> MessageThreadConnection | None:

        return MessageThreadConnection.from_page(
            await customer_threads(info.context, self.customer_id, first, after)
        )

    @strawberry.field(
        description="All phone numbers and email addresses, and the postal address.",
        directives=requires_access(base.Section.MY_INFORMATION),
    )
    async def contact_information(self, info: strawberry.Info) -> ContactInformation | None:

        found = await contact_information(info.context, self.customer_id)
        return None if found is None else ContactInformation.from_contact(found)

    @strawberry.field(
        description="Electronic messaging settings: invoice delivery, language and consents.",
        directives=requires_access(base.Section.MY_INFORMATION),
    )
    async def messaging_settings(self, info: strawberry.Info) -> MessagingSettings | None:

        return MessagingSettings.from_row(await messaging_settings(info.context, self.customer_id))


@strawberry.type(description="The signed-in user and the customers they can see.")
class Viewer:
    user: User = strawberry.field(description="The signed-in user.")
    customers: list[Customer] = strawberry.field(
        description="Own customers first, then delegated ones, then managed ones."
    )
