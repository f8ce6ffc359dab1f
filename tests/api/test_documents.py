"""Invoice and contract documents: real PDFs behind signed, short-lived, per-user URLs."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from itsdangerous import TimestampSigner
from pypdf import PdfReader

from auth.file_tokens import FileGrant, issue_file_token, read_file_token
from domain.payments import virtual_barcode
from tests.conftest import gql, login, operation

INVOICE_DETAIL = operation("InvoiceDetail")
CONTRACTS = operation("Contracts")
INVOICES = operation("Invoices")


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def euro(amount: str) -> str:
    whole, cents = amount.split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return " ".join(groups) + "," + cents


async def maija_invoice(client, index: int = 0) -> dict:
    await login(client, "maija")
    viewer = await gql(client, "{ viewer { customers { id } } }")
    customer_id = viewer.data["viewer"]["customers"][0]["id"]
    invoices = await gql(client, INVOICES, {"customerId": customer_id, "first": index + 1})
    invoice_id = invoices.data["customer"]["invoices"]["edges"][index]["node"]["id"]
    detail = await gql(client, INVOICE_DETAIL, {"invoiceId": invoice_id})
    assert detail.errors == []
    return detail.data["node"]


async def test_invoice_pdf_shows_the_invoice(client) -> None:
    invoice = await maija_invoice(client)
    document = invoice["document"]
    assert document["contentType"] == "application/pdf"
    assert document["filename"].endswith(".pdf")
    response = await client.get(document["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert invoice["invoiceNumber"] in text
    assert euro(invoice["total"]["amount"]) in text
    assert invoice["payment"]["referenceNumber"] in text
    assert invoice["payment"]["virtualBarcode"] in text
    if invoice["detailLevel"] == "FULL":
        for line in invoice["lines"]:
            assert line["description"] in text
    again = await client.get(document["url"])
    assert again.content == response.content, "the same invoice renders the same bytes"


async def test_basic_invoice_pdf_has_no_lines_but_payment_details(client) -> None:
    await login(client, "maija")
    viewer = await gql(client, "{ viewer { customers { id } } }")
    customer_id = viewer.data["viewer"]["customers"][0]["id"]
    result = await gql(client, INVOICES, {"customerId": customer_id, "issuedTo": "2020-03-31", "first": 1})
    invoice_id = result.data["customer"]["invoices"]["edges"][0]["node"]["id"]
    invoice = (await gql(client, INVOICE_DETAIL, {"invoiceId": invoice_id})).data["node"]
    assert invoice["detailLevel"] == "BASIC" and invoice["lines"] is None
    text = pdf_text((await client.get(invoice["document"]["url"])).content)
    # Paid: shown as sent, so the barcode is the one for its total, not the API's for nothing due.
    assert invoice["status"] == "PAID" and invoice["payment"]["amountDue"]["amount"] == "0.00"
    as_sent = virtual_barcode(
        invoice["payment"]["iban"],
        Decimal(invoice["total"]["amount"]),
        invoice["payment"]["referenceNumber"],
        date.fromisoformat(invoice["dueOn"]),
    )
    assert invoice["invoiceNumber"] in text and as_sent in text and "MAKSETTU" in text
    assert "Erittely" not in text


async def test_document_url_is_bound_to_its_user(client, runtime) -> None:
    invoice = await maija_invoice(client)
    url = invoice["document"]["url"]
    await gql(client, "mutation { logout { errors { code } } }")
    assert (await client.get(url)).status_code == 403, "no one signed in"
    await login(client, "liisa")
    assert (await client.get(url)).status_code == 403, "another user"
    token = url.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await client.get(url.replace(token, tampered))).status_code == 404
    assert (await client.get("/files/nonsense")).status_code == 404


async def test_document_url_expires(client, runtime, monkeypatch) -> None:
    invoice = await maija_invoice(client)
    grant = read_file_token(runtime.signing_key, invoice["document"]["url"].rsplit("/", 1)[1])
    assert grant is not None
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 301)
    old = issue_file_token(runtime.signing_key, grant)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert (await client.get(f"/files/{old}")).status_code == 404
    fresh = issue_file_token(runtime.signing_key, grant)
    assert (await client.get(f"/files/{fresh}")).status_code == 200


async def test_a_token_for_another_kind_or_subject_gives_nothing(client, runtime) -> None:
    await login(client, "liisa")
    liisa = (await gql(client, "{ viewer { user { id } } }")).data["viewer"]["user"]["id"]
    from resolvers.ids import from_global_id

    liisa_id = from_global_id(liisa)[1]
    invoice = await maija_invoice(client)  # now signed in as maija again
    maija_invoice_id = from_global_id(invoice["id"])[1]
    await login(client, "liisa")
    forged = issue_file_token("not-the-server-key", FileGrant("invoice", maija_invoice_id, liisa_id))
    assert (await client.get(f"/files/{forged}")).status_code == 404
    # A genuine token issued to Liisa for Maija's invoice still fails the access check.
    genuine = issue_file_token(runtime.signing_key, FileGrant("invoice", maija_invoice_id, liisa_id))
    assert (await client.get(f"/files/{genuine}")).status_code == 403


async def test_contract_confirmation_for_full_contracts_only(client) -> None:
    await login(client, "maija")
    viewer = await gql(client, "{ viewer { customers { id } } }")
    customer_id = viewer.data["viewer"]["customers"][0]["id"]
    result = await gql(client, CONTRACTS, {"customerId": customer_id})
    assert result.errors == []
    for edge in result.data["customer"]["contracts"]["edges"]:
        contract = edge["node"]
        if contract["detailLevel"] == "BASIC":
            assert contract["confirmation"] is None
            continue
        confirmation = contract["confirmation"]
        response = await client.get(confirmation["url"])
        assert response.status_code == 200
        text = pdf_text(response.content)
        assert contract["contractNumber"] in text
        assert contract["product"]["name"] in text


async def test_delegate_with_invoices_access_downloads_invoices(client) -> None:
    await login(client, "matti")
    viewer = await gql(client, "{ viewer { customers { id } } }")
    customer_id = viewer.data["viewer"]["customers"][0]["id"]
    invoices = await gql(client, INVOICES, {"customerId": customer_id, "first": 1})
    invoice_id = invoices.data["customer"]["invoices"]["edges"][0]["node"]["id"]
    detail = await gql(client, INVOICE_DETAIL, {"invoiceId": invoice_id})
    response = await client.get(detail.data["node"]["document"]["url"])
    assert response.status_code == 200
    assert Decimal(detail.data["node"]["total"]["amount"]) > 0
