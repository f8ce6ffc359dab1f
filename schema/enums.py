"""GraphQL enums, exposing the domain's enums under their API names."""

from __future__ import annotations

import strawberry

from domain import base, contracts, customers, invoices, users

Section = strawberry.enum(
    base.Section, description="A section of the service; access is granted per section."
)
AccessLevel = strawberry.enum(
    base.AccessLevel, description="`READ` sees a section; `READ_WRITE` also changes it."
)
Relationship = strawberry.enum(base.Relationship, description="The viewer's relationship to a customer.")
Resolution = strawberry.enum(base.Resolution, description="Time resolution of metering and of series.")
DetailLevel = strawberry.enum(
    base.DetailLevel, description="How much the current customer system can show (SPEC 5-6)."
)
Language = strawberry.enum(base.Language, description="Language of the service.")
UserRole = strawberry.enum(users.UserRole, description="Customer-side user or customer-service staff.")
CustomerKind = strawberry.enum(customers.CustomerKind, description="Person or organisation.")
BuildingType = strawberry.enum(customers.BuildingType, description="Building type of a location of use.")
HeatingType = strawberry.enum(customers.HeatingType, description="Main heating of a location of use.")
ContractStatus = strawberry.enum(
    contracts.ContractStatus, description="Computed from today's date in Finland."
)
ProductKind = strawberry.enum(contracts.ProductKind, description="How the energy is priced.")
PriceKind = strawberry.enum(contracts.PriceKind, description="What a price component prices.")
PriceUnit = strawberry.enum(contracts.PriceUnit, description="Unit of a price component.")
InvoiceDelivery = strawberry.enum(contracts.InvoiceDelivery, description="How invoices are delivered.")
InvoiceStatus = strawberry.enum(
    invoices.InvoiceStatus, description="Payment status; `OVERDUE` is money still due after the due date."
)
