"""Compressed responses (issue 19, part 2): as the client accepts, only where it pays."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import gql, login, operation

CONSUMPTION = operation("Consumption")


async def _year_of_quarter_hours(client) -> dict:
    customers = (await gql(client, "{ viewer { customers { id locationsOfUse { id } } } }")).data
    customer = customers["viewer"]["customers"][0]
    return {
        "customerId": customer["id"],
        "locationOfUseId": customer["locationsOfUse"][0]["id"],
        "from": "2025-10-01",
        "to": "2026-09-30",
        "resolution": "QUARTER_HOUR",
    }


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip"])
async def test_a_large_answer_comes_compressed_as_accepted(client, encoding: str) -> None:
    await login(client, "maija")
    variables = await _year_of_quarter_hours(client)
    response = await client.post(
        "/graphql",
        json={"query": CONSUMPTION, "variables": variables},
        headers={"accept-encoding": encoding},
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == encoding
    assert response.json()["data"]["customer"]["consumption"]["points"]  # decodes to the answer
    assert response.num_bytes_downloaded * 5 < len(response.content)  # under a fifth of its size


async def test_small_answers_and_clients_that_accept_nothing_get_plain_bytes(client) -> None:
    small = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"accept-encoding": "br"})
    assert "content-encoding" not in small.headers
    await login(client, "maija")
    variables = await _year_of_quarter_hours(client)
    plain = await client.post(
        "/graphql",
        json={"query": CONSUMPTION, "variables": variables},
        headers={"accept-encoding": "identity"},
    )
    assert "content-encoding" not in plain.headers
    assert plain.num_bytes_downloaded == len(plain.content) > 1_000_000


async def test_documents_pass_as_they_are(client) -> None:
    await login(client, "maija")
    found = await gql(
        client, "{ viewer { customers { invoices(first: 1) { edges { node { document { url } } } } } } }"
    )
    url = found.data["viewer"]["customers"][0]["invoices"]["edges"][0]["node"]["document"]["url"]
    pdf = await client.get(urlsplit(url).path, headers={"accept-encoding": "br, gzip"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "content-encoding" not in pdf.headers
