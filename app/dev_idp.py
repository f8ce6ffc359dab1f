"""The development identity provider under ``/dev-idp/`` (development mode only).

A small but real OpenID Connect provider holding the test identities of SPEC 11
(``fixtures.identities.DEMO_IDENTITIES``), so that strong identification can be tried and
tested end to end without the Finnish Trust Network broker:

- ``GET /dev-idp/.well-known/openid-configuration``: the discovery document;
- ``GET /dev-idp/jwks``: the public signing key;
- ``GET /dev-idp/authorize``: authorization code flow; ``client_id`` and
  ``redirect_uri`` must be the registered ones (otherwise a 400 page, never a
  redirect), ``response_type=code``, ``scope`` with ``openid`` and PKCE with
  ``code_challenge_method=S256`` are required. ``login_hint=<hetu>`` of a test identity
  picks it at once; otherwise a page lists the identities to pick from;
- ``POST /dev-idp/token``: client authentication (``client_secret_basic`` or
  ``client_secret_post``), the code (signed, two minutes, single-use), the same
  ``redirect_uri`` and the PKCE verifier (S256) are checked; the answer carries an
  RS256-signed ID token with ``sub``, ``name``, ``given_name``, ``family_name``,
  ``birthdate``, ``hetu``, ``nonce``, ``iss``, ``aud``, ``exp``, ``iat``, ``auth_time``
  and ``at_hash``.

The RSA key is generated once into the data directory (``dev-idp-key.json``). Codes are
self-contained (signed with a key derived from the server key), so that any server
process can redeem them; single use is enforced through the shared rate limiter (a code
may be counted once), which lives in the database or Redis. The registered client is
``settings.oidc_client_id`` with ``settings.oidc_client_secret`` or, when none is set, a
secret derived from the server key (``dev_client_secret``), which the server's own client
uses too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send
from stdnum.fi import hetu as hetu_codes

from app.settings import Settings
from auth.ratelimit import RateLimiter
from auth.strong import FLOW_PATH
from fixtures.identities import DEMO_IDENTITIES

DEV_IDP_PATH = "/dev-idp"
MOUNT_NAME = "dev-idp"
KEY_FILE = "dev-idp-key.json"
CODE_SECONDS = 120
ID_TOKEN_SECONDS = 300
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
_CENTURIES = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}
_CENTURIES.update(dict.fromkeys("ABCDEF", 2000))


def dev_issuer(settings: Settings) -> str:
    """The development provider's issuer URL: ``<public origin>/dev-idp``."""
    return settings.public_origin.rstrip("/") + DEV_IDP_PATH


def dev_client_secret(settings: Settings) -> str:
    """The client secret: the configured one, or one derived from the server key."""
    if settings.oidc_client_secret is not None and settings.oidc_client_secret.get_secret_value():
        return settings.oidc_client_secret.get_secret_value()
    label = b"energy-portal/dev-idp/client"
    return hmac.new(settings.signing_key().encode(), label, hashlib.sha256).hexdigest()


def callback_uri(settings: Settings) -> str:
    """The server's redirect URI for strong identification."""
    return settings.public_origin.rstrip("/") + FLOW_PATH + "/callback"


def birthdate_of(hetu: str) -> str:
    """The ISO birth date in a personal identity code (``150585-902R`` -> ``1985-05-15``)."""
    code = hetu_codes.compact(hetu)
    return f"{_CENTURIES[code[6]] + int(code[4:6]):04d}-{code[2:4]}-{code[0:2]}"


