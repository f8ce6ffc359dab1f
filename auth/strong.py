"""Strong identification (bank credentials, mobile certificate) over OpenID Connect.

The relying-party side of the authorization code flow, built on authlib's Starlette
client (``authlib.integrations.starlette_client.OAuth``):

- the provider is found through its discovery document (``<issuer>/.well-known/
  openid-configuration``), whose ``issuer`` must equal the configured issuer URL;
- every authorization request carries a fresh ``state``, ``nonce`` and PKCE
  ``code_verifier`` (S256 only: a provider that advertises PKCE methods without S256
  is refused, and authlib never sends ``plain`` when asked for S256);
- the flow data (state, nonce, verifier, redirect URI and our own purpose / returnTo /
  business ID) is kept by authlib in ``request.session``: the application puts
  Starlette's ``SessionMiddleware`` in front of the two strong-identification routes
  only, so it lives in a separate short-lived, signed, HttpOnly, SameSite=Lax cookie
  (Secure outside development) scoped to ``/auth/strong``; it is single-use (cleared
  at the callback) and authlib keeps one flow at a time;
- the ID token is checked twice: by authlib (with strict claims options) and then
  explicitly here (``verify_id_token``): signature against the provider's JWKS with an
  allow-list of asymmetric algorithms, ``iss``, ``aud`` (and ``azp``), ``exp``,
  ``iat`` (not in the future, not older than ``max_age``), ``sub`` and ``nonce``.
  joserfc's ``jwt.decode`` checks the signature only, so the claims are validated with
  an explicit ``JWTClaimsRegistry``.

The HTTP client that fetches the discovery document, the JWKS and the token is
authlib's httpx client; ``transport`` (an ``httpx`` transport) can be injected, which
the tests use to reach the in-process development identity provider. Without one the
normal network client is used.

This module knows nothing of GraphQL; it imports starlette only through authlib.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import authlib.deprecate  # noqa: F401 (its import turns its warnings on: before ours)
import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from stdnum.fi import hetu as hetu_codes

with warnings.catch_warnings():
    # authlib 1.9 prefers the httpx2 package and warns, on every start, when it falls back to
    # httpx. The fallback works, and this module gives the client an httpx transport (tests
    # reach the development provider in process), so httpx stays, without the warning.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.starlette_client import OAuth, OAuthError

#: Signature algorithms accepted on ID tokens (never ``none`` or a symmetric one).
ID_TOKEN_ALGORITHMS: tuple[str, ...] = ("RS256", "PS256", "ES256")
#: Clock skew allowed when checking ``exp`` / ``iat`` / ``nbf``.
DEFAULT_LEEWAY_SECONDS = 30
#: An ID token issued longer ago than this is refused (it should be fresh from the exchange).
ID_TOKEN_MAX_AGE_SECONDS = 600
#: How long a started identification may take (the flow cookie's lifetime).
FLOW_SECONDS = 600
#: The claim that carries the Finnish personal identity code.
HETU_CLAIM = "hetu"
#: Name of the flow-state cookie (distinct from the web session cookie).
FLOW_COOKIE = "ep_oidc_flow"
#: Path of the strong-identification routes (the flow cookie is sent there only).
FLOW_PATH = "/auth/strong"

PURPOSES = ("register", "login", "invitation", "add-organisation")
_MAX_NAME = 200


class StrongIdentificationError(Exception):
    """The identification could not be completed or verified (IDENTIFICATION_FAILED)."""


@dataclass(frozen=True)
class StrongIdentity:
    """A verified person, from the provider's ID token."""

    hetu: str
    given_name: str
    family_name: str
    name: str
    birthdate: str | None
    subject: str
    issuer: str


@dataclass(frozen=True)
class FlowData:
    """What the start of the flow asked for, read back at the callback."""

    purpose: str
    return_to: str
    business_id: str | None
    nonce: str
    #: With ``purpose=invitation``: the hash of the invitation token (never the token).
    invitation: str | None = None


def verify_id_token(
    id_token: str,
    *,
    jwks: dict[str, Any],
    issuer: str,
    client_id: str,
    nonce: str,
    now: int | None = None,
    leeway: int = DEFAULT_LEEWAY_SECONDS,
    max_age: int = ID_TOKEN_MAX_AGE_SECONDS,
    algorithms: tuple[str, ...] = ID_TOKEN_ALGORITHMS,
) -> dict[str, Any]:
    """The claims of ``id_token`` after checking its signature and every claim we rely on.

    Raises ``StrongIdentificationError`` for anything wrong: bad signature or unknown
    key, an algorithm outside ``algorithms``, another issuer or audience, expired, issued
    in the future or too long ago, a missing subject, or a nonce other than ``nonce``.
    """
    if not nonce:
        raise StrongIdentificationError("no nonce to compare the ID token with")
    try:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, key_set, algorithms=list(algorithms))
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise StrongIdentificationError(f"ID token signature not valid: {error}") from None
    if token.header.get("alg") not in algorithms:
        raise StrongIdentificationError("ID token signed with an algorithm that is not allowed")
    claims = token.claims
    current = int(time.time()) if now is None else now
    registry = JWTClaimsRegistry(
        now=current,
        leeway=leeway,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        raise StrongIdentificationError(f"ID token claims not valid: {error}") from None
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise StrongIdentificationError("ID token for several audiences without us as authorized party")
    if "azp" in claims and claims["azp"] != client_id:
        raise StrongIdentificationError("ID token authorized for another party")
    if claims["iat"] < current - max_age - leeway:
        raise StrongIdentificationError("ID token issued too long ago")
    return claims


def _text_claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name, "")
    if not isinstance(value, str) or len(value) > _MAX_NAME:
        raise StrongIdentificationError(f"claim {name!r} is not a short string")
    return value.strip()


