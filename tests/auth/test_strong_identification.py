"""Strong identification with OpenID Connect, through the development identity provider.

The server's real authlib client fetches the discovery document, the JWKS and the
token from the development provider in-process (see ``strong_flow``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from pydantic import SecretStr
from sqlalchemy import func, select

from app.dev_idp import birthdate_of, callback_uri, dev_client_secret
from app.http import build_app
from app.settings import Mode
from app.strong_routes import checked_return_to, strong_identification_client
from auth.strong import StrongIdentificationError, identity_from_claims, verify_id_token
from domain.users import AuditEvent, User
from fixtures.world import ANNA_HETU, KAHVILA_REPRESENTATIVE_HETU, LIISA_HETU, MAIJA_HETU, PEKKA_HETU
from schema.build import build_schema
from tests.auth.strong_flow import (
    browser_for,
    identify,
    pick_identity,
    provider_of,
    query_of,
    start,
    wired_app,
)
from tests.conftest import gql, login

VIEWER = "{ viewer { user { username } } }"


@pytest.fixture
def app(runtime) -> Any:
    return wired_app(runtime)


@pytest.fixture
async def browser(app, runtime):
    async with browser_for(app, runtime) as b:
        yield b


def own(runtime, path: str = "/") -> str:
    return runtime.settings.public_origin.rstrip("/") + path


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


# -- the provider -----------------------------------------------------------------------


async def test_discovery_document_and_jwks(browser, runtime) -> None:
    issuer = own(runtime, "/dev-idp")
    metadata = (await browser.get("/dev-idp/.well-known/openid-configuration")).json()
    assert metadata["issuer"] == issuer
    assert metadata["authorization_endpoint"] == f"{issuer}/authorize"
    assert metadata["token_endpoint"] == f"{issuer}/token"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = (await browser.get(metadata["jwks_uri"])).json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["kid"]
    assert "d" not in keys[0] and "p" not in keys[0]  # the public half only


async def test_the_key_is_generated_once_into_the_data_directory(runtime) -> None:
    first, second = provider_of(build_app(runtime)), provider_of(build_app(runtime))
    assert first.key.kid == second.key.kid
    path = runtime.settings.data_dir / "dev-idp-key.json"
    assert path.exists() and path.stat().st_mode & 0o077 == 0


async def test_start_redirects_to_the_provider_with_state_nonce_and_pkce_s256(browser, runtime) -> None:
    response = await start(browser, "register")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(own(runtime, "/dev-idp/authorize?"))
    params = query_of(location)
    assert params["response_type"] == "code"
    assert params["client_id"] == runtime.settings.oidc_client_id
    assert params["redirect_uri"] == callback_uri(runtime.settings)
    assert "openid" in params["scope"].split()
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ep_oidc_flow=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "path=/auth/strong" in cookie.lower() and "max-age=600" in cookie.lower()
    # The verifier and nonce are kept for the callback, never sent to the provider.
    assert "code_verifier" not in location
    # A second start gets fresh values.
    again = query_of((await start(browser, "register")).headers["location"])
    assert again["state"] != params["state"] and again["nonce"] != params["nonce"]
    assert again["code_challenge"] != params["code_challenge"]


async def test_the_provider_shows_a_page_to_pick_an_identity(browser) -> None:
    authorize = (await start(browser, "login")).headers["location"]
    page = await browser.get(authorize)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name, code in [("Pekka Uusi", PEKKA_HETU), ("Anna Tuntematon", ANNA_HETU), ("Maija", MAIJA_HETU)]:
        assert name in page.text and code in page.text
    assert "login_hint=220772-9247" in page.text


async def test_the_provider_never_redirects_to_an_unregistered_client_or_uri(browser, runtime) -> None:
    authorize = (await start(browser, "login")).headers["location"]
    params = query_of(authorize)
    for change in ({"redirect_uri": "https://evil.example/cb"}, {"client_id": "someone-else"}):
        response = await browser.get(
            own(runtime, "/dev-idp/authorize?") + urlencode({**params, **change, "login_hint": MAIJA_HETU})
        )
        assert response.status_code == 400 and "location" not in response.headers


async def test_the_provider_requires_pkce_with_s256(browser, runtime) -> None:
    params = query_of((await start(browser, "login")).headers["location"])
    for change in ({"code_challenge_method": "plain"}, {"code_challenge": ""}):
        response = await browser.get(
            own(runtime, "/dev-idp/authorize?") + urlencode({**params, **change, "login_hint": MAIJA_HETU})
        )
        assert response.status_code == 302
        answer = query_of(response.headers["location"])
        assert answer["error"] == "invalid_request" and "code" not in answer


async def _code_for(browser, runtime, hetu: str, verifier: str, nonce: str = "n-0123456789") -> str:
    params = {
        "response_type": "code",
        "client_id": runtime.settings.oidc_client_id,
        "redirect_uri": callback_uri(runtime.settings),
        "scope": "openid profile",
        "state": "s-0123456789",
        "nonce": nonce,
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        "login_hint": hetu,
    }
    response = await browser.get("/dev-idp/authorize?" + urlencode(params))
    assert response.status_code == 302
    return query_of(response.headers["location"])["code"]


async def test_token_endpoint_checks_client_pkce_redirect_uri_and_single_use(app, browser, runtime) -> None:
    verifier = secrets.token_urlsafe(48)
    code = await _code_for(browser, runtime, PEKKA_HETU, verifier)
    client_id, secret = runtime.settings.oidc_client_id, dev_client_secret(runtime.settings)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": callback_uri(runtime.settings)}

    wrong_client = await browser.post("/dev-idp/token", data=form, auth=(client_id, "wrong-secret"))
    assert wrong_client.status_code == 401 and wrong_client.json()["error"] == "invalid_client"
    no_verifier = await browser.post("/dev-idp/token", data=form, auth=(client_id, secret))
    assert no_verifier.json()["error"] == "invalid_grant"
    wrong_verifier = await browser.post(
        "/dev-idp/token", data={**form, "code_verifier": secrets.token_urlsafe(48)}, auth=(client_id, secret)
    )
    assert wrong_verifier.json()["error"] == "invalid_grant"
    wrong_uri = await browser.post(
        "/dev-idp/token",
        data={**form, "code_verifier": verifier, "redirect_uri": own(runtime, "/elsewhere")},
        auth=(client_id, secret),
    )
    assert wrong_uri.json()["error"] == "invalid_grant"

    ok = await browser.post(
        "/dev-idp/token", data={**form, "code_verifier": verifier}, auth=(client_id, secret)
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["cache-control"] == "no-store"
    body = ok.json()
    assert body["token_type"] == "Bearer" and body["access_token"]
    header = json.loads(base64.urlsafe_b64decode(body["id_token"].split(".")[0] + "=="))
    assert header["alg"] == "RS256" and header["kid"] == provider_of(app).key.kid
    jwks = (await browser.get("/dev-idp/jwks")).json()
    claims = verify_id_token(
        body["id_token"],
        jwks=jwks,
        issuer=own(runtime, "/dev-idp"),
        client_id=client_id,
        nonce="n-0123456789",
    )
    assert claims["hetu"] == PEKKA_HETU and claims["birthdate"] == "1972-07-22"
    assert (claims["given_name"], claims["family_name"], claims["name"]) == ("Pekka", "Uusi", "Pekka Uusi")
    assert claims["sub"] != PEKKA_HETU and claims["aud"] == client_id and claims["exp"] > claims["iat"]

    replayed = await browser.post(
        "/dev-idp/token", data={**form, "code_verifier": verifier}, auth=(client_id, secret)
    )
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"

    # client_secret_post works too; both methods at once does not.
    verifier = secrets.token_urlsafe(48)
    code = await _code_for(browser, runtime, PEKKA_HETU, verifier)
    posted = {
        **form,
        "code": code,
        "code_verifier": verifier,
        "client_id": client_id,
        "client_secret": secret,
    }
    both = await browser.post("/dev-idp/token", data=posted, auth=(client_id, secret))
    assert both.status_code == 401
    assert (await browser.post("/dev-idp/token", data=posted)).status_code == 200


def test_birthdate_from_the_identity_code() -> None:
    assert birthdate_of(MAIJA_HETU) == "1985-05-15"
    assert birthdate_of("010101A902X") == "2001-01-01"


# -- ID token verification ----------------------------------------------------------------


@pytest.fixture
async def signing(app, browser, runtime) -> dict[str, Any]:
    provider = provider_of(app)
    jwks = (await browser.get("/dev-idp/jwks")).json()
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "sub": "subject-1",
        "aud": runtime.settings.oidc_client_id,
        "exp": now + 300,
        "iat": now,
        "nonce": "the-nonce",
        "hetu": PEKKA_HETU,
        "given_name": "Pekka",
        "family_name": "Uusi",
    }
    return {
        "provider": provider,
        "jwks": jwks,
        "claims": claims,
        "client_id": runtime.settings.oidc_client_id,
    }


def _verify(signing: dict[str, Any], token: str, nonce: str = "the-nonce") -> dict[str, Any]:
    return verify_id_token(
        token,
        jwks=signing["jwks"],
        issuer=signing["provider"].issuer,
        client_id=signing["client_id"],
        nonce=nonce,
    )


async def test_a_valid_id_token_is_accepted(signing) -> None:
    claims = _verify(signing, signing["provider"].sign(dict(signing["claims"])))
    identity = identity_from_claims(claims)
    assert identity.hetu == PEKKA_HETU and identity.name == "Pekka Uusi"


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "another-client"},
        {"aud": ["energy-portal", "another-client"]},
        {"iss": "https://impostor.example/dev-idp"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3900},
        {"iat": int(time.time()) + 3600, "exp": int(time.time()) + 3900},
        {"iat": int(time.time()) - 7200},
        {"nonce": "another-nonce"},
        {"nonce": None},
        {"sub": None},
        {"azp": "another-client"},
    ],
    ids=lambda c: ",".join(c),
)
async def test_id_tokens_with_wrong_claims_are_refused(signing, change) -> None:
    claims = {k: v for k, v in {**signing["claims"], **change}.items() if v is not None}
    with pytest.raises(StrongIdentificationError):
        _verify(signing, signing["provider"].sign(claims))


async def test_id_tokens_signed_by_another_key_or_algorithm_are_refused(signing) -> None:
    claims = signing["claims"]
    kid = signing["provider"].key.kid
    other = RSAKey.generate_key(2048)
    forged = jwt.encode({"alg": "RS256", "kid": kid}, dict(claims), other, algorithms=["RS256"])
    with pytest.raises(StrongIdentificationError):
        _verify(signing, forged)
    # HS256 with the provider's public key as the secret (algorithm confusion).
    public_n = signing["jwks"]["keys"][0]["n"].encode()
    hs = jwt.encode(
        {"alg": "HS256", "kid": kid}, dict(claims), OctKey.import_key(public_n), algorithms=["HS256"]
    )
    with pytest.raises(StrongIdentificationError):
        _verify(signing, hs)
    unsigned = (
        base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
        + "."
        + base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        + "."
    )
    with pytest.raises(StrongIdentificationError):
        _verify(signing, unsigned)
    # Tampered payload under a real signature.
    token = signing["provider"].sign(dict(claims))
    head, _, sig = token.split(".")
    payload = base64.urlsafe_b64encode(json.dumps({**claims, "hetu": MAIJA_HETU}).encode()).rstrip(b"=")
    with pytest.raises(StrongIdentificationError):
        _verify(signing, f"{head}.{payload.decode()}.{sig}")


async def test_an_id_token_without_a_valid_identity_code_gives_no_identity(signing) -> None:
    for hetu in (None, "150585-902X", 12345):
        claims = {k: v for k, v in {**signing["claims"], "hetu": hetu}.items() if v is not None}
        verified = _verify(signing, signing["provider"].sign(claims))
        with pytest.raises(StrongIdentificationError):
            identity_from_claims(verified)


# -- the flow ---------------------------------------------------------------------------


async def test_sign_in_with_bank_credentials(browser, runtime) -> None:
    await login(browser, "liisa")
    liisa_cookie = browser.cookies["ep_session"]
    response = await identify(browser, "login", MAIJA_HETU, return_to="/after-sign-in?tab=1")
    assert response.headers["location"] == own(runtime, "/after-sign-in?tab=1")
    cookie = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith("ep_session="))
    assert "HttpOnly" in session_cookie and "samesite=lax" in session_cookie.lower()
    assert (await gql(browser, VIEWER)).data["viewer"]["user"]["username"] == "maija"
    # The flow cookie is used up, and the session the browser had before is ended.
    assert any(c.startswith("ep_oidc_flow=null") for c in cookie)
    browser.cookies.set("ep_session", liisa_cookie)
    assert (await gql(browser, VIEWER)).data["viewer"] is None
    async with runtime.sessions() as db:
        maija = await db.scalar(select(User.id).where(User.username_key == "maija"))
        events = await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.actor_user_id == maija, AuditEvent.action == "sign_in.strong")
        )
    assert events >= 1


async def test_sign_in_for_an_identity_without_a_user_is_no_user(browser, runtime) -> None:
    response = await identify(browser, "login", ANNA_HETU)
    assert response.headers["location"] == own(runtime, "/?error=NO_USER")
    assert "ep_session" not in browser.cookies
    assert (await gql(browser, VIEWER)).data["viewer"] is None


async def test_registration_callback_outcomes_for_known_people(browser, runtime) -> None:
    maija = await identify(browser, "register", MAIJA_HETU)
    assert query_of(maija.headers["location"]) == {"error": "ALREADY_REGISTERED"}
    liisa = await identify(browser, "register", LIISA_HETU, return_to="/register#step-2")
    assert liisa.headers["location"] == own(runtime, "/register?error=ALREADY_REGISTERED#step-2")
    cafe = await identify(browser, "register", KAHVILA_REPRESENTATIVE_HETU, business_id="2345678-0")
    assert query_of(cafe.headers["location"]) == {"error": "ALREADY_REGISTERED"}
    anna = await identify(browser, "register", ANNA_HETU)
    assert query_of(anna.headers["location"]) == {"error": "NO_CUSTOMERSHIP"}


@pytest.mark.parametrize(
    "return_to",
    [
        "https://evil.example/after",
        "//evil.example/after",
        "/\\evil.example",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
        "http://user:pw@testserver/",
        "ftp://testserver/",
        "https://testserver/",  # another scheme is another origin
        "http://testserver:8443/",
    ],
)
async def test_a_return_to_off_the_allowed_origins_is_a_400(browser, runtime, return_to) -> None:
    return_to = return_to.replace("testserver", urlsplit(runtime.settings.public_origin).netloc)
    response = await start(browser, "login", return_to=return_to)
    assert response.status_code == 400
    assert "location" not in response.headers and "set-cookie" not in response.headers


async def test_client_origins_are_allowed_return_targets(runtime) -> None:
    settings = runtime.settings.model_copy(update={"client_origins": ["https://app.example.fi"]})
    assert checked_return_to("https://app.example.fi/done?x=1", settings) == "https://app.example.fi/done?x=1"
    assert checked_return_to("https://APP.example.fi:443/done", settings) == "https://APP.example.fi:443/done"
    assert checked_return_to("https://app.example.fi.evil.example/", settings) is None
    assert checked_return_to("http://app.example.fi/", settings) is None
    assert checked_return_to(None, settings) == settings.public_origin.rstrip("/") + "/"
    app = wired_app(replace(runtime, settings=settings))
    async with browser_for(app, runtime) as browser:
        response = await identify(browser, "login", ANNA_HETU, return_to="https://app.example.fi/done")
        assert response.headers["location"] == "https://app.example.fi/done?error=NO_USER"


async def test_bad_start_parameters_are_400(browser) -> None:
    assert (await browser.get("/auth/strong/start")).status_code == 400
    assert (await start(browser, "sign-up")).status_code == 400
    assert (await start(browser, "login", business_id="2345678-0")).status_code == 400
    assert (await start(browser, "register", business_id="2345678-1")).status_code == 400


async def test_a_wrong_state_is_refused_and_the_real_one_still_works(browser, runtime) -> None:
    started = await start(browser, "login", return_to="/back")
    callback = await pick_identity(browser, started.headers["location"], MAIJA_HETU)
    params = query_of(callback)
    forged = own(runtime, "/auth/strong/callback?") + urlencode({**params, "state": "not-the-state"})
    refused = await browser.get(forged)
    assert refused.headers["location"] == own(runtime, "/?error=IDENTIFICATION_FAILED")
    assert "ep_session" not in browser.cookies
    accepted = await browser.get(callback)
    assert accepted.headers["location"] == own(runtime, "/back")
    assert (await gql(browser, VIEWER)).data["viewer"]["user"]["username"] == "maija"


async def test_a_callback_in_another_browser_is_refused(app, browser, runtime) -> None:
    """Login CSRF: a code and state from someone else's flow, without its flow cookie."""
    started = await start(browser, "login")
    callback = await pick_identity(browser, started.headers["location"], MAIJA_HETU)
    async with browser_for(app, runtime) as victim:
        response = await victim.get(callback)
        assert response.headers["location"] == own(runtime, "/?error=IDENTIFICATION_FAILED")
        assert "ep_session" not in victim.cookies


