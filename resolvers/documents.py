"""Documents: the URL a viewer gets, and the document model a download renders.

A URL is issued only to a principal that may read the section (the field that returns
it is guarded), is bound to that principal and to the one file, and lives minutes. The
download checks the token and the principal's access again, so a revoked grant stops
downloads at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum import iban as iban_format

from auth.file_tokens import FileGrant, issue_file_token
from domain.base import DetailLevel
from domain.contracts import Contract, PriceComponent, PriceKind, PriceUnit, Product, shown_prices
from domain.customers import Customer, CustomerKind, LocationOfUse
from domain.documents import (
    ContractConfirmationDocument,
    DocumentLine,
    InvoiceDocument,
    Party,
    PriceRow,
)
from domain.invoices import Invoice, InvoiceLine, amount_due, invoice_detail_level
from domain.payments import VAT_PERIODS, format_reference, virtual_barcode
from resolvers.context import Context, Rules

PDF = "application/pdf"

#: Which section a file kind belongs to.
FILE_SECTIONS = {"invoice": "INVOICES", "contract": "CONTRACTS"}


@dataclass(frozen=True)
class DocumentLink:
    """What the API shows of a document."""

    filename: str
    content_type: str
    url: str


def file_url(ctx: Context, kind: str, subject_id: int) -> str:
    """A signed URL for one file, bound to the requesting principal (a program's: to its token)."""
    principal = ctx.require_principal()
    grant = FileGrant(kind, subject_id, principal.user_id, principal.api_token_id)
    token = issue_file_token(ctx.rules.signing_key, grant)
    return f"{ctx.rules.public_origin.rstrip('/')}/files/{token}"


def invoice_document_link(ctx: Context, invoice: Invoice) -> DocumentLink:
    return DocumentLink(f"lasku-{invoice.invoice_number}.pdf", PDF, file_url(ctx, "invoice", invoice.id or 0))


def contract_confirmation_link(ctx: Context, contract: Contract) -> DocumentLink:
    return DocumentLink(
        f"sopimusvahvistus-{contract.contract_number}.pdf", PDF, file_url(ctx, "contract", contract.id or 0)
    )


def _party(customer: Customer, fallback: LocationOfUse | None) -> Party:
    if customer.postal_street:
        return Party(
            customer.name, customer.postal_street, customer.postal_code or "", customer.postal_city or ""
        )
    if fallback is not None:
        return Party(customer.name, fallback.street, fallback.postal_code, fallback.city)
    return Party(customer.name, "", "", "")


async def invoice_document(
    db: AsyncSession, invoice_id: int, rules: Rules
) -> tuple[int, InvoiceDocument] | None:
    """(customer id, model) of an invoice of the current system, or ``None``."""
    invoice = await db.get(Invoice, invoice_id)
    if invoice is None or invoice.issued_on < rules.cutover_date:
        return None
    customer = await db.get(Customer, invoice.customer_id)
    contract = await db.get(Contract, invoice.contract_id) if invoice.contract_id else None
    location = await db.get(LocationOfUse, contract.location_of_use_id) if contract else None
    lines: list[InvoiceLine] = []
    if invoice_detail_level(invoice.issued_on, rules.full_invoice_details_from) is DetailLevel.FULL:
        lines = list(
            (
                await db.execute(
                    select(InvoiceLine)
                    .where(InvoiceLine.invoice_id == invoice_id)
                    .order_by(InvoiceLine.position)
                )
            )
            .scalars()
            .all()
        )
    assert customer is not None
    due = amount_due(invoice.total, invoice.paid_amount, invoice.credited)
    model = InvoiceDocument(
        seller=rules.payee_name,
        seller_business_id=rules.payee_business_id,
        invoice_number=invoice.invoice_number,
        customer_number=customer.customer_number,
        recipient=_party(customer, location),
        location="" if location is None else f"{location.street}, {location.postal_code} {location.city}",
        metering_point_id="" if location is None else location.metering_point_id,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=tuple(
            DocumentLine(
                line.description,
                line.quantity,
                line.unit,
                line.unit_price,
                line.vat_rate,
                line.amount_excl_vat,
                line.amount_incl_vat,
            )
            for line in lines
        ),
        total=invoice.total,
        vat_amount=invoice.vat_amount,
        amount_due=due,
        reference_number=format_reference(invoice.reference_number),
        iban=iban_format.format(rules.payee_iban),
        bic=rules.payee_bic,
        virtual_barcode=virtual_barcode(rules.payee_iban, due, invoice.reference_number, invoice.due_on),
        credited=invoice.credited,
    )
    return invoice.customer_id, model


async def file_location_id(db: AsyncSession, kind: str, subject_id: int) -> int | None:
    """The location of use an invoice (through its contract) or a contract confirmation
    belongs to, for a principal limited to some locations; ``None`` when it has none."""
    if kind == "invoice":
        statement = (
            select(Contract.location_of_use_id)
            .join(Invoice, Invoice.contract_id == Contract.id)
            .where(Invoice.id == subject_id)
        )
    else:
        statement = select(Contract.location_of_use_id).where(Contract.id == subject_id)
    return await db.scalar(statement)


_PRICE_LABELS = {
    PriceKind.BASIC_FEE: "Perusmaksu",
    PriceKind.ENERGY: "Energia",
    PriceKind.ENERGY_DAY: "Päiväenergia (07–22)",
    PriceKind.ENERGY_NIGHT: "Yöenergia (22–07)",
    PriceKind.SPOT_MARGIN: "Marginaali pörssihinnan päälle",
}
_UNITS = {PriceUnit.EUR_PER_MONTH: "EUR/kk", PriceUnit.CENTS_PER_KWH: "c/kWh"}


async def contract_confirmation(
    db: AsyncSession, contract_id: int, rules: Rules
) -> tuple[int, ContractConfirmationDocument] | None:
    """(customer id, model) of the confirmation of a contract made in the current system."""
    contract = await db.get(Contract, contract_id)
    if contract is None or contract.signed_on < rules.cutover_date:
        return None
    customer = await db.get(Customer, contract.customer_id)
    product = await db.get(Product, contract.product_id)
    location = await db.get(LocationOfUse, contract.location_of_use_id)
    assert customer is not None and product is not None and location is not None
    components = list(
        (await db.execute(select(PriceComponent).where(PriceComponent.contract_id == contract_id)))
        .scalars()
        .all()
    )
    include_vat = customer.kind is CustomerKind.PERSON
    prices = shown_prices(components, include_vat=include_vat, vat_periods=VAT_PERIODS)
    model = ContractConfirmationDocument(
        seller=rules.payee_name,
        contract_number=contract.contract_number,
        customer_number=customer.customer_number,
        customer=_party(customer, location),
        product=product.name,
        signed_on=contract.signed_on,
        valid_from=contract.valid_from,
        valid_until=contract.valid_until,
        location=f"{location.street}, {location.postal_code} {location.city}",
        metering_point_id=location.metering_point_id,
        prices=tuple(
            PriceRow(_PRICE_LABELS[p.kind], Decimal(p.amount), _UNITS[p.unit], p.valid_from, p.valid_until)
            for p in prices
        ),
        vat_included=include_vat,
        delivery_method=contract.delivery_method.value,
        billing_interval_months=contract.billing_interval_months,
    )
    return contract.customer_id, model
