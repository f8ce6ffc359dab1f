"""graphql-cop's twelve checks and its unhandled-error check, against production mode.

graphql-cop (a GraphQL security auditor, not on the package registries) sends these
requests and calls the server vulnerable when the answer looks as described in each
test's docstring; every check here must find nothing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from app.http import build_app
from app.settings import Mode
from schema.build import build_schema
from schema.limits import Limits
from tests.conftest import forget_rate_limits


@pytest.fixture
async def production(runtime) -> AsyncIterator[httpx.AsyncClient]:
    settings = runtime.settings.model_copy(update={"mode": Mode.PRODUCTION})
    schema = build_schema(production=True, limits=Limits(max_cost=settings.max_query_cost))
    app = build_app(replace(runtime, settings=settings, schema=schema))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c
    await forget_rate_limits(runtime)


async def post(client: httpx.AsyncClient, query: str) -> tuple[int, dict]:
    response = await client.post("/graphql", json={"query": query})
    return response.status_code, response.json()


def data_of(body: dict) -> dict:
    return body.get("data") or {}


async def test_alias_overloading(production) -> None:
    """Vulnerable when 101 aliases of ``__typename`` all come back."""
    query = "query cop { " + " ".join(f"alias{i}:__typename" for i in range(101)) + " }"
    _, body = await post(production, query)
    assert "alias100" not in data_of(body)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]


async def test_array_batching(production) -> None:
    """Vulnerable when a JSON array of ten operations gets ten answers."""
    response = await production.post("/graphql", json=[{"query": "query cop { __typename }"}] * 10)
    assert response.status_code == 400
    assert not isinstance(response.json(), list)


async def test_introspection_based_circular_query(production) -> None:
    """Vulnerable when a circular introspection query returns data."""
    query = (
        "query cop { __schema { types { fields { type { fields { type { fields { type { fields "
        "{ type { name } } } } } } } } } } }"
    )
    _, body = await post(production, query)
    assert body.get("data") is None and body["errors"]


async def test_directive_overloading(production) -> None:
    """Vulnerable when ten unknown directives on one field give ten (or more) errors."""
    _, body = await post(production, "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }")
    assert len(body["errors"]) == 1
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_field_duplication(production) -> None:
    """Vulnerable when 500 repeated ``__typename`` come back as data."""
    _, body = await post(production, "query cop { " + "__typename \n" * 500 + "}")
    assert "__typename" not in data_of(body)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]


async def test_field_suggestions(production) -> None:
    """Vulnerable when an error says "Did you mean"."""
    for query in (
        "query cop { __schema { directive } }",
        "{ viewr { user { id } } }",
        "{ viewer { usr { id } } }",
    ):
        _, body = await post(production, query)
        assert body["errors"] and "Did you mean" not in json.dumps(body)


async def test_mutation_over_get(production) -> None:
    """Vulnerable (CSRF) when a mutation sent with GET returns data."""
    response = await production.get(
        "/graphql", params={"query": "mutation cop { logout { errors { code } } }"}
    )
    assert response.status_code == 405 and "data" not in response.json()


async def test_query_over_get(production) -> None:
    """Vulnerable (CSRF) when a query sent with GET returns data."""
    response = await production.get("/graphql", params={"query": "query cop { __typename }"})
    assert response.status_code == 405 and "data" not in response.json()


async def test_graphql_ide(production) -> None:
    """Vulnerable when GET with ``Accept: text/html`` serves GraphiQL or another IDE."""
    response = await production.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 405
    assert "graphiql" not in response.text.lower() and "playground" not in response.text.lower()


async def test_introspection(production) -> None:
    """Vulnerable when ``__schema`` returns data."""
    _, body = await post(production, "query cop { __schema { types { name fields { name } } } }")
    assert body.get("data") is None and body["errors"]


async def test_url_encoded_post(production) -> None:
    """Vulnerable (CSRF: a form can post it cross-site) when an url-encoded POST returns data."""
    response = await production.post(
        "/graphql",
        content="query=query+cop+%7B__typename%7D",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400 and "data" not in response.json()
    plain = await production.post(
        "/graphql", content='{"query": "query cop { __typename }"}', headers={"content-type": "text/plain"}
    )
    assert plain.status_code == 400 and "data" not in plain.json()


async def test_trace_mode(production) -> None:
    """Vulnerable when responses carry Apollo tracing (``extensions.tracing``)."""
    _, body = await post(production, "query cop { __typename }")
    assert data_of(body) == {"__typename": "Query"}
    assert set(body.get("extensions", {})) == {"cost"}


async def test_unhandled_errors(production) -> None:
    """Vulnerable when an error carries an exception, a stack trace or a file path."""
    for query in ("query cop { __typename {}", "qwerty cop { abc }", "query cop { node(id: 1) { id } }"):
        response = await production.post("/graphql", json={"query": query})
        text = response.text
        assert response.status_code in (200, 400)
        assert "exception" not in text.lower() and "traceback" not in text.lower() and ".py" not in text
