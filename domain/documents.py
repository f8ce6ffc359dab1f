"""PDF documents rendered from the data: the invoice picture and the contract confirmation.

Rendering is a pure function of a document model (a frozen dataclass), so that the same
invoice always gives the same bytes and a document can be cached under the hash of its
model. The bank barcode is drawn as Code 128 (the symbology of the Finnish bank barcode)
from python-barcode's encoding.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from barcode.codex import Code128
from fpdf import FPDF

from domain.base import HELSINKI

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_LATIN1_FALLBACK = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "€": "EUR", "…": "..."}
)


@dataclass(frozen=True)
class Party:
    """A name with a postal address."""

    name: str
    street: str
    postal_code: str
    city: str


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
class InvoiceDocument:
    """Everything the invoice picture shows."""

    seller: str
    seller_business_id: str
    invoice_number: str
    customer_number: str
    recipient: Party
    location: str
    metering_point_id: str
    issued_on: date
    due_on: date
    period_start: date | None
    period_end: date | None
    lines: tuple[DocumentLine, ...]
    total: Decimal
    vat_amount: Decimal | None
    amount_due: Decimal
    reference_number: str
    iban: str
    bic: str
    virtual_barcode: str
    credited: bool = False

    def filename(self) -> str:
        return f"lasku-{self.invoice_number}.pdf"


@dataclass(frozen=True)
class PriceRow:
    """A price of a contract as confirmed."""

    label: str
    amount: Decimal
    unit: str
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True)
class ContractConfirmationDocument:
    """Everything the contract confirmation shows."""

    seller: str
    contract_number: str
    customer_number: str
    customer: Party
    product: str
    signed_on: date
    valid_from: date
    valid_until: date | None
    location: str
    metering_point_id: str
    prices: tuple[PriceRow, ...] = field(default_factory=tuple)
    vat_included: bool = True
    delivery_method: str = ""
    billing_interval_months: int = 1

    def filename(self) -> str:
        return f"sopimusvahvistus-{self.contract_number}.pdf"


def document_key(document: InvoiceDocument | ContractConfirmationDocument) -> str:
    """A hash of the document's model: the cache key of its rendering."""
    payload = json.dumps(
        {"kind": type(document).__name__, "v": 1, **asdict(document)}, default=str, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _d(day: date | None) -> str:
    return "" if day is None else f"{day.day}.{day.month}.{day.year}"


def _eur(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{cents}"


def _num(value: Decimal | None, places: int = 3) -> str:
    if value is None:
        return ""
    return f"{value:.{places}f}".replace(".", ",")


class _Pdf(FPDF):
    def __init__(self, created: date) -> None:
        super().__init__(format="A4", unit="mm")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_creation_date(datetime.combine(created, time(12), HELSINKI))
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

    def text_cell(self, w: float, h: float, content: str, **kwargs: object) -> None:
        if not self.unicode:
            content = content.translate(_LATIN1_FALLBACK)
        self.cell(w, h, content, **kwargs)  # type: ignore[arg-type]


def _code128(pdf: _Pdf, digits: str, x: float, y: float, width: float, height: float) -> None:
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


def _header(pdf: _Pdf, seller: str, title: str) -> None:
    pdf.font(16, bold=True)
    pdf.text_cell(0, 9, seller, new_x="LMARGIN", new_y="NEXT")
    pdf.font(12, bold=True)
    pdf.text_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _pairs(pdf: _Pdf, rows: list[tuple[str, str]], label_w: float = 55) -> None:
    for label, value in rows:
        pdf.font(9)
        pdf.text_cell(label_w, 5.5, label)
        pdf.font(9, bold=True)
        pdf.text_cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")


def render_invoice(doc: InvoiceDocument) -> bytes:
    """The invoice picture: header, customer and location, period, lines, VAT, totals, payment."""
    pdf = _Pdf(doc.issued_on)
    pdf.set_title(f"Lasku {doc.invoice_number}")
    pdf.set_author(doc.seller)
    pdf.add_page()
    _header(pdf, doc.seller, "LASKU / FAKTURA / INVOICE" + (" (HYVITETTY)" if doc.credited else ""))
    pdf.font(10)
    for text in (
        doc.recipient.name,
        doc.recipient.street,
        f"{doc.recipient.postal_code} {doc.recipient.city}",
    ):
        pdf.text_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    period = f"{_d(doc.period_start)}–{_d(doc.period_end)}" if doc.period_start else ""
    _pairs(
        pdf,
        [
            ("Laskun numero", doc.invoice_number),
            ("Asiakasnumero", doc.customer_number),
            ("Laskun päivä", _d(doc.issued_on)),
            ("Eräpäivä", _d(doc.due_on)),
            ("Laskutuskausi", period),
            ("Käyttöpaikka", doc.location),
            ("Käyttöpaikkatunnus", doc.metering_point_id),
        ],
    )
    pdf.ln(4)
    if doc.lines:
        widths = (70, 22, 12, 20, 14, 26, 26)
        pdf.font(8, bold=True)
        for w, title in zip(
            widths, ("Erittely", "Määrä", "Yks.", "à-hinta", "ALV %", "Veroton", "Verollinen"), strict=True
        ):
            pdf.text_cell(w, 6, title, border="B")
        pdf.ln()
        pdf.font(8)
        for line in doc.lines:
            cells = (
                line.description,
                _num(line.quantity),
                line.unit or "",
                _num(line.unit_price, 5),
                _num(line.vat_rate, 1),
                _eur(line.amount_excl_vat),
                _eur(line.amount_incl_vat),
            )
            for w, cell in zip(widths, cells, strict=True):
                pdf.text_cell(w, 5.5, cell)
            pdf.ln()
        pdf.ln(2)
        pdf.font(8, bold=True)
        pdf.text_cell(0, 6, "Arvonlisävero", new_x="LMARGIN", new_y="NEXT")
        pdf.font(8)
        for rate, base, vat in vat_breakdown(doc.lines):
            pdf.text_cell(
                0,
                5,
                f"ALV {_num(rate, 1)} %: veroton {_eur(base)} EUR, vero {_eur(vat)} EUR",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.ln(2)
    rows = [("Yhteensä (EUR)", _eur(doc.total))]
    if doc.vat_amount is not None:
        rows.append(("josta arvonlisävero (EUR)", _eur(doc.vat_amount)))
    rows.append(("Maksettava (EUR)", _eur(doc.amount_due)))
    _pairs(pdf, rows)
    pdf.ln(6)
    pdf.font(10, bold=True)
    pdf.text_cell(0, 6, "Maksutiedot", new_x="LMARGIN", new_y="NEXT")
    _pairs(
        pdf,
        [
            ("Saaja", doc.seller),
            ("Saajan tilinumero (IBAN)", doc.iban),
            ("BIC", doc.bic),
            ("Viitenumero", doc.reference_number),
            ("Eräpäivä", _d(doc.due_on)),
            ("Euro", _eur(doc.amount_due)),
        ],
    )
    pdf.ln(4)
    y = pdf.get_y()
    _code128(pdf, doc.virtual_barcode, pdf.l_margin, y, 150, 13)
    pdf.set_y(y + 15)
    pdf.font(8)
    pdf.text_cell(0, 5, doc.virtual_barcode, new_x="LMARGIN", new_y="NEXT")
    pdf.text_cell(0, 5, f"{doc.seller} · Y-tunnus {doc.seller_business_id}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


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


def render_contract_confirmation(doc: ContractConfirmationDocument) -> bytes:
    """The contract confirmation: parties, product, validity, location and prices."""
    pdf = _Pdf(doc.signed_on)
    pdf.set_title(f"Sopimusvahvistus {doc.contract_number}")
    pdf.set_author(doc.seller)
    pdf.add_page()
    _header(pdf, doc.seller, "SOPIMUSVAHVISTUS / AVTALSBEKRÄFTELSE / CONTRACT CONFIRMATION")
    pdf.font(10)
    for text in (doc.customer.name, doc.customer.street, f"{doc.customer.postal_code} {doc.customer.city}"):
        pdf.text_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    validity = (
        f"{_d(doc.valid_from)}–{_d(doc.valid_until)}" if doc.valid_until else f"{_d(doc.valid_from)} alkaen"
    )
    _pairs(
        pdf,
        [
            ("Sopimusnumero", doc.contract_number),
            ("Asiakasnumero", doc.customer_number),
            ("Tuote", doc.product),
            ("Allekirjoitettu", _d(doc.signed_on)),
            ("Voimassa", validity),
            ("Käyttöpaikka", doc.location),
            ("Käyttöpaikkatunnus", doc.metering_point_id),
            ("Laskutus", f"{doc.delivery_method}, {doc.billing_interval_months} kk välein"),
        ],
    )
    pdf.ln(4)
    pdf.font(10, bold=True)
    pdf.text_cell(
        0, 6, "Hinnat" + (" (sis. ALV)" if doc.vat_included else " (alv 0 %)"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.font(9)
    for price in doc.prices:
        until = _d(price.valid_until) if price.valid_until else "toistaiseksi"
        pdf.text_cell(
            0,
            5.5,
            f"{price.label}: {_num(price.amount, 3)} {price.unit} ({_d(price.valid_from)}–{until})",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    return bytes(pdf.output())
