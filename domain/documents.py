"""PDF documents rendered from the data: the models, and what every document shares.

Rendering is a pure function of a document model (a frozen dataclass), so that the same
document always gives the same bytes and a document can be cached under the hash of its
model; the language is part of every model, so each language has its own cache entry.
The invoice and its credit note are drawn by ``domain.invoice_documents``, the contract
confirmation by ``domain.contract_confirmation``; every text comes from the catalogue
(``domain.texts.documents``), numbers and dates from ``domain.document_format``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from domain.base import HELSINKI, Language
from domain.document_format import day
from domain.texts import text

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_LATIN1_FALLBACK = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "€": "EUR", "…": "...", "·": "|"}
)
#: Bumped when the drawing changes, so that cached renderings are not served for new models.
_LAYOUT_VERSION = 2


@dataclass(frozen=True)
class Party:
    """A name with a postal address."""

    name: str
    street: str
    postal_code: str
    city: str


@dataclass(frozen=True)
class Seller:
    """The retailer as every document names it (settings)."""

    name: str
    street: str
    postal_code: str
    city: str
    business_id: str
    vat_number: str
    phone: str
    email: str
    late_payment_interest_percent: Decimal

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"


@dataclass(frozen=True)
class DocumentLine:
    """One invoice line as printed."""

    description: str
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None
    vat_rate: Decimal
    amount_excl_vat: Decimal
    amount_incl_vat: Decimal


@dataclass(frozen=True)
class Consumption:
    """The consumption of the invoiced period and of the same period a year earlier, in kWh
    (``None``: no readings)."""

    kwh: Decimal | None
    last_year_start: date
    last_year_end: date
    last_year_kwh: Decimal | None


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything the invoice picture shows."""

    language: Language
    seller: Seller
    invoice_number: str
    customer_number: str
    recipient: Party
    location: str
    metering_point_id: str
    product: str
    contract_number: str
    issued_on: date
    due_on: date
    period_start: date | None
    period_end: date | None
    lines: tuple[DocumentLine, ...]
    total: Decimal
    vat_amount: Decimal | None
    #: What the payment details ask: still due, or the total as sent (paid, credited).
    amount_due: Decimal
    reference_number: str
    iban: str
    bic: str
    virtual_barcode: str
    consumption: Consumption | None = None
    paid: bool = False
    credited: bool = False
    credit_note_number: str | None = None
    credit_note_issued_on: date | None = None

    def filename(self) -> str:
        return text("document.invoice.filename", self.language, number=self.invoice_number)


@dataclass(frozen=True)
class CreditNoteDocument:
    """A credit note: a document of its own, with the credited invoice's lines negated."""

    language: Language
    seller: Seller
    credit_note_number: str
    issued_on: date
    invoice_number: str
    invoice_issued_on: date
    customer_number: str
    recipient: Party
    location: str
    metering_point_id: str
    period_start: date | None
    period_end: date | None
    lines: tuple[DocumentLine, ...]
    total: Decimal
    vat_amount: Decimal | None

    def filename(self) -> str:
        return text("document.credit_note.filename", self.language, number=self.credit_note_number)


@dataclass(frozen=True)
class PriceRow:
    """A price of a contract for a period with one VAT rate; ``kind`` and ``unit`` are the
    enum values (``BASIC_FEE``, ``EUR_PER_MONTH``), put in words when drawn."""

    kind: str
    unit: str
    amount_excl_vat: Decimal
    vat_rate: Decimal
    amount_incl_vat: Decimal
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True)
class ContractConfirmationDocument:
    """Everything the contract confirmation shows."""

    language: Language
    seller: Seller
    contract_number: str
    customer_number: str
    customer: Party
    #: A consumer (a person): prices with VAT first, and the 14-day right of withdrawal.
    consumer: bool
    product: str
    signed_on: date
    valid_from: date
    valid_until: date | None
    location: str
    metering_point_id: str
    terms_version: str
    prices: tuple[PriceRow, ...] = field(default_factory=tuple)
    #: The enum value (``E_INVOICE``), put in words when drawn.
    delivery_method: str = ""
    billing_interval_months: int = 1

    def filename(self) -> str:
        return text("document.contract.filename", self.language, number=self.contract_number)


AnyDocument = InvoiceDocument | CreditNoteDocument | ContractConfirmationDocument