async def test_a_replayed_code_is_refused(browser, runtime) -> None:
    started = await start(browser, "login", return_to="/back")
    flow_cookie = browser.cookies["ep_oidc_flow"]
    callback = await pick_identity(browser, started.headers["location"], MAIJA_HETU)
    assert (await browser.get(callback)).headers["location"] == own(runtime, "/back")
    # Replaying the callback: the state is used up...
    again = await browser.get(callback)
    assert again.headers["location"] == own(runtime, "/?error=IDENTIFICATION_FAILED")
    # ...and even with the old flow cookie put back, the provider refuses the used code.
    browser.cookies.delete("ep_session")
    replayed = await browser.get(callback, headers={"cookie": f"ep_oidc_flow={flow_cookie}"})
    assert replayed.headers["location"] == own(runtime, "/back?error=IDENTIFICATION_FAILED")
    assert "ep_session" not in browser.cookies


async def test_a_cancelled_identification_is_identification_failed(browser, runtime) -> None:
    started = await start(browser, "login", return_to="/back")
    cancelled = await browser.get(started.headers["location"] + "&cancel=1")
    assert query_of(cancelled.headers["location"])["error"] == "access_denied"
    response = await browser.get(cancelled.headers["location"])
    assert response.headers["location"] == own(runtime, "/back?error=IDENTIFICATION_FAILED")


