"""The invoice picture and the credit note, drawn with fpdf2 (models in ``domain.documents``).

The invoice carries what a Finnish electricity invoice must: the seller with address,
business ID, VAT number and customer service; customer, location of use and metering
point; product and contract; the consumption of the period and of the same period a year
earlier (Directive (EU) 2019/944, Annex I); lines with VAT per rate, totals, due date,
late-payment interest, reference, IBAN/BIC and the bank barcode (Code 128, from
python-barcode's encoding). A paid invoice is drawn as it was sent with a PAID mark; a
credited one with a CREDITED mark and the number of its credit note.
"""

from __future__ import annotations

from barcode.codex import Code128

from domain.document_format import day, money, number, rate
from domain.documents import (
    CreditNoteDocument,
    DocumentLine,
    InvoiceDocument,
    Pdf,
    period_text,
    vat_breakdown,
)
from domain.texts import text


def _code128(pdf: Pdf, digits: str, x: float, y: float, width: float, height: float) -> None:
    """Draw ``digits`` as a Code 128 barcode (character set C) fitting ``width``."""
    modules = Code128(digits).build()[0]
    quiet = 10
    module_w = width / (len(modules) + 2 * quiet)
    pdf.set_fill_color(0, 0, 0)
    run_start = None
    for i, bit in enumerate(modules + "0"):
        if bit == "1" and run_start is None:
            run_start = i
        elif bit != "1" and run_start is not None:
            pdf.rect(x + (quiet + run_start) * module_w, y, (i - run_start) * module_w, height, style="F")
            run_start = None


def _lines(pdf: Pdf, lines: tuple[DocumentLine, ...]) -> None:
    """The lines table and the VAT per rate."""
    language = pdf.language
    widths = (70, 22, 12, 20, 14, 26, 26)
    titles = (
        text("document.lines.description", language),
        text("document.lines.quantity", language),
        text("document.lines.unit", language),
        text("document.lines.unit_price", language),
        text("document.lines.vat_rate", language),
        text("document.lines.excl_vat", language),
        text("document.lines.incl_vat", language),
    )
    pdf.table_header(widths, titles)
    for line in lines:
        cells = (
            line.description,
            number(line.quantity, 3, language),
            line.unit or "",
            number(line.unit_price, 5, language),
            rate(line.vat_rate, language),
            money(line.amount_excl_vat, language),
            money(line.amount_incl_vat, language),
        )
        for w, cell in zip(widths, cells, strict=True):
            pdf.text_cell(w, 5.5, cell)
        pdf.ln()
    pdf.ln(2)
    pdf.line_of(6, text("document.vat.title", language), size=8, bold=True)
    for vat_rate, base, vat in vat_breakdown(lines):
        pdf.line_of(
            5,
            text(
                "document.vat.row",
                language,
                rate=rate(vat_rate, language),
                base=money(base, language),
                vat=money(vat, language),
            ),
            size=8,
        )
    pdf.ln(2)


def _consumption(pdf: Pdf, doc: InvoiceDocument) -> None:
    consumption = doc.consumption
    if consumption is None or consumption.kwh is None:
        return
    language = pdf.language
    pdf.heading(text("document.consumption.title", language))
    period = period_text(doc.period_start, doc.period_end, language)
    pdf.line_of(
        5.5,
        text(
            "document.consumption.period", language, period=period, kwh=number(consumption.kwh, 0, language)
        ),
    )
    if consumption.last_year_kwh is None:
        pdf.line_of(5.5, text("document.consumption.no_last_year", language))
    else:
        pdf.line_of(
            5.5,
            text(
                "document.consumption.last_year",
                language,
                period=period_text(consumption.last_year_start, consumption.last_year_end, language),
                kwh=number(consumption.last_year_kwh, 0, language),
            ),
        )


