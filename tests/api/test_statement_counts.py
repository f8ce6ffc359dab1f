"""A list costs the same number of SQL statements whatever its length (dataloaders)."""

from __future__ import annotations

import asyncio

from tests.conftest import count_statements, gql, login, operation

CONTRACTS = operation("Contracts")
INVOICES = operation("Invoices")
HOME = operation("Home")


async def _statements(client, runtime, query: str, variables: dict) -> int:
    with count_statements(runtime) as statements:
        result = await gql(client, query, variables)
    assert result.errors == [], result.errors
    return len(statements)


async def _customer_id(client) -> str:
    result = await gql(client, "{ viewer { customers { id } } }")
    return result.data["viewer"]["customers"][0]["id"]


async def test_invoices_statements_do_not_grow_with_rows(client, runtime) -> None:
    await login(client, "maija")
    customer_id = await _customer_id(client)
    few = await _statements(client, runtime, INVOICES, {"customerId": customer_id, "first": 2})
    many = await _statements(client, runtime, INVOICES, {"customerId": customer_id, "first": 60})
    assert few == many
    assert many <= 8


async def test_contracts_statements_do_not_grow_with_rows(client, runtime) -> None:
    await login(client, "maija")
    customer_id = await _customer_id(client)
    one = await _statements(client, runtime, CONTRACTS, {"customerId": customer_id, "first": 1})
    all_ = await _statements(client, runtime, CONTRACTS, {"customerId": customer_id, "first": 50})
    assert one == all_
    assert all_ <= 10


async def test_home_statements_do_not_grow_with_customers(client, runtime) -> None:
    await login(client, "maija")
    one_customer = await _statements(client, runtime, HOME, {})
    await gql(client, "mutation { logout { errors { code } } }")
    await login(client, "isannoitsija")
    # The housing manager's first reads of the day are written to the owners' access log
    # (one statement, once a day); the comparison is of the reads.
    await gql(client, HOME, {})
    three_customers = await _statements(client, runtime, HOME, {})
    assert one_customer == three_customers


async def test_concurrent_requests_and_batches_do_not_share_a_session(client, runtime) -> None:
    """Many requests at once, each with several loaders batching concurrently, all succeed."""
    await login(client, "maija")
    customer_id = await _customer_id(client)
    expected = await gql(client, INVOICES, {"customerId": customer_id, "first": 30})
    results = await asyncio.gather(
        *[gql(client, INVOICES, {"customerId": customer_id, "first": 30}) for _ in range(12)],
        *[gql(client, CONTRACTS, {"customerId": customer_id}) for _ in range(6)],
    )
    assert all(r.errors == [] for r in results)
    assert all(r.data == expected.data for r in results[:12])


async def test_dashboard_reads_the_viewers_customers_once(client, runtime) -> None:
    """``viewer.customers`` and ``bulletins`` (audiences by customer kind) share one read."""
    await login(client, "isannoitsija")
    with count_statements(runtime) as statements:
        result = await gql(client, operation("Dashboard"), {"language": "FI"})
    assert result.errors == [] and len(result.data["viewer"]["customers"]) == 3
    customer_reads = [s for s in statements if "FROM customers" in s and "WHERE customers.id IN" in s]
    assert len(customer_reads) == 1, customer_reads


async def test_a_first_page_counts_its_list_in_the_same_statement(client, runtime) -> None:
    """``totalCount`` of a first page comes with the page; after a cursor it is counted apart
    (the cursor must not shrink it), and both agree with walking every page."""
    await login(client, "maija")
    customer_id = await _customer_id(client)
    query = """query($id: ID!, $first: Int, $after: String, $count: Boolean!) { customer(id: $id) {
      invoices(first: $first, after: $after) { totalCount @include(if: $count)
        pageInfo { hasNextPage endCursor } edges { node { id } } } } }"""
    base = {"id": customer_id, "first": 5, "after": None}
    without = await _statements(client, runtime, query, {**base, "count": False})
    with_count = await _statements(client, runtime, query, {**base, "count": True})
    assert with_count == without
    first = await gql(client, query, {**base, "count": True})
    total = first.data["customer"]["invoices"]["totalCount"]
    seen, after = 0, None
    while True:
        page = await gql(client, query, {**base, "first": 100, "after": after, "count": True})
        connection = page.data["customer"]["invoices"]
        assert connection["totalCount"] == total
        seen += len(connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == total > 5
    after_cursor = {**base, "after": first.data["customer"]["invoices"]["pageInfo"]["endCursor"]}
    assert await _statements(client, runtime, query, {**after_cursor, "count": True}) == without + 1