async def test_an_unreachable_provider_is_identification_failed(runtime) -> None:
    settings = runtime.settings.model_copy(update={"oidc_issuer_url": "http://127.0.0.1:9/nowhere"})
    app = build_app(replace(runtime, settings=settings))
    async with browser_for(app, runtime) as browser:
        response = await start(browser, "login", return_to="/back")
        assert response.headers["location"] == own(runtime, "/back?error=IDENTIFICATION_FAILED")


async def test_production_has_no_development_provider(runtime) -> None:
    settings = runtime.settings.model_copy(update={"mode": Mode.PRODUCTION})
    production = replace(runtime, settings=settings, schema=build_schema(production=True))
    async with browser_for(build_app(production), runtime) as browser:
        for path in ("/dev-idp/.well-known/openid-configuration", "/dev-idp/jwks", "/dev-idp/authorize"):
            assert (await browser.get(path)).status_code == 404
        assert (await browser.post("/dev-idp/token")).status_code == 404
        # Without a configured provider, strong identification is unavailable (not the dev one).
        response = await start(browser, "login")
        assert response.status_code == 503 and "location" not in response.headers
    configured = settings.model_copy(
        update={"oidc_issuer_url": "https://broker.example/oidc", "oidc_client_secret": SecretStr("s" * 32)}
    )
    app = build_app(replace(production, settings=configured))
    async with browser_for(app, runtime) as browser:
        assert (await browser.get("/dev-idp/jwks")).status_code == 404


async def test_the_flow_cookie_is_secure_outside_development(runtime) -> None:
    settings = runtime.settings.model_copy(
        update={
            "mode": Mode.PRODUCTION,
            "oidc_issuer_url": runtime.settings.public_origin + "/dev-idp",
            "oidc_client_secret": SecretStr(dev_client_secret(runtime.settings)),
        }
    )
    production = replace(runtime, settings=settings, schema=build_schema(production=True))
    app = build_app(production)
    # The development provider of a development app stands in for the broker here.
    strong = strong_identification_client(app)
    assert strong is not None
    strong.use_transport(httpx.ASGITransport(app=wired_app(runtime)))
    async with browser_for(app, runtime) as browser:
        response = await start(browser, "login")
    assert response.status_code == 302, response.text
    assert "secure" in response.headers["set-cookie"].lower()
