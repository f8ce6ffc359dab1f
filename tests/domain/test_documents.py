"""The documents' models and drawing on their own (no database): formats per language, the
cache key, marks, the credit note's negated lines, prices per VAT period, the file token's
language."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.settings import Settings
from auth.file_tokens import FileGrant, issue_file_token, read_file_token
from domain.base import Language
from domain.contract_confirmation import render_contract_confirmation
from domain.contracts import PriceComponent, PriceKind, PriceUnit, prices_by_vat_period
from domain.document_format import day, money, number, rate
from domain.documents import (
    Consumption,
    ContractConfirmationDocument,
    DocumentLine,
    InvoiceDocument,
    Party,
    PriceRow,
    Seller,
    document_key,
    negated_lines,
)
from domain.invoice_documents import render_invoice
from domain.payments import VAT_PERIODS

FI, SV, EN = Language.FI, Language.SV, Language.EN
SELLER = Seller(
    "Energia Oy",
    "Energiakatu 1",
    "00100",
    "Helsinki",
    "2841675-3",
    "FI28416753",
    "+358 20 1",
    "cs@x.fi",
    Decimal("8"),
)
LINE = DocumentLine(
    "Energia 1.1.2026–31.1.2026",
    Decimal("1234.5"),
    "kWh",
    Decimal("0.08"),
    Decimal("25.5"),
    Decimal("98.76"),
    Decimal("123.94"),
)
INVOICE = InvoiceDocument(
    language=FI,
    seller=SELLER,
    invoice_number="2026-000001",
    customer_number="2100458",
    recipient=Party("Maija", "Katu 1", "00100", "Helsinki"),
    location="Katu 1, 00100 Helsinki",
    metering_point_id="643011103004580129",
    product="Kiinteä",
    contract_number="2100458-05",
    issued_on=date(2026, 2, 1),
    due_on=date(2026, 2, 20),
    period_start=date(2026, 1, 1),
    period_end=date(2026, 1, 31),
    lines=(LINE,),
    total=Decimal("123.94"),
    vat_amount=Decimal("25.18"),
    amount_due=Decimal("123.94"),
    reference_number="12345 67891",
    iban="FI89 1572 3500 0123 45",
    bic="NDEAFIHH",
    virtual_barcode="489157235000123450000123940000000000000001234567260220",
    consumption=Consumption(Decimal("1234.5"), date(2025, 1, 1), date(2025, 1, 31), Decimal("1400.499")),
)


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_numbers_and_dates_in_each_language() -> None:
    assert money(Decimal("1234567.5"), FI) == "1 234 567,50" == money(Decimal("1234567.5"), SV)
    assert money(Decimal("1234567.5"), EN) == "1,234,567.50"
    assert money(Decimal("-0.5"), FI) == "-0,50" and money(None, FI) == ""
    assert number(Decimal("229.7035"), 3, FI) == "229,704" and number(Decimal("1499.5"), 0, EN) == "1,500"
    assert rate(Decimal("25.50"), FI) == "25,5" and rate(Decimal(24), EN) == "24.0"
    assert day(date(2026, 12, 4), FI) == "4.12.2026" == day(date(2026, 12, 4), SV)
    assert day(date(2026, 12, 4), EN) == "2026-12-04"


def test_the_language_is_part_of_the_cache_key_and_the_bytes() -> None:
    keys = {document_key(replace(INVOICE, language=language)) for language in Language}
    assert len(keys) == 3
    assert render_invoice(INVOICE) == render_invoice(INVOICE), "the same model, the same bytes"
    fi, en = text_of(render_invoice(INVOICE)), text_of(render_invoice(replace(INVOICE, language=EN)))
    assert "Kulutusjakso 1.1.2026–31.1.2026: 1 235 kWh" in fi
    assert "Sama jakso vuotta aiemmin 1.1.2025–31.1.2025: 1 400 kWh" in fi
    assert "Consumption period 2026-01-01 – 2026-01-31: 1,235 kWh" in en
    assert "1,234.500" in en and "Late payments are charged interest at 8.0 %" in en
    assert "viivästyskorkoa 8,0 %" in fi


def test_marks_of_paid_and_credited_invoices() -> None:
    plain = text_of(render_invoice(INVOICE))
    assert "MAKSETTU" not in plain and "HYVITETTY" not in plain
    paid = text_of(render_invoice(replace(INVOICE, paid=True)))
    assert "MAKSETTU" in paid and "Maksettava (EUR) 123,94" in paid
    credited = text_of(
        render_invoice(
            replace(
                INVOICE,
                credited=True,
                credit_note_number="H2026-000001",
                credit_note_issued_on=date(2026, 2, 11),
            )
        )
    )
    assert "HYVITETTY" in credited and "hyvityslaskulla H2026-000001 (11.2.2026)" in credited
    assert "MAKSETTU" not in credited


def test_no_consumption_section_without_readings() -> None:
    text = text_of(render_invoice(replace(INVOICE, consumption=None)))
    assert "Kulutusjakso" not in text
    unknown = Consumption(Decimal(10), date(2025, 1, 1), date(2025, 1, 31), None)
    assert "Vuotta aiemmalta samalta jaksolta ei ole" in text_of(
        render_invoice(replace(INVOICE, consumption=unknown))
    )


def test_a_credit_note_negates_the_lines() -> None:
    (negated,) = negated_lines((LINE,))
    assert (negated.quantity, negated.amount_excl_vat, negated.amount_incl_vat) == (
        Decimal("-1234.5"),
        Decimal("-98.76"),
        Decimal("-123.94"),
    )
    assert (negated.unit_price, negated.vat_rate, negated.description) == (
        LINE.unit_price,
        LINE.vat_rate,
        LINE.description,
    )


def test_prices_are_split_at_a_vat_change_with_and_without_vat() -> None:
    component = PriceComponent(
        contract_id=1,
        kind=PriceKind.ENERGY,
        amount_excl_vat=Decimal("8.00000"),
        unit=PriceUnit.CENTS_PER_KWH,
        valid_from=date(2024, 1, 1),
        valid_until=None,
    )
    prices = prices_by_vat_period([component], VAT_PERIODS)
    assert [(p.valid_from, p.valid_until, p.vat_rate, p.amount_incl_vat) for p in prices] == [
        (date(2024, 1, 1), date(2024, 8, 31), Decimal(24), Decimal("9.920")),
        (date(2024, 9, 1), None, Decimal("25.5"), Decimal("10.040")),
    ]
    assert {p.amount_excl_vat for p in prices} == {Decimal(8)}


def _confirmation(consumer: bool, language: Language) -> str:
    doc = ContractConfirmationDocument(
        language=language,
        seller=SELLER,
        contract_number="2100458-05",
        customer_number="2100458",
        customer=Party("Maija", "Katu 1", "00100", "Helsinki"),
        consumer=consumer,
        product="Kiinteä",
        signed_on=date(2026, 1, 10),
        valid_from=date(2026, 2, 1),
        valid_until=None,
        location="Katu 1, 00100 Helsinki",
        metering_point_id="643011103004580129",
        terms_version="2024-01",
        prices=(
            PriceRow(
                "BASIC_FEE",
                "EUR_PER_MONTH",
                Decimal("3.99"),
                Decimal("25.5"),
                Decimal("5.01"),
                date(2026, 2, 1),
                None,
            ),
        ),
        delivery_method="E_INVOICE",
        billing_interval_months=3,
    )
    return text_of(render_contract_confirmation(doc))


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            FI,
            [
                "SOPIMUSVAHVISTUS",
                "e-lasku, 3 kuukauden välein",
                "Perusmaksu",
                "3,99 EUR/kk",
                "5,01 EUR/kk",
                "viimeistään 24.1.2026",
            ],
        ),
        (
            SV,
            [
                "AVTALSBEKRÄFTELSE",
                "e-faktura, var 3:e månad",
                "Grundavgift",
                "3,99 EUR/mån",
                "senast 24.1.2026",
            ],
        ),
        (
            EN,
            [
                "CONTRACT CONFIRMATION",
                "e-invoice, every 3 months",
                "Basic fee",
                "3.99 EUR/month",
                "2026-01-24 at the latest",
            ],
        ),
    ],
)
def test_contract_confirmation_in_words_of_its_language(language: Language, words: list[str]) -> None:
    text = _confirmation(True, language)
    assert [w for w in words if w not in text] == [], text
    assert "E_INVOICE" not in text and "BASIC_FEE" not in text


def test_the_withdrawal_right_is_a_consumers_only() -> None:
    assert "Peruuttamisoikeus" in _confirmation(True, FI)
    assert "Peruuttamisoikeus" not in _confirmation(False, FI)


def test_a_file_token_carries_its_language() -> None:
    for language in Language:
        grant = FileGrant("invoice", 7, 3, None, language)
        assert read_file_token("k" * 32, issue_file_token("k" * 32, grant)) == grant
    with_token = FileGrant("credit_note", 7, 3, 11, Language.SV)
    assert read_file_token("k" * 32, issue_file_token("k" * 32, with_token)) == with_token
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("k" * 32, salt="energy-portal/files/v1")
    assert read_file_token("k" * 32, forged.dumps(["invoice", 7, 3, None, "DE"])) is None
    assert read_file_token("k" * 32, forged.dumps(["invoice", 7, 3, None, ["SV"]])) is None
    assert read_file_token("k" * 32, forged.dumps(["invoice", 7, 3])) == FileGrant("invoice", 7, 3)


def test_the_vat_number_is_the_business_id_with_fi() -> None:
    assert Settings(_env_file=None, seller_vat_number="fi 2841 6753").seller_vat_number == "FI28416753"
    for wrong in ("FI12345678", "SE28416753", "FI2841675"):
        with pytest.raises(ValueError, match="seller_vat_number"):
            Settings(_env_file=None, seller_vat_number=wrong)
