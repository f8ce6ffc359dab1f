"""Only who has access sees a customer's data, by every path tried here."""

from __future__ import annotations

from resolvers.ids import to_global_id
from tests.conftest import gql, login, operation

INVOICES = operation("Invoices")
DASHBOARD = operation("Dashboard")
NODE = """query($id: ID!) {
  node(id: $id) { id ... on Invoice { invoiceNumber } ... on Contract { contractNumber } }
}"""
USER_NODE = "query($id: ID!) { node(id: $id) { ... on User { username } } }"


async def maija_ids(client) -> tuple[str, str, str]:
    """Maija's customer ID, one of her invoice IDs and one contract ID (as Maija)."""
    await login(client, "maija")
    dashboard = await gql(client, DASHBOARD)
    customer_id = dashboard.data["viewer"]["customers"][0]["id"]
    invoices = await gql(client, INVOICES, {"customerId": customer_id, "first": 1})
    node = invoices.data["customer"]["invoices"]["edges"][0]["node"]
    await gql(client, "mutation { logout { errors { code } } }")
    return customer_id, node["id"], node["contract"]["id"]


async def test_liisa_gets_nothing_of_maija(client) -> None:
    customer_id, invoice_id, contract_id = await maija_ids(client)
    await login(client, "liisa")
    result = await gql(client, "query($id: ID!) { customer(id: $id) { id name } }", {"id": customer_id})
    assert result.data == {"customer": None}
    assert result.codes() == ["NOT_FOUND"]
    result = await gql(client, INVOICES, {"customerId": customer_id})
    assert result.data == {"customer": None}
    for node_id in (invoice_id, contract_id, customer_id):
        result = await gql(client, NODE, {"id": node_id})
        assert result.data == {"node": None}
        assert result.codes() == ["NOT_FOUND"]
    dashboard = await gql(client, DASHBOARD)
    assert [c["name"] for c in dashboard.data["viewer"]["customers"]] == ["Liisa Virtanen"]


async def test_unknown_and_malformed_ids_are_not_found(client) -> None:
    await login(client, "maija")
    for bad in ["", "nonsense", to_global_id("Customer", 999999), to_global_id("Invoice", 999999)]:
        result = await gql(client, NODE, {"id": bad})
        assert result.data == {"node": None}
        assert result.codes() == ["NOT_FOUND"]


async def test_delegate_sees_granted_sections_only(client) -> None:
    customer_id, invoice_id, contract_id = await maija_ids(client)
    await login(client, "matti")
    dashboard = await gql(client, DASHBOARD)
    [maija] = dashboard.data["viewer"]["customers"]
    assert maija["id"] == customer_id
    assert maija["relationship"] == "DELEGATE"
    assert {(a["section"], a["level"]) for a in maija["access"]} == {
        ("INVOICES", "READ"),
        ("REPORTING", "READ"),
        ("MESSAGES", "READ_WRITE"),
    }
    query = """query($id: ID!) { customer(id: $id) {
        name
        contracts { totalCount }
        invoices(first: 2) { totalCount edges { node { invoiceNumber contract { id } } } }
        locationsOfUse { meteringPointId profile { buildingType } }
    } }"""
    result = await gql(client, query, {"id": customer_id})
    customer = result.data["customer"]
    assert customer["name"] == "Maija Meikäläinen"
    assert customer["contracts"] is None
    assert customer["invoices"]["totalCount"] > 0
    assert all(e["node"]["contract"] is None for e in customer["invoices"]["edges"])
    assert all(loc["profile"] is None for loc in customer["locationsOfUse"])
    assert set(result.codes()) == {"FORBIDDEN"}
    assert all(e["path"][-1] in {"contracts", "contract", "profile"} for e in result.errors)

    result = await gql(client, NODE, {"id": contract_id})
    assert result.data == {"node": None} and result.codes() == ["FORBIDDEN"]
    result = await gql(client, NODE, {"id": invoice_id})
    assert result.errors == [] and result.data["node"]["invoiceNumber"]


async def test_housing_manager_sees_the_attached_companies(client) -> None:
    await login(client, "isannoitsija")
    result = await gql(client, DASHBOARD)
    customers = result.data["viewer"]["customers"]
    assert len(customers) == 3
    assert all(c["relationship"] == "HOUSING_MANAGER" for c in customers)
    assert all(c["name"].startswith("As Oy") for c in customers)
    assert all(len(c["access"]) == 5 for c in customers)


async def test_staff_sees_no_customer_data_through_customer_fields(client) -> None:
    _, invoice_id, _ = await maija_ids(client)
    await login(client, "asiakaspalvelu")
    result = await gql(client, DASHBOARD)
    assert result.data["viewer"]["user"]["role"] == "CUSTOMER_SERVICE"
    assert result.data["viewer"]["customers"] == []
    result = await gql(client, NODE, {"id": invoice_id})
    assert result.data == {"node": None}


async def test_user_node_is_only_ones_own(client) -> None:
    await login(client, "liisa")
    me = await gql(client, "{ viewer { user { id } } }")
    my_id = me.data["viewer"]["user"]["id"]
    result = await gql(
        client, "query($id: ID!) { node(id: $id) { ... on User { username } } }", {"id": my_id}
    )
    assert result.data["node"] == {"username": "liisa"}
    other = to_global_id("User", 1 if my_id != to_global_id("User", 1) else 2)
    result = await gql(
        client, "query($id: ID!) { node(id: $id) { ... on User { username } } }", {"id": other}
    )
    assert result.data == {"node": None} and result.codes() == ["NOT_FOUND"]
