"""Transport rules and error handling: nothing a client sends gives a 500 or a trace."""

from __future__ import annotations

import json

import httpx
import pytest

from app.http import build_app
from tests.conftest import gql, login


def assert_transport_error(response: httpx.Response, status: int, code: str) -> None:
    """A refusal outside GraphQL execution: JSON with a code and the request ID."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    [error] = response.json()["errors"]
    assert error["message"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]


@pytest.mark.parametrize("body", ['"abc"', "123", "[1]", "[]", "null", "true", '{"query": 1}', "{bad json"])
async def test_non_object_or_broken_json_is_400(client, body) -> None:
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert_transport_error(response, 400, "BAD_REQUEST")


async def test_batching_is_refused(client) -> None:
    response = await client.post("/graphql", json=[{"query": "{ viewer { user { id } } }"}])
    assert_transport_error(response, 400, "BAD_REQUEST")


async def test_oversized_body_is_413(client) -> None:
    padding = "#" + "x" * (1024 * 1024)
    response = await client.post("/graphql", json={"query": "{ viewer { user { id } } }\n" + padding})
    assert_transport_error(response, 413, "BAD_REQUEST")


async def test_multipart_without_preflight_header_is_refused(client) -> None:
    operations = json.dumps({"query": "mutation { logout { errors { code } } }"})
    response = await client.post("/graphql", files={"operations": (None, operations), "map": (None, "{}")})
    assert_transport_error(response, 400, "BAD_REQUEST")
    assert "Apollo-Require-Preflight" in response.text


async def test_other_transport_refusals_are_coded_json(client) -> None:
    assert_transport_error(await client.put("/graphql", json={}), 405, "BAD_REQUEST")
    assert_transport_error(await client.get("/no-such-route"), 404, "NOT_FOUND")
    response = await client.post("/graphql", content="query=x", headers={"content-type": "text/plain"})
    assert_transport_error(response, 400, "BAD_REQUEST")
    response = await client.post("/graphql", json={"query": None})
    assert_transport_error(response, 400, "BAD_REQUEST")
    response = await client.post("/graphql", json={"query": "{ viewer { id } }", "variables": []})
    assert_transport_error(response, 400, "BAD_REQUEST")


async def test_syntax_and_validation_errors_are_coded(client) -> None:
    result = await gql(client, "{ viewer { ")
    assert result.codes() == ["BAD_USER_INPUT"]
    result = await gql(client, "{ viewr { user { id } } }")
    assert result.codes() == ["BAD_USER_INPUT"]
    assert "Did you mean" in result.errors[0]["message"]  # development helps developers
    result = await gql(client, "query($id: ID!) { customer(id: $id) { id } }", {})
    assert result.codes() == ["BAD_USER_INPUT"]


async def test_thousand_aliases_and_depth_twenty_are_too_complex(client) -> None:
    aliases = "{ " + " ".join(f"a{i}: viewer {{ user {{ id }} }}" for i in range(1000)) + " }"
    result = await gql(client, aliases)
    assert "QUERY_TOO_COMPLEX" in result.codes()
    assert result.data is None
    deep = "{ viewer " + "{ customers " * 19 + "{ id }" + " }" * 19 + " }"
    result = await gql(client, deep)
    assert "QUERY_TOO_COMPLEX" in result.codes()
    many_tokens = "{ " + " ".join(["viewer { user { id } }"] * 2000) + " }"
    result = await gql(client, many_tokens)
    assert result.codes() == ["QUERY_TOO_COMPLEX"]


async def test_unexpected_errors_are_masked_with_a_request_id(client, monkeypatch, caplog) -> None:
    from schema import query as query_module

    async def broken(ctx, global_id):
        raise RuntimeError("secret internals: /etc/passwd SELECT * FROM users")

    monkeypatch.setattr(query_module, "load_node", broken)
    await login(client, "maija")
    response = await client.post("/graphql", json={"query": '{ node(id: "x") { id } }'})
    assert response.status_code == 200
    body = response.json()
    [error] = body["errors"]
    assert error["message"] == "Palvelussa tapahtui virhe."  # Maija's language (not chosen, no header)
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "secret internals" in caplog.text


async def test_graphiql_and_get_queries_in_development(client) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    result = await client.get("/graphql", params={"query": "{ viewer { user { id } } }"})
    assert result.status_code == 200 and result.json()["data"] == {"viewer": None}
    mutation = await client.get("/graphql", params={"query": "mutation { logout { errors { code } } }"})
    assert mutation.status_code in {400, 405}


async def test_security_headers(client) -> None:
    response = await client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]


async def test_health_and_readiness_and_metrics(client) -> None:
    assert (await client.get("/healthz")).text == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    metrics = await client.get("/metrics")
    assert "energy_portal_http_requests_total" in metrics.text


async def test_production_mode_locks_the_api_down(runtime) -> None:
    from dataclasses import replace

    from app.settings import Mode
    from schema.build import build_schema

    settings = runtime.settings.model_copy(update={"mode": Mode.PRODUCTION})
    production = replace(runtime, settings=settings, schema=build_schema(production=True))
    transport = httpx.ASGITransport(app=build_app(production))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        assert (await c.get("/graphql", headers={"accept": "text/html"})).status_code == 405
        assert (await c.get("/graphql", params={"query": "{ viewer { user { id } } }"})).status_code == 405
        result = await gql(c, "{ __schema { types { name } } }")
        assert result.data is None and set(result.codes()) == {"BAD_USER_INPUT"}
        result = await gql(c, "{ viewr { user { id } } }")
        assert "Did you mean" not in json.dumps(result)
        result = await gql(c, "{ viewer { usr { id } } }")
        assert "Did you mean" not in json.dumps(result)
