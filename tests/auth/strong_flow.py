"""Driving strong identification through the development identity provider, in-process.

The application is reached through ``httpx.ASGITransport``; the server's own OpenID
Connect client (authlib) is given a transport to the same application, so that it
fetches the discovery document, the JWKS and the token from the development provider
exactly as it would over the network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from app.dev_idp import DevIdentityProvider, dev_identity_provider
from app.http import build_app
from app.runtime import Runtime
from app.strong_routes import strong_identification_client


def wired_app(runtime: Runtime) -> Any:
    """The application, its OIDC client talking to its own development provider."""
    app = build_app(runtime)
    client = strong_identification_client(app)
    assert client is not None
    client.use_transport(httpx.ASGITransport(app=app))
    return app


def provider_of(app: Any) -> DevIdentityProvider:
    provider = dev_identity_provider(app)
    assert provider is not None
    return provider


@asynccontextmanager
async def browser_for(app: Any, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client on the server's public origin (so cookies match the redirects)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.public_origin) as browser:
        yield browser


def query_of(url: str) -> dict[str, str]:
    """The query parameters of ``url`` (single values)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def start(
    browser: httpx.AsyncClient,
    purpose: str,
    *,
    business_id: str | None = None,
    return_to: str | None = None,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    params = {"purpose": purpose, **(extra or {})}
    if business_id is not None:
        params["businessId"] = business_id
    if return_to is not None:
        params["returnTo"] = return_to
    return await browser.get("/auth/strong/start", params=params)


async def pick_identity(browser: httpx.AsyncClient, authorize_url: str, hetu: str) -> str:
    """At the provider, pick the test identity ``hetu``; the callback URL it redirects to."""
    picked = await browser.get(authorize_url + "&" + urlencode({"login_hint": hetu}))
    assert picked.status_code == 302, picked.text
    return picked.headers["location"]


async def identify(
    browser: httpx.AsyncClient,
    purpose: str,
    hetu: str,
    *,
    business_id: str | None = None,
    return_to: str | None = None,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    """The whole round: start, the provider (``login_hint``), the callback. Returns the
    callback's response (a redirect to ``returnTo``)."""
    started = await start(browser, purpose, business_id=business_id, return_to=return_to, extra=extra)
    assert started.status_code == 302, started.text
    callback = await pick_identity(browser, started.headers["location"], hetu)
    assert urlsplit(callback).path == "/auth/strong/callback", callback
    done = await browser.get(callback)
    assert done.status_code == 302, done.text
    return done