def render_invoice(doc: InvoiceDocument) -> bytes:
    """The invoice picture: seller, customer and location, consumption, lines, VAT, totals, payment."""
    language = doc.language
    pdf = Pdf(doc.issued_on, language)
    pdf.set_title(text("document.invoice.pdf_title", language, number=doc.invoice_number))
    pdf.set_author(doc.seller.name)
    pdf.add_page()
    mark = None
    if doc.credited:
        mark = text("document.invoice.mark.credited", language)
    elif doc.paid:
        mark = text("document.invoice.mark.paid", language)
    pdf.header_block(doc.seller, text("document.invoice.title", language), mark)
    pdf.address_block(doc.recipient)
    pdf.pairs(
        [
            (text("document.invoice.number", language), doc.invoice_number),
            (text("document.label.customer_number", language), doc.customer_number),
            (text("document.invoice.issued_on", language), day(doc.issued_on, language)),
            (text("document.invoice.due_on", language), day(doc.due_on, language)),
            (text("document.label.product", language), doc.product),
            (text("document.label.contract", language), doc.contract_number),
            (
                text("document.label.period", language),
                period_text(doc.period_start, doc.period_end, language),
            ),
            (text("document.label.location", language), doc.location),
            (text("document.label.metering_point", language), doc.metering_point_id),
        ]
    )
    if doc.credited and doc.credit_note_number:
        pdf.ln(2)
        pdf.paragraph(
            text(
                "document.invoice.credited_note",
                language,
                credit_note=doc.credit_note_number,
                issued_on=day(doc.credit_note_issued_on, language),
            ),
            bold=True,
        )
    elif doc.paid:
        pdf.ln(2)
        pdf.paragraph(text("document.invoice.paid_note", language), bold=True)
    _consumption(pdf, doc)
    pdf.ln(3)
    if doc.lines:
        _lines(pdf, doc.lines)
    rows = [(text("document.total", language), money(doc.total, language))]
    if doc.vat_amount is not None:
        rows.append((text("document.total.vat", language), money(doc.vat_amount, language)))
    rows.append((text("document.total.due", language), money(doc.amount_due, language)))
    pdf.pairs(rows)
    pdf.heading(text("document.payment.title", language))
    pdf.pairs(
        [
            (text("document.payment.payee", language), doc.seller.name),
            (text("document.payment.iban", language), doc.iban),
            (text("document.payment.bic", language), doc.bic),
            (text("document.payment.reference", language), doc.reference_number),
            (text("document.invoice.due_on", language), day(doc.due_on, language)),
            (text("document.payment.amount", language), money(doc.amount_due, language)),
        ]
    )
    pdf.paragraph(
        text(
            "document.payment.late_interest",
            language,
            rate=rate(doc.seller.late_payment_interest_percent, language),
        ),
        size=8,
    )
    pdf.ln(3)
    y = pdf.get_y()
    _code128(pdf, doc.virtual_barcode, pdf.l_margin, y, 150, 13)
    pdf.set_y(y + 15)
    pdf.line_of(5, doc.virtual_barcode, size=8)
    pdf.footer_block(doc.seller)
    return bytes(pdf.output())


def render_credit_note(doc: CreditNoteDocument) -> bytes:
    """The credit note: the credited invoice it refers to, its lines negated, the totals."""
    language = doc.language
    pdf = Pdf(doc.issued_on, language)
    pdf.set_title(text("document.credit_note.pdf_title", language, number=doc.credit_note_number))
    pdf.set_author(doc.seller.name)
    pdf.add_page()
    pdf.header_block(doc.seller, text("document.credit_note.title", language))
    pdf.address_block(doc.recipient)
    pdf.pairs(
        [
            (text("document.credit_note.number", language), doc.credit_note_number),
            (text("document.credit_note.issued_on", language), day(doc.issued_on, language)),
            (text("document.credit_note.original", language), doc.invoice_number),
            (text("document.label.customer_number", language), doc.customer_number),
            (
                text("document.label.period", language),
                period_text(doc.period_start, doc.period_end, language),
            ),
            (text("document.label.location", language), doc.location),
            (text("document.label.metering_point", language), doc.metering_point_id),
        ]
    )
    pdf.ln(2)
    pdf.paragraph(
        text(
            "document.credit_note.refers",
            language,
            invoice=doc.invoice_number,
            issued_on=day(doc.invoice_issued_on, language),
        ),
        bold=True,
    )
    pdf.ln(3)
    if doc.lines:
        _lines(pdf, doc.lines)
    rows = [(text("document.total", language), money(doc.total, language))]
    if doc.vat_amount is not None:
        rows.append((text("document.total.vat", language), money(doc.vat_amount, language)))
    pdf.pairs(rows)
    pdf.ln(2)
    pdf.paragraph(text("document.credit_note.settlement", language))
    pdf.footer_block(doc.seller)
    return bytes(pdf.output())
