"""Invoices, their lines, payment details and payments, and the invoices connection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from stdnum import iban as iban_format

from domain import base
from domain import invoices as domain
from domain.payments import format_reference, virtual_barcode
from resolvers.connections import Page, total_count
from resolvers.context import Rules
from resolvers.documents import credit_note_link, invoice_document_link
from resolvers.ids import to_global_id
from schema.common import Money, Node
from schema.contracts import Contract
from schema.directives import requires_access
from schema.documents import Document
from schema.enums import DetailLevel, InvoiceStatus
from schema.pages import PagedConnection, PageInfo


@strawberry.type(description="One line of a FULL invoice; amounts rounded half-up to the cent per line.")
class InvoiceLine:
    description: str = strawberry.field(description="What the line charges.")
    quantity: Decimal | None = strawberry.field(description="Quantity, e.g. kWh or months.")
    unit: str | None = strawberry.field(description="Unit of the quantity.")
    unit_price: Money | None = strawberry.field(description="Price per unit without VAT.")
    vat_rate: Decimal = strawberry.field(
        description="VAT rate in percent in force for the consumption period."
    )
    amount_excl_vat: Money = strawberry.field(description="Line amount without VAT.")
    amount_incl_vat: Money = strawberry.field(description="Line amount with VAT.")


@strawberry.type(description="What the payer needs to pay the invoice.")
class PaymentDetails:
    reference_number: str = strawberry.field(
        description="Finnish reference number (7-3-1 check digit) or RF creditor reference, "
        "in groups as printed on the invoice."
    )
    iban: str = strawberry.field(description="Recipient's account (IBAN), in groups of four.")
    bic: str = strawberry.field(description="Recipient's bank (BIC).")
    recipient_name: str = strawberry.field(description="Recipient's name.")
    amount_due: Money = strawberry.field(description="What is still to pay after payments received.")
    due_on: date = strawberry.field(description="Due date.")
    virtual_barcode: str = strawberry.field(
        description="54-digit virtual bank barcode (version 4 for national, 5 for RF references) "
        "of the amount due."
    )


@strawberry.type(description="A payment received.")
class Payment:
    paid_on: date = strawberry.field(description="Date the payment was received.")
    amount: Money = strawberry.field(description="Amount received.")


@strawberry.type(description="An invoice sent by the current customer system.")
class Invoice(Node):
    invoice_number: str = strawberry.field(description="Invoice number.")
    issued_on: date = strawberry.field(description="Date of issue.")
    due_on: date = strawberry.field(description="Due date.")
    period_start: date | None = strawberry.field(description="First day of the invoiced period.")
    period_end: date | None = strawberry.field(description="Last day of the invoiced period.")
    total: Money = strawberry.field(description="Invoice total with VAT; the sum of the lines.")
    vat_amount: Money | None = strawberry.field(description="VAT included in the total.")
    status: InvoiceStatus = strawberry.field(description="Payment status as of today in Finland.")
    detail_level: DetailLevel = strawberry.field(
        description="FULL (with lines) for invoices issued from the second cutover on, else BASIC."
    )
    payment: PaymentDetails = strawberry.field(description="Payment details.")
    row: strawberry.Private[domain.Invoice]
    customer_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: domain.Invoice, *, today: date, rules: Rules) -> Invoice:
        due = domain.amount_due(row.total, row.paid_amount, row.credited)
        payee_iban = rules.payee_iban
        return cls(
            id=strawberry.ID(to_global_id("Invoice", row.id or 0)),
            invoice_number=row.invoice_number,
            issued_on=row.issued_on,
            due_on=row.due_on,
            period_start=row.period_start,
            period_end=row.period_end,
            total=Money.eur(row.total),
            vat_amount=None if row.vat_amount is None else Money.eur(row.vat_amount),
            status=domain.invoice_status(
                total=row.total, paid=row.paid_amount, due_on=row.due_on, credited=row.credited, today=today
            ),
            detail_level=domain.invoice_detail_level(row.issued_on, rules.full_invoice_details_from),
            payment=PaymentDetails(
                reference_number=format_reference(row.reference_number),
                iban=iban_format.format(payee_iban),
                bic=rules.payee_bic,
                recipient_name=rules.payee_name,
                amount_due=Money.eur(due),
                due_on=row.due_on,
                virtual_barcode=virtual_barcode(payee_iban, due, row.reference_number, row.due_on),
            ),
            row=row,
            customer_id=row.customer_id,
        )

    @strawberry.field(description="Invoice lines; null when BASIC.")
    async def lines(self, info: strawberry.Info) -> list[InvoiceLine] | None:
        if self.detail_level is base.DetailLevel.BASIC:
            return None
        rows = await info.context.loaders.lines_by_invoice_id.load(self.row.id)
        return [
            InvoiceLine(
                description=r.description,
                quantity=r.quantity,
                unit=r.unit,
                unit_price=None if r.unit_price is None else Money.eur(r.unit_price),
                vat_rate=r.vat_rate,
                amount_excl_vat=Money.eur(r.amount_excl_vat),
                amount_incl_vat=Money.eur(r.amount_incl_vat),
            )
            for r in rows
        ]

    @strawberry.field(description="The invoice as a PDF, rendered from its data.")
    def document(self, info: strawberry.Info) -> Document:
        return Document.from_link(invoice_document_link(info.context, self.row))

    @strawberry.field(
        description="The credit note of a credited invoice, a PDF of its own (its lines are the "
        "invoice's, negated; it refers to this invoice); null when the invoice is not credited."
    )
    async def credit_note(self, info: strawberry.Info) -> Document | None:
        if not self.row.credited:
            return None
        row = await info.context.loaders.credit_note_by_invoice_id.load(self.row.id)
        return None if row is None else Document.from_link(credit_note_link(info.context, row))

    @strawberry.field(description="Payments received, oldest first.")
    async def payments(self, info: strawberry.Info) -> list[Payment]:
        rows = await info.context.loaders.payments_by_invoice_id.load(self.row.id)
        return [Payment(paid_on=r.paid_on, amount=Money.eur(r.amount)) for r in rows]

    @strawberry.field(
        description="The contract invoiced (needs CONTRACTS access to the customer).",
        directives=requires_access(base.Section.CONTRACTS),
    )
    async def contract(self, info: strawberry.Info) -> Contract | None:
        if self.row.contract_id is None:
            return None
        row = await info.context.loaders.contract_by_id.load(self.row.contract_id)
        if row is None:
            return None
        return Contract.from_row(row, today=info.context.today, cutover=info.context.rules.cutover_date)


@strawberry.type(description="An invoice in a connection.")
class InvoiceEdge:
    cursor: str = strawberry.field(description="Position of this invoice in the list.")
    node: Invoice = strawberry.field(description="The invoice.")


@strawberry.type(description="A page of invoices, newest first.")
class InvoiceConnection(PagedConnection):
    page: strawberry.Private[Page]
    edges: list[InvoiceEdge] = strawberry.field(description="The invoices of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")

    @classmethod
    def from_page(cls, page: Page, *, today: date, rules: Rules) -> InvoiceConnection:
        return cls.of_page(page, InvoiceEdge, lambda row: Invoice.from_row(row, today=today, rules=rules))

    @strawberry.field(description="Number of invoices matching the filters, on all pages.")
    async def total_count(self, info: strawberry.Info) -> int:
        return await total_count(info.context, self.page.key)
