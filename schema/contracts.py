"""Contracts, products, price components and the contracts connection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain import contracts as domain
from domain.customers import CustomerKind
from domain.payments import VAT_PERIODS
from resolvers.connections import Page, total_count
from resolvers.documents import contract_confirmation_link
from resolvers.ids import to_global_id
from schema.common import Address, Node
from schema.documents import Document
from schema.enums import ContractStatus, DetailLevel, InvoiceDelivery, PriceKind, PriceUnit, ProductKind
from schema.locations import LocationOfUse
from schema.pages import PagedConnection, PageInfo


@strawberry.type(description="An electricity product.")
class Product:
    name: str = strawberry.field(description="Product name.")
    kind: ProductKind = strawberry.field(description="Fixed price, time of use, or spot.")


@strawberry.type(description="A price of a contract for a period. Consumer prices include VAT.")
class PriceComponent:
    kind: PriceKind = strawberry.field(description="What is priced.")
    amount: Decimal = strawberry.field(description="The price, in the unit given.")
    unit: PriceUnit = strawberry.field(description="EUR per month or cents per kWh.")
    vat_included: bool = strawberry.field(description="Whether VAT is included in the amount.")
    valid_from: date = strawberry.field(description="First day this price applies.")
    valid_until: date | None = strawberry.field(
        description="Last day this price applies; null = until further notice."
    )


@strawberry.type(description="How the contract is invoiced.")
class InvoicingDetails:
    delivery_method: InvoiceDelivery = strawberry.field(description="How invoices are delivered.")
    billing_interval_months: int = strawberry.field(description="Months covered by one invoice.")
    billing_address: Address = strawberry.field(description="Where invoices are addressed.")


@strawberry.type(description="An electricity contract for one location of use.")
class Contract(Node):
    contract_number: str = strawberry.field(description="Contract number.")
    status: ContractStatus = strawberry.field(
        description="Upcoming, active or ended, as of today in Finland."
    )
    signed_on: date = strawberry.field(description="Date the contract was signed.")
    valid_from: date = strawberry.field(description="First day of validity.")
    valid_until: date | None = strawberry.field(description="Last day of validity; null = open-ended.")
    detail_level: DetailLevel = strawberry.field(
        description="FULL for contracts signed in the current customer system, else BASIC."
    )
    row: strawberry.Private[domain.Contract]
    view: strawberry.Private[domain.ContractView]
    customer_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: domain.Contract, *, today: date, cutover: date) -> Contract:
        view = domain.contract_view(row.signed_on, row.valid_until, cutover)
        return cls(
            id=strawberry.ID(to_global_id("Contract", row.id or 0)),
            contract_number=row.contract_number,
            status=domain.contract_status(row.valid_from, row.valid_until, today),
            signed_on=row.signed_on,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            detail_level=view.detail_level,
            row=row,
            view=view,
            customer_id=row.customer_id,
        )

    @strawberry.field(description="The product of the contract.")
    async def product(self, info: strawberry.Info) -> Product:
        product = await info.context.loaders.product_by_id.load(self.row.product_id)
        return Product(name=product.name, kind=product.kind)

    @strawberry.field(
        description="Prices with their validity (a price or VAT change starts a new component); "
        "null for contracts that ended before the current customer system."
    )
    async def prices(self, info: strawberry.Info) -> list[PriceComponent] | None:
        if not self.view.shows_prices:
            return None
        loaders = info.context.loaders
        components = await loaders.prices_by_contract_id.load(self.row.id)
        customer = await loaders.customer_by_id.load(self.customer_id)
        shown = domain.shown_prices(
            components, include_vat=customer.kind is CustomerKind.PERSON, vat_periods=VAT_PERIODS
        )
        return [
            PriceComponent(
                kind=p.kind,
                amount=p.amount,
                unit=p.unit,
                vat_included=p.vat_included,
                valid_from=p.valid_from,
                valid_until=p.valid_until,
            )
            for p in shown
        ]

    @strawberry.field(description="The contract confirmation as a PDF; null when BASIC.")
    def confirmation(self, info: strawberry.Info) -> Document | None:
        if not self.view.shows_confirmation:
            return None
        return Document.from_link(contract_confirmation_link(info.context, self.row))

    @strawberry.field(description="Invoicing details; null when BASIC.")
    def invoicing(self) -> InvoicingDetails | None:
        if not self.view.shows_invoicing:
            return None
        r = self.row
        return InvoicingDetails(
            delivery_method=r.delivery_method,
            billing_interval_months=r.billing_interval_months,
            billing_address=Address(
                street=r.billing_street,
                postal_code=r.billing_postal_code,
                city=r.billing_city,
                country=r.billing_country,
            ),
        )

    @strawberry.field(description="The location of use the contract supplies.")
    async def location_of_use(self, info: strawberry.Info) -> LocationOfUse:
        row = await info.context.loaders.location_by_id.load(self.row.location_of_use_id)
        return LocationOfUse.from_row(row, profile_shown=self.view.shows_profile)


@strawberry.type(description="A contract in a connection.")
class ContractEdge:
    cursor: str = strawberry.field(description="Position of this contract in the list.")
    node: Contract = strawberry.field(description="The contract.")


@strawberry.type(description="A page of contracts, newest first.")
class ContractConnection(PagedConnection):
    page: strawberry.Private[Page]
    edges: list[ContractEdge] = strawberry.field(description="The contracts of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")

    @classmethod
    def from_page(cls, page: Page, *, today: date, cutover: date) -> ContractConnection:
        return cls.of_page(
            page, ContractEdge, lambda row: Contract.from_row(row, today=today, cutover=cutover)
        )

    @strawberry.field(description="Number of contracts matching the filters, on all pages.")
    async def total_count(self, info: strawberry.Info) -> int:
        return await total_count(info.context, self.page.key)