@dataclass(frozen=True)
class TestIdentity:
    """A person the development provider can identify."""

    hetu: str
    given_name: str
    family_name: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def load_or_create_key(data_dir: Path) -> RSAKey:
    """The provider's RSA key, generated once into ``data_dir`` (readable by the owner only)."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = RSAKey.generate_key(2048, private=True)
        fresh = key.as_dict(private=True)
        fresh["kid"] = key.thumbprint()
        temporary = data_dir / f".{KEY_FILE}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(fresh, handle)
        try:
            os.link(temporary, path)  # fails if another process was first: use its key
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    data = json.loads(path.read_text())
    key = RSAKey.import_key(data)
    if not key.kid:
        key = RSAKey.import_key({**data, "kid": key.thumbprint()})
    return key


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def _with_params(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


class DevIdentityProvider:
    """The provider as an ASGI app (mounted at ``/dev-idp``)."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        key: RSAKey,
        code_secret: str,
        limiter: RateLimiter,
        identities: list[TestIdentity],
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.key = key
        self.limiter = limiter
        self.identities = {i.hetu: i for i in identities}
        self._codes = URLSafeTimedSerializer(code_secret, salt="energy-portal/dev-idp/code")
        self._router = Router(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery, methods=["GET"]),
                Route("/jwks", self.jwks, methods=["GET"]),
                Route("/authorize", self.authorize, methods=["GET"]),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    @classmethod
    def from_settings(cls, settings: Settings, limiter: RateLimiter) -> DevIdentityProvider:
        """The provider of a development server, with the demo test identities."""
        return cls(
            issuer=dev_issuer(settings),
            client_id=settings.oidc_client_id,
            client_secret=dev_client_secret(settings),
            redirect_uris=[callback_uri(settings)],
            key=load_or_create_key(settings.data_dir),
            code_secret=hmac.new(
                settings.signing_key().encode(), b"energy-portal/dev-idp/codes", hashlib.sha256
            ).hexdigest(),
            limiter=limiter,
            identities=[
                TestIdentity(i.personal_identity_code, i.given_name, i.family_name) for i in DEMO_IDENTITIES
            ],
        )

    def add_identity(self, identity: TestIdentity) -> None:
        """Hold one more test identity (valid test codes only)."""
        if not hetu_codes.is_valid(identity.hetu, allow_temporary=True):
            raise ValueError(f"not a valid personal identity code: {identity.hetu}")
        self.identities[identity.hetu] = identity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._router(scope, receive, send)

    # -- discovery -----------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile"],
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "name",
                "given_name",
                "family_name",
                "birthdate",
                "hetu",
            ],
            "authorization_response_iss_parameter_supported": True,
        }

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(self.metadata())

    async def jwks(self, request: Request) -> Response:
        public = self.key.as_dict(private=False)
        public.update({"kid": self.key.kid, "use": "sig", "alg": "RS256"})
        return JSONResponse({"keys": [public]})

    # -- authorization -------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        params = request.query_params
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if not hmac.compare_digest(client_id.encode(), self.client_id.encode()):
            return self._error_page("Unknown client_id.")
        if redirect_uri not in self.redirect_uris:
            return self._error_page("The redirect_uri is not registered for this client.")
        state = params.get("state")

        def refuse(error: str, description: str) -> Response:
            answer = {"error": error, "error_description": description, "iss": self.issuer}
            if state is not None:
                answer["state"] = state
            return RedirectResponse(_with_params(redirect_uri, answer), 302, headers=_NO_STORE)

        if params.get("response_type") != "code":
            return refuse("unsupported_response_type", "Only the authorization code flow is supported.")
        if "openid" not in params.get("scope", "").split():
            return refuse("invalid_scope", "The scope must include openid.")
        challenge = params.get("code_challenge", "")
        if params.get("code_challenge_method") != "S256" or not re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge):
            return refuse("invalid_request", "PKCE with code_challenge_method=S256 is required.")
        nonce = params.get("nonce")
        if nonce is not None and len(nonce) > 256:
            return refuse("invalid_request", "The nonce is too long.")
        if params.get("cancel") == "1":
            return refuse("access_denied", "The user cancelled the identification.")
        hint = hetu_codes.compact(params.get("login_hint", ""))[:11]
        identity = self.identities.get(hint)
        if identity is None:
            return self._pick_page(request)
        code = self._codes.dumps(
            {
                "hetu": identity.hetu,
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "nonce": nonce,
                "challenge": challenge,
                "auth_time": int(time.time()),
                "jti": secrets.token_urlsafe(16),
            }
        )
        answer = {"code": code, "iss": self.issuer}
        if state is not None:
            answer["state"] = state
        return RedirectResponse(_with_params(redirect_uri, answer), 302, headers=_NO_STORE)

    def _pick_page(self, request: Request) -> Response:
        base = [(k, v) for k, v in request.query_params.multi_items() if k not in {"login_hint", "cancel"}]
        rows = []
        for identity in self.identities.values():
            href = f"{self.issuer}/authorize?" + urlencode([*base, ("login_hint", identity.hetu)])
            rows.append(
                f'<li><a href="{html.escape(href)}">{html.escape(identity.name)}</a>'
                f" <code>{html.escape(identity.hetu)}</code></li>"
            )
        cancel = f"{self.issuer}/authorize?" + urlencode([*base, ("cancel", "1")])
        page = (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<title>Development identity provider</title></head><body>"
            "<h1>Development identity provider</h1>"
            "<p>Test identities only (development mode). Pick the person to identify as:</p>"
            f"<ul>{''.join(rows)}</ul>"
            f'<p><a href="{html.escape(cancel)}">Cancel</a></p></body></html>'
        )
        return HTMLResponse(page, headers=_NO_STORE)

    def _error_page(self, message: str) -> Response:
        page = (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Identification error</title>"
            f"</head><body><h1>Identification error</h1><p>{html.escape(message)}</p></body></html>"
        )
        return HTMLResponse(page, status_code=400, headers=_NO_STORE)

    # -- token ---------------------------------------------------------------------------

    def _client_authenticated(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        basic = header[6:].strip() if header[:6].lower() == "basic " else None
        posted_secret = form.get("client_secret")
        if basic is not None and posted_secret is not None:
            return False  # one method at a time (RFC 6749 2.3)
        if basic is not None:
            try:
                client_id, _, secret = base64.b64decode(basic, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            candidates = {(client_id, secret), (unquote(client_id), unquote(secret))}
        elif posted_secret is not None:
            candidates = {(form.get("client_id", ""), posted_secret)}
        else:
            return False
        expected = (self.client_id.encode(), self.client_secret.encode())
        return any(
            hmac.compare_digest(cid.encode(), expected[0]) & hmac.compare_digest(sec.encode(), expected[1])
            for cid, sec in candidates
        )

    async def token(self, request: Request) -> Response:
        def error(code: str, description: str, status: int = 400) -> Response:
            headers = dict(_NO_STORE)
            if code == "invalid_client":
                headers["www-authenticate"] = 'Basic realm="dev-idp"'
            return JSONResponse({"error": code, "error_description": description}, status, headers=headers)

        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return error("invalid_request", "Send the parameters form-encoded.")
        try:
            pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return error("invalid_request", "The body is not UTF-8.")
        form = dict(pairs)
        if len(form) != len(pairs):
            return error("invalid_request", "A parameter was given more than once.")
        if not self._client_authenticated(request, form):
            return error("invalid_client", "Client authentication failed.", 401)
        if form.get("grant_type") != "authorization_code":
            return error("unsupported_grant_type", "Only authorization_code is supported.")
        try:
            code = self._codes.loads(form.get("code", ""), max_age=CODE_SECONDS)
        except BadSignature:
            return error("invalid_grant", "The code is not valid or has expired.")
        if code.get("client_id") != self.client_id or code.get("redirect_uri") != form.get("redirect_uri"):
            return error("invalid_grant", "The code was issued to another client or redirect URI.")
        verifier = form.get("code_verifier", "")
        if not _VERIFIER.fullmatch(verifier) or not hmac.compare_digest(_s256(verifier), code["challenge"]):
            return error("invalid_grant", "The PKCE code verifier does not match.")
        used = await self.limiter.hit(f"dev-idp:code:{code['jti']}", limit=1, window_seconds=CODE_SECONDS * 2)
        if not used.allowed:
            return error("invalid_grant", "The code has already been used.")
        identity = self.identities.get(code["hetu"])
        if identity is None:
            return error("invalid_grant", "Unknown identity.")
        access_token = secrets.token_urlsafe(32)
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": self.subject_of(identity.hetu),
            "aud": self.client_id,
            "exp": now + ID_TOKEN_SECONDS,
            "iat": now,
            "auth_time": code["auth_time"],
            "name": identity.name,
            "given_name": identity.given_name,
            "family_name": identity.family_name,
            "birthdate": birthdate_of(identity.hetu),
            "hetu": identity.hetu,
            "at_hash": _at_hash(access_token),
        }
        if code.get("nonce"):
            claims["nonce"] = code["nonce"]
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": ID_TOKEN_SECONDS,
                "scope": "openid profile",
                "id_token": self.sign(claims),
            },
            headers=_NO_STORE,
        )

    def subject_of(self, hetu: str) -> str:
        """A stable pairwise-looking subject for a person (not the identity code itself)."""
        return hashlib.sha256(f"{self.issuer}|{hetu}".encode()).hexdigest()[:32]

    def sign(self, claims: dict[str, Any]) -> str:
        """An RS256 JWT with this provider's key (the ID tokens)."""
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key, algorithms=["RS256"])


def dev_idp_routes(settings: Settings, limiter: RateLimiter) -> list[BaseRoute]:
    """The provider's mount in development; nothing in production (so ``/dev-idp`` is a 404)."""
    if settings.is_production:
        return []
    return [Mount(DEV_IDP_PATH, app=DevIdentityProvider.from_settings(settings, limiter), name=MOUNT_NAME)]


def mounted_app(app: Any, name: str) -> Any:
    """The app mounted under ``name`` in the application ``build_app`` returned (or ``None``)."""
    inner = app
    while not hasattr(inner, "router") and hasattr(inner, "app"):
        inner = inner.app  # through pure ASGI middleware such as the Guard
    for route in getattr(getattr(inner, "router", None), "routes", []):
        if isinstance(route, Mount) and route.name == name:
            return route.app
    return None


def dev_identity_provider(app: Any) -> DevIdentityProvider | None:
    """The development provider of an application, if it has one."""
    provider = mounted_app(app, MOUNT_NAME)
    return provider if isinstance(provider, DevIdentityProvider) else None