def identity_from_claims(claims: dict[str, Any]) -> StrongIdentity:
    """The person the verified ``claims`` describe; the ``hetu`` claim must be a valid code."""
    code = claims.get(HETU_CLAIM)
    if not isinstance(code, str) or not hetu_codes.is_valid(code, allow_temporary=True):
        raise StrongIdentificationError("the ID token carries no valid personal identity code")
    given_name = _text_claim(claims, "given_name")
    family_name = _text_claim(claims, "family_name")
    name = _text_claim(claims, "name") or f"{given_name} {family_name}".strip()
    birthdate = claims.get("birthdate")
    return StrongIdentity(
        hetu=hetu_codes.compact(code),
        given_name=given_name,
        family_name=family_name,
        name=name,
        birthdate=birthdate if isinstance(birthdate, str) else None,
        subject=str(claims["sub"]),
        issuer=str(claims["iss"]),
    )


class OpenIDClient:
    """The server's OpenID Connect client at the strong-identification provider."""

    name = "strong"

    def __init__(
        self,
        *,
        issuer_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        leeway: int = DEFAULT_LEEWAY_SECONDS,
    ) -> None:
        self.issuer = issuer_url.rstrip("/")
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.leeway = leeway
        client_kwargs: dict[str, Any] = {
            "scope": "openid profile",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "timeout": timeout,
        }
        if transport is not None:
            client_kwargs["transport"] = transport
        self._oauth = OAuth()
        self._app: Any = self._oauth.register(
            self.name,
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            client_kwargs=client_kwargs,
        )

    def use_transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Send the requests to the provider through ``transport`` (``None``: the network)."""
        if transport is None:
            self._app.client_kwargs.pop("transport", None)
        else:
            self._app.client_kwargs["transport"] = transport

    async def provider_metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once), checked for what we rely on."""
        try:
            metadata: dict[str, Any] = await self._app.load_server_metadata()
        except (httpx.HTTPError, ValueError) as error:
            raise StrongIdentificationError(f"discovery document not available: {error}") from None
        if metadata.get("issuer") != self.issuer:
            raise StrongIdentificationError("the discovery document names another issuer")
        methods = metadata.get("code_challenge_methods_supported")
        if methods is not None and "S256" not in methods:
            raise StrongIdentificationError("the provider does not support PKCE with S256")
        advertised = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        allowed = [alg for alg in advertised if alg in ID_TOKEN_ALGORITHMS]
        if not allowed:
            raise StrongIdentificationError("the provider signs ID tokens with no algorithm we accept")
        # authlib's own ID-token check reads this list: keep it to the allowed ones.
        metadata["id_token_signing_alg_values_supported"] = allowed
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(endpoint), str):
                raise StrongIdentificationError(f"the discovery document has no {endpoint}")
        return metadata

    async def authorization_url(
        self,
        request: Any,
        *,
        purpose: str,
        return_to: str,
        business_id: str | None,
        invitation: str | None = None,
    ) -> str:
        """Start a flow: the provider URL to redirect to; the flow data goes to the session."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        await self.provider_metadata()
        created: dict[str, Any] = await self._app.create_authorization_url(self.redirect_uri)
        url = str(created.pop("url"))
        if not created.get("code_verifier") or not created.get("nonce"):
            raise StrongIdentificationError("the authorization request lacks PKCE or a nonce")
        await self._app.save_authorize_data(
            request,
            redirect_uri=self.redirect_uri,
            purpose=purpose,
            return_to=return_to,
            business_id=business_id,
            invitation=invitation,
            **created,
        )
        return url

    async def flow_data(self, request: Any) -> FlowData | None:
        """The flow started in this browser for the callback's ``state``; ``None`` if none."""
        state = request.query_params.get("state")
        if not state or len(state) > 256:
            return None
        data = await self._app.framework.get_state_data(request.session, state)
        if not isinstance(data, dict):
            return None
        try:
            return FlowData(
                purpose=str(data["purpose"]),
                return_to=str(data["return_to"]),
                business_id=data.get("business_id"),
                nonce=str(data["nonce"]),
                invitation=data.get("invitation"),
            )
        except KeyError:
            return None

    async def finish(self, request: Any, flow: FlowData) -> StrongIdentity:
        """Complete the flow at the callback: exchange the code (with the PKCE verifier and
        client authentication) and verify the ID token. The flow data is used up either way.
        """
        state = request.query_params.get("state")
        try:
            await self.provider_metadata()
            token = await self._app.authorize_access_token(
                request,
                claims_options={
                    "iss": {"essential": True, "value": self.issuer},
                    "aud": {"essential": True, "value": self.client_id},
                    "sub": {"essential": True},
                    "exp": {"essential": True},
                    "iat": {"essential": True},
                },
                leeway=self.leeway,
            )
            id_token = token.get("id_token")
            if not isinstance(id_token, str):
                raise StrongIdentificationError("the token response has no ID token")
            jwks = await self._app.fetch_jwk_set()
        except (OAuthError, JoseError, httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            raise StrongIdentificationError(f"code exchange failed: {error!r}") from None
        finally:
            await self._app.framework.clear_state_data(request.session, state)
        claims = verify_id_token(
            id_token,
            jwks=jwks,
            issuer=self.issuer,
            client_id=self.client_id,
            nonce=flow.nonce,
            leeway=self.leeway,
        )
        return identity_from_claims(claims)
