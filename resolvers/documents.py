"""Documents: the URL a viewer gets, and the document model a download renders.

A URL is issued only to a principal that may read the section (the field that returns
it is guarded), is bound to that principal, to the one file and to the language of the
request that got it, and lives minutes. The download checks the token and the
principal's access again, so a revoked grant stops downloads at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum import iban as iban_format

from auth.file_tokens import FileGrant, issue_file_token
from domain.base import DetailLevel, Language
from domain.contracts import Contract, PriceComponent, Product, prices_by_vat_period
from domain.customers import Customer, CustomerKind, LocationOfUse
from domain.documents import (
    Consumption,
    ContractConfirmationDocument,
    CreditNoteDocument,
    DocumentLine,
    InvoiceDocument,
    Party,
    PriceRow,
    Seller,
    negated_lines,
)
from domain.invoices import CreditNote, Invoice, InvoiceLine, amount_due, invoice_detail_level
from domain.payments import VAT_PERIODS, format_reference, virtual_barcode
from domain.reporting.tables import DailyConsumption
from domain.texts import text
from resolvers.context import Context, Rules

PDF = "application/pdf"

#: Which section a file kind belongs to.
FILE_SECTIONS = {"invoice": "INVOICES", "credit_note": "INVOICES", "contract": "CONTRACTS"}

_D = DailyConsumption.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DocumentLink:
    """What the API shows of a document."""

    filename: str
    content_type: str
    url: str


def file_url(ctx: Context, kind: str, subject_id: int) -> str:
    """A signed URL for one file in the request's language, bound to the requesting principal
    (a program's: to its token)."""
    principal = ctx.require_principal()
    grant = FileGrant(kind, subject_id, principal.user_id, principal.api_token_id, ctx.language)
    token = issue_file_token(ctx.rules.signing_key, grant)
    return f"{ctx.rules.public_origin.rstrip('/')}/files/{token}"


def invoice_document_link(ctx: Context, invoice: Invoice) -> DocumentLink:
    filename = text("document.invoice.filename", ctx.language, number=invoice.invoice_number)
    return DocumentLink(filename, PDF, file_url(ctx, "invoice", invoice.id or 0))


def credit_note_link(ctx: Context, credit_note: CreditNote) -> DocumentLink:
    filename = text("document.credit_note.filename", ctx.language, number=credit_note.credit_note_number)
    return DocumentLink(filename, PDF, file_url(ctx, "credit_note", credit_note.id or 0))


def contract_confirmation_link(ctx: Context, contract: Contract) -> DocumentLink:
    filename = text("document.contract.filename", ctx.language, number=contract.contract_number)
    return DocumentLink(filename, PDF, file_url(ctx, "contract", contract.id or 0))


def seller(rules: Rules) -> Seller:
    """The retailer as the settings describe it."""
    return Seller(
        name=rules.payee_name,
        street=rules.seller_street,
        postal_code=rules.seller_postal_code,
        city=rules.seller_city,
        business_id=rules.payee_business_id,
        vat_number=rules.seller_vat_number,
        phone=rules.customer_service_phone,
        email=rules.customer_service_email,
        late_payment_interest_percent=rules.late_payment_interest_percent,
    )


def _party(customer: Customer, fallback: LocationOfUse | None) -> Party:
    if customer.postal_street:
        return Party(
            customer.name, customer.postal_street, customer.postal_code or "", customer.postal_city or ""
        )
    if fallback is not None:
        return Party(customer.name, fallback.street, fallback.postal_code, fallback.city)
    return Party(customer.name, "", "", "")


def _address(location: LocationOfUse | None) -> str:
    return "" if location is None else f"{location.street}, {location.postal_code} {location.city}"


def one_year_back(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


async def consumption_of(db: AsyncSession, location_id: int, start: date, end: date) -> Consumption:
    """The kWh of the days ``start``-``end`` and of the same days a year earlier (one statement)."""
    ly_start, ly_end = one_year_back(start), one_year_back(end)
    this = _D.c.local_date.between(start, end)
    last = _D.c.local_date.between(ly_start, ly_end)
    row = (
        await db.execute(
            select(func.sum(case((this, _D.c.wh))), func.sum(case((last, _D.c.wh)))).where(
                _D.c.location_of_use_id == location_id, this | last
            )
        )
    ).one()

    def kwh(wh: object) -> Decimal | None:
        return None if wh is None else Decimal(int(wh)) / 1000  # type: ignore[call-overload]

    return Consumption(kwh(row[0]), ly_start, ly_end, kwh(row[1]))


async def _lines(db: AsyncSession, invoice: Invoice, rules: Rules) -> tuple[DocumentLine, ...]:
    if invoice_detail_level(invoice.issued_on, rules.full_invoice_details_from) is not DetailLevel.FULL:
        return ()
    rows = (
        (
            await db.execute(
                select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position)
            )
        )
        .scalars()
        .all()
    )
    return tuple(
        DocumentLine(
            line.description,
            line.quantity,
            line.unit,
            line.unit_price,
            line.vat_rate,
            line.amount_excl_vat,
            line.amount_incl_vat,
        )
        for line in rows
    )


async def invoice_document(
    db: AsyncSession, invoice_id: int, rules: Rules, language: Language = Language.FI
) -> tuple[int, InvoiceDocument] | None:
    """(customer id, model) of an invoice of the current system, or ``None``.

    A paid or credited invoice is shown as it was sent (its total to pay, with a mark);
    any other shows what is still due.
    """
    invoice = await db.get(Invoice, invoice_id)
    if invoice is None or invoice.issued_on < rules.cutover_date:
        return None
    customer = await db.get(Customer, invoice.customer_id)
    contract = await db.get(Contract, invoice.contract_id) if invoice.contract_id else None
    location = await db.get(LocationOfUse, contract.location_of_use_id) if contract else None
    product = await db.get(Product, contract.product_id) if contract else None
    credit_note = (
        await db.scalar(select(CreditNote).where(CreditNote.invoice_id == invoice_id))
        if invoice.credited
        else None
    )
    consumption = None
    if location is not None and invoice.period_start is not None and invoice.period_end is not None:
        consumption = await consumption_of(db, location.id or 0, invoice.period_start, invoice.period_end)
    assert customer is not None
    paid = not invoice.credited and invoice.paid_amount >= invoice.total
    due = invoice.total if paid or invoice.credited else amount_due(invoice.total, invoice.paid_amount, False)
    model = InvoiceDocument(
        language=language,
        seller=seller(rules),
        invoice_number=invoice.invoice_number,
        customer_number=customer.customer_number,
        recipient=_party(customer, location),
        location=_address(location),
        metering_point_id="" if location is None else location.metering_point_id,
        product="" if product is None else product.name,
        contract_number="" if contract is None else contract.contract_number,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=await _lines(db, invoice, rules),
        total=invoice.total,
        vat_amount=invoice.vat_amount,
        amount_due=due,
        reference_number=format_reference(invoice.reference_number),
        iban=iban_format.format(rules.payee_iban),
        bic=rules.payee_bic,
        virtual_barcode=virtual_barcode(rules.payee_iban, due, invoice.reference_number, invoice.due_on),
        consumption=consumption,
        paid=paid,
        credited=invoice.credited,
        credit_note_number=None if credit_note is None else credit_note.credit_note_number,
        credit_note_issued_on=None if credit_note is None else credit_note.issued_on,
    )
    return invoice.customer_id, model


async def credit_note_document(
    db: AsyncSession, credit_note_id: int, rules: Rules, language: Language = Language.FI
) -> tuple[int, CreditNoteDocument] | None:
    """(customer id, model) of a credit note: the credited invoice's lines negated."""
    credit_note = await db.get(CreditNote, credit_note_id)
    invoice = None if credit_note is None else await db.get(Invoice, credit_note.invoice_id)
    if credit_note is None or invoice is None or invoice.issued_on < rules.cutover_date:
        return None
    customer = await db.get(Customer, invoice.customer_id)
    contract = await db.get(Contract, invoice.contract_id) if invoice.contract_id else None
    location = await db.get(LocationOfUse, contract.location_of_use_id) if contract else None
    assert customer is not None
    model = CreditNoteDocument(
        language=language,
        seller=seller(rules),
        credit_note_number=credit_note.credit_note_number,
        issued_on=credit_note.issued_on,
        invoice_number=invoice.invoice_number,
        invoice_issued_on=invoice.issued_on,
        customer_number=customer.customer_number,
        recipient=_party(customer, location),
        location=_address(location),
        metering_point_id="" if location is None else location.metering_point_id,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=negated_lines(await _lines(db, invoice, rules)),
        total=credit_note.total,
        vat_amount=credit_note.vat_amount,
    )
    return invoice.customer_id, model


async def file_location_id(db: AsyncSession, kind: str, subject_id: int) -> int | None:
    """The location of use an invoice or credit note (through its contract) or a contract
    confirmation belongs to, for a principal limited to some locations; ``None`` when none."""
    if kind == "invoice":
        statement = (
            select(Contract.location_of_use_id)
            .join(Invoice, Invoice.contract_id == Contract.id)
            .where(Invoice.id == subject_id)
        )
    elif kind == "credit_note":
        statement = (
            select(Contract.location_of_use_id)
            .join(Invoice, Invoice.contract_id == Contract.id)
            .join(CreditNote, CreditNote.invoice_id == Invoice.id)
            .where(CreditNote.id == subject_id)
        )
    else:
        statement = select(Contract.location_of_use_id).where(Contract.id == subject_id)
    return await db.scalar(statement)


async def contract_confirmation(
    db: AsyncSession, contract_id: int, rules: Rules, language: Language = Language.FI
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
    prices = prices_by_vat_period(components, VAT_PERIODS)
    model = ContractConfirmationDocument(
        language=language,
        seller=seller(rules),
        contract_number=contract.contract_number,
        customer_number=customer.customer_number,
        customer=_party(customer, location),
        consumer=customer.kind is CustomerKind.PERSON,
        product=product.name,
        signed_on=contract.signed_on,
        valid_from=contract.valid_from,
        valid_until=contract.valid_until,
        location=_address(location),
        metering_point_id=location.metering_point_id,
        terms_version=rules.contract_terms_version,
        prices=tuple(
            PriceRow(
                p.kind.value,
                p.unit.value,
                p.amount_excl_vat,
                p.vat_rate,
                p.amount_incl_vat,
                p.valid_from,
                p.valid_until,
            )
            for p in prices
        ),
        delivery_method=contract.delivery_method.value,
        billing_interval_months=contract.billing_interval_months,
    )
    return contract.customer_id, model
