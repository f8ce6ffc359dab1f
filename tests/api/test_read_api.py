"""The read API as the clients use it: Dashboard, Contracts, Invoices, InvoiceDetail, Home."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.payments import is_valid_national_reference, parse_virtual_barcode, vat_rate_on
from resolvers.ids import from_global_id, to_global_id
from tests.conftest import gql, login, operation

CONTRACTS = operation("Contracts")
INVOICES = operation("Invoices")
HOME = operation("Home")
DASHBOARD = operation("Dashboard")

SECTIONS = {"CONTRACTS", "INVOICES", "REPORTING", "MESSAGES", "MY_INFORMATION"}


async def own_customer(client, username: str) -> dict:
    result = await gql(client, DASHBOARD)
    assert result.errors == [], result.errors
    customers = result.data["viewer"]["customers"]
    return next(c for c in customers if c["relationship"] == "OWNER")


async def test_anonymous_sees_nothing(client) -> None:
    result = await gql(client, DASHBOARD)
    assert result.data["viewer"] is None
    assert result.data["bulletins"] is None
    assert result.codes() == ["UNAUTHENTICATED"]
    customer_id = to_global_id("Customer", 1)
    result = await gql(client, "query($id: ID!) { customer(id: $id) { id name } }", {"id": customer_id})
    assert result.data == {"customer": None}
    assert result.codes() == ["UNAUTHENTICATED"]


async def test_dashboard_for_maija(client) -> None:
    await login(client, "maija")
    result = await gql(client, DASHBOARD, {"language": "EN"})
    assert result.errors == []
    viewer = result.data["viewer"]
    assert viewer["user"]["username"] == "maija"
    assert viewer["user"]["role"] == "CUSTOMER"
    assert viewer["user"]["strongIdentityLinked"] is True
    [customer] = viewer["customers"]
    assert customer["name"] == "Maija Meikäläinen"
    assert customer["kind"] == "PERSON"
    assert customer["relationship"] == "OWNER"
    assert {(a["section"], a["level"]) for a in customer["access"]} == {(s, "READ_WRITE") for s in SECTIONS}
    locations = customer["locationsOfUse"]
    assert len(locations) == 2
    by_city = {loc["address"]["city"]: loc for loc in locations}
    assert by_city["Helsinki"]["meteringResolution"] == "QUARTER_HOUR"
    assert by_city["Porvoo"]["meteringResolution"] == "HOUR"
    for loc in locations:
        assert len(loc["meteringPointId"]) == 18 and loc["meteringPointId"].startswith("643")
        assert loc["gridOperator"]["serviceUrl"].startswith("https://")
    assert isinstance(result.data["bulletins"], list) and result.data["bulletins"]


async def test_maijas_contracts_show_what_their_period_allows(client) -> None:
    await login(client, "maija")
    customer = await own_customer(client, "maija")
    result = await gql(client, CONTRACTS, {"customerId": customer["id"]})
    assert result.errors == []
    connection = result.data["customer"]["contracts"]
    assert connection["totalCount"] == 5
    nodes = [e["node"] for e in connection["edges"]]
    starts = [n["validFrom"] for n in nodes]
    assert starts == sorted(starts, reverse=True), "newest first"
    by_start = {n["validFrom"]: n for n in nodes}

    ended_before = by_start["2017-03-01"]
    assert ended_before["status"] == "ENDED"
    assert ended_before["detailLevel"] == "BASIC"
    assert ended_before["prices"] is None
    assert ended_before["invoicing"] is None
    assert ended_before["locationOfUse"]["profile"] is None

    signed_before = by_start["2019-07-01"]
    assert signed_before["signedOn"] == "2019-05-15"
    assert signed_before["validUntil"] == "2021-06-30"
    assert signed_before["detailLevel"] == "BASIC"
    assert signed_before["prices"], "signed before the cutover but valid after it: prices shown"
    assert signed_before["invoicing"] is None
    assert signed_before["locationOfUse"]["profile"] is None

    spot = by_start["2024-07-01"]
    assert spot["status"] == "ACTIVE" and spot["validUntil"] is None
    assert spot["product"]["kind"] == "SPOT"
    assert spot["detailLevel"] == "FULL"
    assert {p["kind"] for p in spot["prices"]} >= {"BASIC_FEE", "SPOT_MARGIN"}
    assert all(p["vatIncluded"] for p in spot["prices"])
    assert spot["invoicing"]["billingIntervalMonths"] >= 1
    assert spot["locationOfUse"]["profile"]["buildingType"] == "APARTMENT"

    cottage = by_start["2022-01-01"]
    assert cottage["product"]["kind"] == "TIME_OF_USE"
    assert {p["kind"] for p in cottage["prices"]} >= {"ENERGY_DAY", "ENERGY_NIGHT", "BASIC_FEE"}

    assert by_start["2021-07-01"]["status"] == "ENDED"
    assert by_start["2021-07-01"]["detailLevel"] == "FULL"


async def test_contract_status_filter(client) -> None:
    await login(client, "maija")
    customer = await own_customer(client, "maija")
    result = await gql(client, CONTRACTS, {"customerId": customer["id"], "status": ["ACTIVE"]})
    nodes = [e["node"] for e in result.data["customer"]["contracts"]["edges"]]
    assert {n["validFrom"] for n in nodes} == {"2024-07-01", "2022-01-01"}
    assert result.data["customer"]["contracts"]["totalCount"] == 2


async def test_invoices_pages_filters_and_statuses(client, runtime) -> None:
    await login(client, "maija")
    customer = await own_customer(client, "maija")
    seen: list[dict] = []
    after = None
    total = None
    while True:
        result = await gql(client, INVOICES, {"customerId": customer["id"], "first": 25, "after": after})
        assert result.errors == []
        connection = result.data["customer"]["invoices"]
        total = connection["totalCount"]
        seen += [e["node"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == total > 60
    assert len({n["id"] for n in seen}) == total, "no invoice twice across pages"
    issued = [(n["issuedOn"], from_global_id(n["id"])[1]) for n in seen]
    assert issued == sorted(issued, reverse=True), "newest first"
    assert min(n["issuedOn"] for n in seen) >= runtime.settings.cutover_date.isoformat()
    statuses = [n["status"] for n in seen]
    assert statuses[0] in {"OPEN", "PARTIALLY_PAID"}
    assert "OVERDUE" in statuses and "PAID" in statuses and "CREDITED" in statuses
    for node in seen:
        assert node["total"]["currency"] == "EUR"
        Decimal(node["total"]["amount"])
        if node["status"] == "PAID":
            assert node["payment"]["amountDue"]["amount"] == "0.00"
        assert node["detailLevel"] == ("FULL" if node["issuedOn"] >= "2020-04-01" else "BASIC")
        assert node["contract"]["contractNumber"]

    overdue = await gql(client, INVOICES, {"customerId": customer["id"], "status": ["OVERDUE"]})
    overdue_nodes = [e["node"] for e in overdue.data["customer"]["invoices"]["edges"]]
    assert overdue_nodes and all(n["status"] == "OVERDUE" for n in overdue_nodes)
    assert overdue.data["customer"]["invoices"]["totalCount"] == statuses.count("OVERDUE")

    year = await gql(
        client,
        INVOICES,
        {"customerId": customer["id"], "issuedFrom": "2023-01-01", "issuedTo": "2023-12-31", "first": 100},
    )
    nodes = [e["node"] for e in year.data["customer"]["invoices"]["edges"]]
    assert nodes and all("2023-01-01" <= n["issuedOn"] <= "2023-12-31" for n in nodes)
    assert year.data["customer"]["invoices"]["totalCount"] == len(nodes)


async def test_first_is_capped_and_bad_paging_input_is_coded(client) -> None:
    await login(client, "maija")
    customer = await own_customer(client, "maija")
    result = await gql(client, INVOICES, {"customerId": customer["id"], "first": 1000})
    assert len(result.data["customer"]["invoices"]["edges"]) == 100
    result = await gql(client, INVOICES, {"customerId": customer["id"], "after": "not-a-cursor"})
    assert result.data["customer"]["invoices"] is None
    assert result.codes() == ["BAD_USER_INPUT"]
    result = await gql(client, INVOICES, {"customerId": customer["id"], "first": -1})
    assert result.codes() == ["BAD_USER_INPUT"]


async def test_every_invoice_detail_of_maija_adds_up_and_pays(client, runtime) -> None:
    await login(client, "maija")
    customer = await own_customer(client, "maija")
    result = await gql(client, INVOICES, {"customerId": customer["id"], "first": 100})
    nodes = [e["node"] for e in result.data["customer"]["invoices"]["edges"]]
    after = result.data["customer"]["invoices"]["pageInfo"]["endCursor"]
    more = await gql(client, INVOICES, {"customerId": customer["id"], "first": 100, "after": after})
    nodes += [e["node"] for e in more.data["customer"]["invoices"]["edges"]]
    assert len(nodes) == result.data["customer"]["invoices"]["totalCount"]
    detail_query = operation("InvoiceDetail")
    rates_seen = set()
    for node in nodes:
        detail = await gql(client, detail_query, {"invoiceId": node["id"]})
        assert detail.errors == []
        invoice = detail.data["node"]
        payment = invoice["payment"]
        reference = payment["referenceNumber"].replace(" ", "")
        assert is_valid_national_reference(reference)
        decoded = parse_virtual_barcode(payment["virtualBarcode"])
        assert decoded["version"] == 4
        assert decoded["iban"] == runtime.settings.payee_iban
        assert decoded["amount"] == Decimal(payment["amountDue"]["amount"])
        assert decoded["reference"] == reference
        assert decoded["due_on"] == date.fromisoformat(invoice["dueOn"])
        total = Decimal(invoice["total"]["amount"])
        if invoice["detailLevel"] == "FULL":
            lines = invoice["lines"]
            assert lines
            assert sum(Decimal(line["amountInclVat"]["amount"]) for line in lines) == total
            vat = sum(
                Decimal(line["amountInclVat"]["amount"]) - Decimal(line["amountExclVat"]["amount"])
                for line in lines
            )
            assert vat == Decimal(invoice["vatAmount"]["amount"])
            expected_rate = vat_rate_on(date.fromisoformat(invoice["periodStart"]))
            for line in lines:
                assert Decimal(line["vatRate"]) == expected_rate
                rates_seen.add(Decimal(line["vatRate"]))
        else:
            assert invoice["issuedOn"] < "2020-04-01"
            assert invoice["lines"] is None
        paid = sum(Decimal(p["amount"]["amount"]) for p in invoice["payments"])
        if invoice["status"] == "PAID":
            assert paid >= total
            assert payment["amountDue"]["amount"] == "0.00"
        elif invoice["status"] == "CREDITED":
            assert invoice["payments"] == []
        else:
            assert Decimal(payment["amountDue"]["amount"]) == total - paid
    assert rates_seen == {Decimal("24"), Decimal("10"), Decimal("25.5")}


async def test_organisation_invoices_carry_rf_references(client, runtime) -> None:
    await login(client, "kahvila")
    customer = await own_customer(client, "kahvila")
    result = await gql(client, INVOICES, {"customerId": customer["id"], "first": 3})
    for edge in result.data["customer"]["invoices"]["edges"]:
        detail = await gql(client, operation("InvoiceDetail"), {"invoiceId": edge["node"]["id"]})
        payment = detail.data["node"]["payment"]
        assert payment["referenceNumber"].startswith("RF")
        decoded = parse_virtual_barcode(payment["virtualBarcode"])
        assert decoded["version"] == 5
        assert decoded["reference"] == payment["referenceNumber"].replace(" ", "")


async def test_home_for_the_mobile_app(client) -> None:
    await login(client, "maija")
    result = await gql(client, HOME)
    assert result.errors == []
    [customer] = result.data["viewer"]["customers"]
    invoices = customer["invoices"]
    assert invoices["totalCount"] >= 2
    assert {e["node"]["status"] for e in invoices["edges"]} <= {"OPEN", "OVERDUE"}
    assert len(invoices["edges"]) <= 5
