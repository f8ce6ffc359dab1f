"""What the documents say (issue 16, part 2): a complete Finnish electricity invoice, the
paid and credited invoices as sent with their marks, the credit note as a document of its
own, the contract confirmation, each in the language asked; and a page rendered to PNG."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from domain.base import Language
from domain.document_format import day, money, number
from domain.reporting.tables import DailyConsumption
from resolvers.documents import one_year_back
from tests.conftest import count_statements, gql, login, operation

INVOICE_DETAIL = operation("InvoiceDetail")
CONTRACTS = operation("Contracts")

INVOICES = """query($id: ID!, $status: [InvoiceStatus!], $first: Int) { customer(id: $id) {
  invoices(status: $status, first: $first) { edges { node {
    id invoiceNumber status periodStart periodEnd dueOn total { amount } vatAmount { amount }
    payment { referenceNumber amountDue { amount } }
    document { filename url } creditNote { filename contentType url }
    contract { contractNumber product { name } locationOfUse { id meteringPointId } }
  } } } } }"""


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def _customer_id(client, username: str = "maija") -> str:
    await login(client, username)
    return (await gql(client, "{ viewer { customers { id } } }")).data["viewer"]["customers"][0]["id"]


async def _invoices(client, customer_id: str, status: str | None = None, first: int = 1, **headers: str):
    variables = {"id": customer_id, "status": [status] if status else None, "first": first}
    result = await gql(client, INVOICES, variables, **headers)
    assert result.errors == [], result.errors
    return [edge["node"] for edge in result.data["customer"]["invoices"]["edges"]]


async def _download(client, url: str) -> bytes:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response.content


async def _kwh(runtime, location_id: int, start: date, end: date) -> Decimal:
    table = DailyConsumption.__table__  # type: ignore[attr-defined]
    async with runtime.sessions() as db:
        wh = await db.scalar(
            select(func.sum(table.c.wh)).where(
                table.c.location_of_use_id == location_id, table.c.local_date.between(start, end)
            )
        )
    assert wh is not None
    return Decimal(int(wh)) / 1000


async def test_the_latest_invoice_is_a_complete_electricity_invoice(client, runtime) -> None:
    from resolvers.ids import from_global_id

    customer_id = await _customer_id(client)
    invoice = (await _invoices(client, customer_id))[0]
    assert invoice["status"] == "OPEN" and invoice["creditNote"] is None
    text = pdf_text(await _download(client, invoice["document"]["url"]))
    fi = Language.FI
    start, end = date.fromisoformat(invoice["periodStart"]), date.fromisoformat(invoice["periodEnd"])
    location_id = from_global_id(invoice["contract"]["locationOfUse"]["id"])[1]
    last_year = await _kwh(runtime, location_id, one_year_back(start), one_year_back(end))
    this_year = await _kwh(runtime, location_id, start, end)
    expected = [
        "LASKU",
        "Energia Oy",
        "Energiakatu 1, 00100 Helsinki",  # seller's address
        "Y-tunnus 2841675-3",
        "ALV-tunniste FI28416753",  # VAT number
        "+358 20 123 4567",
        "asiakaspalvelu@example.fi",
        invoice["contract"]["locationOfUse"]["meteringPointId"],
        invoice["contract"]["product"]["name"],
        invoice["contract"]["contractNumber"],
        f"Kulutusjakso {day(start, fi)}–{day(end, fi)}: {number(this_year, 0, fi)} kWh",
        f"Sama jakso vuotta aiemmin {day(one_year_back(start), fi)}–{day(one_year_back(end), fi)}: "
        f"{number(last_year, 0, fi)} kWh",
        f"Eräpäivä {day(date.fromisoformat(invoice['dueOn']), fi)}",
        "viivästyskorkoa 11,5 % vuodessa",
        "FI89 1572 3500 0123 45",
        invoice["payment"]["referenceNumber"],
        f"Maksettava (EUR) {money(Decimal(invoice['payment']['amountDue']['amount']), fi)}",
        "ALV 25,5 %",
    ]
    missing = [item for item in expected if item not in text]
    assert missing == [], text
    assert last_year > 0 and last_year != this_year
    assert "MAKSETTU" not in text and "HYVITETTY" not in text


async def test_a_paid_invoice_is_shown_as_sent_with_a_paid_mark(client) -> None:
    customer_id = await _customer_id(client)
    invoice = (await _invoices(client, customer_id, "PAID"))[0]
    assert invoice["payment"]["amountDue"]["amount"] == "0.00"
    text = pdf_text(await _download(client, invoice["document"]["url"]))
    total = money(Decimal(invoice["total"]["amount"]), Language.FI)
    assert "MAKSETTU" in text and "Lasku on maksettu kokonaan" in text
    assert f"Maksettava (EUR) {total}" in text and f"Euro {total}" in text
    assert "Maksettava (EUR) 0,00" not in text


async def test_the_credited_invoice_is_marked_and_its_credit_note_is_a_document_of_its_own(client) -> None:
    customer_id = await _customer_id(client)
    credited = await _invoices(client, customer_id, "CREDITED", first=10)
    assert [i["invoiceNumber"] for i in credited] == ["2021-000008"]
    invoice = credited[0]
    note = invoice["creditNote"]
    assert note["contentType"] == "application/pdf" and note["filename"] == "hyvityslasku-H2021-000001.pdf"
    text = pdf_text(await _download(client, invoice["document"]["url"]))
    assert "HYVITETTY" in text and "hyvityslaskulla H2021-000001" in text and "Älä maksa" in text
    note_pdf = await _download(client, note["url"])
    note_text = pdf_text(note_pdf)
    total = Decimal(invoice["total"]["amount"])
    vat = Decimal(invoice["vatAmount"]["amount"])
    for item in (
        "HYVITYSLASKU",
        "H2021-000001",
        "Tämä hyvityslasku hyvittää laskun 2021-000008",
        f"Yhteensä (EUR) {money(-total, Language.FI)}",
        f"josta arvonlisävero (EUR) {money(-vat, Language.FI)}",
        "ALV-tunniste FI28416753",
        invoice["contract"]["locationOfUse"]["meteringPointId"],
    ):
        assert item in note_text, (item, note_text)
    assert "Perusmaksu" in note_text and "-1,000" in note_text  # the lines, negated (one month's fee)
    assert "\nLASKU\n" not in note_text and invoice["payment"]["referenceNumber"] not in note_text
    # Its URL is one file for one user, like any document's.
    await login(client, "liisa")
    assert (await client.get(note["url"])).status_code == 403


async def test_credit_notes_of_a_page_of_invoices_are_read_in_one_statement(client, runtime) -> None:
    customer_id = await _customer_id(client)
    query = """query($id: ID!, $first: Int) { customer(id: $id) {
      invoices(first: $first, issuedTo: "2021-06-30") {
        edges { node { invoiceNumber creditNote { filename } } } } } }"""
    counts = []
    for first in (2, 40):  # 2021-06 and 2021-05; then back to 2019-10, 2021-000008 among them
        with count_statements(runtime) as statements:
            result = await gql(client, query, {"id": customer_id, "first": first})
        assert result.errors == []
        counts.append(len(statements))
        notes = [e["node"]["creditNote"] for e in result.data["customer"]["invoices"]["edges"]]
    assert len(notes) > 20 and notes.count(None) == len(notes) - 1
    credit_reads = [s for s in statements if "FROM credit_notes" in s]
    assert len(credit_reads) == 1, credit_reads
    assert counts[1] == counts[0] + 1, counts  # one read for the credit notes, whatever the page size


async def test_documents_come_in_the_language_asked(client) -> None:
    customer_id = await _customer_id(client)
    texts, files = {}, {}
    for language in ("fi", "sv", "en"):
        invoice = (await _invoices(client, customer_id, **{"Accept-Language": language}))[0]
        contracts = await gql(client, CONTRACTS, {"customerId": customer_id}, **{"Accept-Language": language})
        contract = next(
            e["node"] for e in contracts.data["customer"]["contracts"]["edges"] if e["node"]["confirmation"]
        )
        invoice_pdf = await _download(client, invoice["document"]["url"])
        confirmation_pdf = await _download(client, contract["confirmation"]["url"])
        texts[language] = (pdf_text(invoice_pdf), pdf_text(confirmation_pdf))
        files[language] = (invoice["document"]["filename"], contract["confirmation"]["filename"])
    assert files["fi"][0].startswith("lasku-") and files["sv"][0].startswith("faktura-")
    assert files["en"][0].startswith("invoice-") and files["en"][1].startswith("contract-confirmation-")
    words = {
        "fi": (
            ["LASKU", "Eräpäivä", "Viitenumero", "Kulutusjakso"],
            ["SOPIMUSVAHVISTUS", "Peruuttamisoikeus"],
        ),
        "sv": (
            ["FAKTURA", "Förfallodag", "Referensnummer", "Förbrukningsperiod"],
            ["AVTALSBEKRÄFTELSE", "Ångerrätt"],
        ),
        "en": (
            ["INVOICE", "Due date", "Reference number", "Consumption period"],
            ["CONTRACT CONFIRMATION", "withdrawal"],
        ),
    }
    for language, (invoice_words, confirmation_words) in words.items():
        invoice_text, confirmation_text = texts[language]
        assert all(w in invoice_text for w in invoice_words), (language, invoice_text)
        assert all(w in confirmation_text for w in confirmation_words), (language, confirmation_text)
        for other in words.keys() - {language}:
            assert words[other][0][0] not in invoice_text, (language, other)
            assert words[other][1][1] not in confirmation_text, (language, other)
    assert "Maksutiedot" not in texts["sv"][0] and "Maksutiedot" not in texts["en"][0]
    # Numbers and dates in the language's format: the same late-payment interest.
    assert "11,5 %" in texts["sv"][0] and "11.5 %" in texts["en"][0]
    assert len({texts[lang][0] for lang in texts}) == 3 and len({texts[lang][1] for lang in texts}) == 3


async def test_the_contract_confirmation_is_complete(client) -> None:
    customer_id = await _customer_id(client)
    contracts = await gql(client, CONTRACTS, {"customerId": customer_id})
    contract = next(
        e["node"] for e in contracts.data["customer"]["contracts"]["edges"] if e["node"]["confirmation"]
    )
    text = pdf_text(await _download(client, contract["confirmation"]["url"]))
    for item in (
        "SOPIMUSVAHVISTUS",
        "Sopijapuolet",
        "Energia Oy, 2841675-3",  # the seller
        "Maija Meikäläinen",  # the customer
        contract["contractNumber"],
        contract["product"]["name"],
        "Voimassa",
        "Veroton",
        "Verollinen",
        "ALV %",
        "versio 2024-01",  # the terms
        "Peruuttamisoikeus",
        "14 päivän",
        "Asiakaspalvelu: puhelin +358 20 123 4567, sähköposti asiakaspalvelu@example.fi",
    ):
        assert item in text, (item, text)
    assert not any(raw in text for raw in ("E_INVOICE", "PAPER", "EMAIL", "BASIC_FEE", "EUR_PER_MONTH"))
    assert any(word in text for word in ("e-lasku", "sähköposti,", "paperilasku"))
    assert "AVTALSBEKRÄFTELSE" not in text and "CONTRACT CONFIRMATION" not in text


async def test_an_organisation_has_no_withdrawal_right(client) -> None:
    customer_id = await _customer_id(client, "kahvila")
    contracts = await gql(client, CONTRACTS, {"customerId": customer_id})
    contract = next(
        e["node"] for e in contracts.data["customer"]["contracts"]["edges"] if e["node"]["confirmation"]
    )
    text = pdf_text(await _download(client, contract["confirmation"]["url"]))
    assert "SOPIMUSVAHVISTUS" in text and "Peruuttamisoikeus" not in text
    assert "Hintoihin lisätään arvonlisävero" in text


async def test_a_page_renders_to_png(client, tmp_path) -> None:
    """Smoke test of the drawing itself: poppler renders the first page of an invoice."""
    if shutil.which("pdftoppm") is None:
        if not os.environ.get("CI"):
            pytest.skip("pdftoppm (poppler-utils) is not installed")
        pytest.fail("pdftoppm (poppler-utils) must be installed in CI")
    customer_id = await _customer_id(client)
    invoice = (await _invoices(client, customer_id))[0]
    source = tmp_path / "invoice.pdf"
    source.write_bytes(await _download(client, invoice["document"]["url"]))
    await asyncio.to_thread(
        subprocess.run,
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    png = pages[0].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (414, 585)  # A4 at 50 dpi
    assert len(png) > 5_000, "the page has something drawn on it"
