"""HTTP hygiene (issue 19, part 5): CORS for the configured origins only, no-store, HSTS and CSP."""

from __future__ import annotations

import httpx

from app.http import Guard, build_app

ALLOWED = "https://app.energia.example"
PREFLIGHT = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}


async def test_a_preflight_from_a_configured_origin_is_allowed_and_others_are_not(runtime) -> None:
    settings = runtime.settings
    runtime.settings = settings.model_copy(update={"client_origins": [ALLOWED]})
    try:
        transport = httpx.ASGITransport(app=build_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
            ok = await browser.options("/graphql", headers={"origin": ALLOWED, **PREFLIGHT})
            assert ok.status_code == 200
            assert ok.headers["access-control-allow-origin"] == ALLOWED
            assert ok.headers["access-control-allow-credentials"] == "true"
            evil = await browser.options("/graphql", headers={"origin": "https://evil.example", **PREFLIGHT})
            assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers
            # a plain request from the allowed origin carries the header, so the app can read it
            answer = await browser.post(
                "/graphql", json={"query": "{ __typename }"}, headers={"origin": ALLOWED}
            )
            assert answer.headers["access-control-allow-origin"] == ALLOWED
    finally:
        runtime.settings = settings


async def test_answers_about_users_are_never_cached(client) -> None:
    answer = await client.post("/graphql", json={"query": "{ __typename }"})
    assert answer.headers["cache-control"] == "no-store"
    assert (await client.get("/healthz")).headers.get("cache-control") != "no-store"


async def test_production_adds_hsts_and_a_strict_csp(runtime) -> None:
    transport = httpx.ASGITransport(app=build_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        development = await browser.get("/healthz")
    assert "strict-transport-security" not in development.headers
    guard = Guard(build_app(runtime).app, production=True)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://testserver") as b:
        production = await b.get("/healthz")
    assert production.headers["strict-transport-security"].startswith("max-age=31536000")
    assert production.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_a_secure_session_cookie_has_the_host_prefix(runtime) -> None:
    """With Secure cookies (production) the session cookie is ``__Host-ep_session``: path ``/``,
    no ``Domain``, ``Secure``; the server reads it back under that name."""
    import dataclasses

    from tests.conftest import LOGIN

    rules = runtime.rules
    runtime.rules = dataclasses.replace(rules, secure_cookies=True)
    try:
        transport = httpx.ASGITransport(app=build_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as browser:
            signed_in = await browser.post(
                "/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"input": {"username": "liisa", "password": "liisa-demo-password"}},
                },
            )
            set_cookie = signed_in.headers["set-cookie"]
            assert set_cookie.startswith("__Host-ep_session=")
            assert "Secure" in set_cookie and "Path=/" in set_cookie and "Domain" not in set_cookie
            me = await browser.post("/graphql", json={"query": "{ viewer { user { username } } }"})
            assert me.json()["data"]["viewer"]["user"]["username"] == "liisa"
    finally:
        runtime.rules = rules