def document_key(document: AnyDocument) -> str:
    """A hash of the document's model (its language included): the cache key of its rendering."""
    payload = json.dumps(
        {"kind": type(document).__name__, "v": _LAYOUT_VERSION, **asdict(document)},
        default=str,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def negated_lines(lines: tuple[DocumentLine, ...]) -> tuple[DocumentLine, ...]:
    """The lines of a credit note for the whole invoice: quantities and amounts negated."""
    return tuple(
        DocumentLine(
            line.description,
            None if line.quantity is None else -line.quantity,
            line.unit,
            line.unit_price,
            line.vat_rate,
            -line.amount_excl_vat,
            -line.amount_incl_vat,
        )
        for line in lines
    )


def vat_breakdown(lines: tuple[DocumentLine, ...]) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(rate, amount without VAT, VAT) per VAT rate, in the order the rates appear."""
    totals: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        base, vat = totals.get(line.vat_rate, (Decimal(0), Decimal(0)))
        totals[line.vat_rate] = (
            base + line.amount_excl_vat,
            vat + line.amount_incl_vat - line.amount_excl_vat,
        )
    return [(rate, base, vat) for rate, (base, vat) in totals.items()]


def period_text(start: date | None, end: date | None, language: Language) -> str:
    """``1.11.2026–30.11.2026`` in ``language``; empty without a start."""
    if start is None:
        return ""
    return text("document.range", language, start=day(start, language), end=day(end, language))


class Pdf(FPDF):
    """An A4 page in DejaVu Sans (Helvetica with Latin-1 fallbacks when the font is missing)."""

    def __init__(self, created: date, language: Language) -> None:
        super().__init__(format="A4", unit="mm")
        self.language = language
        self.set_auto_page_break(auto=True, margin=18)
        self.set_creation_date(datetime.combine(created, time(12), HELSINKI))
        self.set_lang(language.value.lower())
        self.unicode = False
        if (_FONT_DIR / "DejaVuSans.ttf").exists():
            self.add_font("doc", "", str(_FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("doc", "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.family = "doc"
            self.unicode = True
        else:
            self.family = "helvetica"

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def _fit(self, content: str) -> str:
        return content if self.unicode else content.translate(_LATIN1_FALLBACK)

    def text_cell(self, w: float, h: float, content: str, **kwargs: object) -> None:
        self.cell(w, h, self._fit(content), **kwargs)  # type: ignore[arg-type]

    def line_of(self, h: float, content: str, size: float = 9, bold: bool = False) -> None:
        """A line of its own across the page."""
        self.font(size, bold)
        self.text_cell(0, h, content, new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, content: str, size: float = 9, bold: bool = False) -> None:
        """Text wrapped to the page width."""
        self.font(size, bold)
        self.multi_cell(0, 4.5, self._fit(content), new_x="LMARGIN", new_y="NEXT")

    def table_header(self, widths: tuple[float, ...], titles: tuple[str, ...]) -> None:
        """A table's bold column titles over a rule; the rows that follow are in 8 pt."""
        self.font(8, bold=True)
        for w, title in zip(widths, titles, strict=True):
            self.text_cell(w, 6, title, border="B")
        self.ln()
        self.font(8)

    def heading(self, content: str) -> None:
        self.ln(2)
        self.line_of(6, content, size=10, bold=True)

    def pairs(self, rows: list[tuple[str, str]], label_w: float = 55) -> None:
        for label, value in rows:
            self.font(9)
            self.text_cell(label_w, 5.5, label)
            self.font(9, bold=True)
            self.text_cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")

    def header_block(self, seller: Seller, title: str, mark: str | None = None) -> None:
        """The seller, the document's title and, at the top right, a mark (PAID, CREDITED)."""
        if mark:
            y = self.get_y()
            self.font(14, bold=True)
            self.set_text_color(170, 0, 0)
            self.set_draw_color(170, 0, 0)
            self.set_xy(self.w - self.r_margin - 50, y)
            self.text_cell(50, 10, mark, border=1, align="C")
            self.set_text_color(0, 0, 0)
            self.set_draw_color(0, 0, 0)
            self.set_xy(self.l_margin, y)
        self.line_of(9, seller.name, size=16, bold=True)
        self.line_of(4.5, seller.address, size=8)
        self.ln(1)
        self.line_of(7, title, size=12, bold=True)
        self.ln(3)

    def address_block(self, party: Party) -> None:
        for line in (party.name, party.street, f"{party.postal_code} {party.city}"):
            self.line_of(5, line, size=10)
        self.ln(4)

    def footer_block(self, seller: Seller) -> None:
        """Seller, address, business ID and VAT number; customer service."""
        self.ln(4)
        self.paragraph(
            text(
                "document.footer.seller",
                self.language,
                seller=seller.name,
                address=seller.address,
                business_id=seller.business_id,
                vat_number=seller.vat_number,
            ),
            size=8,
        )
        contact = text("document.footer.contact", self.language, phone=seller.phone, email=seller.email)
        self.paragraph(contact, size=8)
