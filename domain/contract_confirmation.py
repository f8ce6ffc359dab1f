"""The contract confirmation, drawn with fpdf2 (model in ``domain.documents``): parties,
product, validity, location, prices by VAT period with and without VAT, invoicing, the
terms' version, a consumer's 14-day right of withdrawal and the seller's contact; enum
values in words of the document's language."""

from __future__ import annotations

from datetime import timedelta

from domain.document_format import day, number, rate
from domain.documents import ContractConfirmationDocument, Pdf, period_text
from domain.texts import N_, text

#: Days a consumer has to withdraw from a contract made at a distance or off premises.
WITHDRAWAL_DAYS = 14

_DELIVERY = {
    "E_INVOICE": N_("document.delivery.E_INVOICE"),
    "EMAIL": N_("document.delivery.EMAIL"),
    "PAPER": N_("document.delivery.PAPER"),
}
_PRICE_KINDS = {
    "BASIC_FEE": N_("document.price.BASIC_FEE"),
    "ENERGY": N_("document.price.ENERGY"),
    "ENERGY_DAY": N_("document.price.ENERGY_DAY"),
    "ENERGY_NIGHT": N_("document.price.ENERGY_NIGHT"),
    "SPOT_MARGIN": N_("document.price.SPOT_MARGIN"),
}
_UNITS = {
    "EUR_PER_MONTH": N_("document.unit.EUR_PER_MONTH"),
    "CENTS_PER_KWH": N_("document.unit.CENTS_PER_KWH"),
}


def _prices(pdf: Pdf, doc: ContractConfirmationDocument) -> None:
    language = pdf.language
    pdf.heading(text("document.contract.prices", language))
    widths = (58, 52, 24, 18, 24)
    titles = (
        text("document.contract.price", language),
        text("document.contract.price_valid", language),
        text("document.lines.excl_vat", language),
        text("document.lines.vat_rate", language),
        text("document.lines.incl_vat", language),
    )
    pdf.table_header(widths, titles)
    for price in doc.prices:
        unit = text(_UNITS[price.unit], language)
        places = 2 if price.unit == "EUR_PER_MONTH" else 3
        until = (
            day(price.valid_until, language)
            if price.valid_until
            else text("document.contract.until_further_notice", language)
        )
        cells = (
            text(_PRICE_KINDS[price.kind], language),
            text("document.range", language, start=day(price.valid_from, language), end=until),
            f"{number(price.amount_excl_vat, places, language)} {unit}",
            rate(price.vat_rate, language),
            f"{number(price.amount_incl_vat, places, language)} {unit}",
        )
        for w, cell in zip(widths, cells, strict=True):
            pdf.text_cell(w, 5.5, cell)
        pdf.ln()
    pdf.ln(1)
    pdf.paragraph(
        text(
            "document.contract.prices_note.consumer"
            if doc.consumer
            else "document.contract.prices_note.business",
            language,
        ),
        size=8,
    )


def render_contract_confirmation(doc: ContractConfirmationDocument) -> bytes:
    """The contract confirmation in the document's language."""
    language = doc.language
    seller = doc.seller
    pdf = Pdf(doc.signed_on, language)
    pdf.set_title(text("document.contract.pdf_title", language, number=doc.contract_number))
    pdf.set_author(seller.name)
    pdf.add_page()
    pdf.header_block(seller, text("document.contract.title", language))
    pdf.address_block(doc.customer)
    pdf.paragraph(text("document.contract.intro", language))
    pdf.heading(text("document.contract.parties", language))
    pdf.pairs(
        [
            (text("document.contract.seller", language), f"{seller.name}, {seller.business_id}"),
            ("", seller.address),
            (text("document.contract.customer", language), doc.customer.name),
            (text("document.label.customer_number", language), doc.customer_number),
        ]
    )
    if doc.valid_until:
        validity = period_text(doc.valid_from, doc.valid_until, language)
    else:
        validity = text("document.contract.valid_from", language, start=day(doc.valid_from, language))
    method = text(_DELIVERY[doc.delivery_method], language) if doc.delivery_method in _DELIVERY else ""
    if doc.billing_interval_months == 1:
        invoicing = text("document.contract.invoicing.monthly", language, method=method)
    else:
        invoicing = text(
            "document.contract.invoicing.months", language, method=method, months=doc.billing_interval_months
        )
    pdf.heading(text("document.label.contract", language))
    pdf.pairs(
        [
            (text("document.contract.number", language), doc.contract_number),
            (text("document.label.product", language), doc.product),
            (text("document.contract.signed_on", language), day(doc.signed_on, language)),
            (text("document.contract.validity", language), validity),
            (text("document.label.location", language), doc.location),
            (text("document.label.metering_point", language), doc.metering_point_id),
            (text("document.contract.invoicing", language), invoicing),
        ]
    )
    if doc.prices:
        _prices(pdf, doc)
    pdf.heading(text("document.contract.terms.title", language))
    pdf.paragraph(text("document.contract.terms", language, version=doc.terms_version))
    if doc.consumer:
        pdf.heading(text("document.contract.withdrawal.title", language))
        last_day = doc.signed_on + timedelta(days=WITHDRAWAL_DAYS)
        pdf.paragraph(text("document.contract.withdrawal", language, last_day=day(last_day, language)))
    pdf.heading(text("document.contract.contact.title", language))
    pdf.paragraph(text("document.contract.contact", language, phone=seller.phone, email=seller.email))
    pdf.footer_block(seller)
    return bytes(pdf.output())
