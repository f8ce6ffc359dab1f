"""``GET /auth/strong/start`` and ``GET /auth/strong/callback``: strong identification.

``start?purpose=register|login|invitation[&businessId=Y-TUNNUS][&invitationToken=T][&returnTo=URL]``
checks its parameters (``returnTo`` must be on the server's own origin or one of
``settings.client_origins``; a path such as ``/welcome`` means the server's own origin;
anything else is a 400, never a redirect) and redirects to the identity provider.

``callback?code=...&state=...`` finishes the flow (``auth.strong``) and redirects to
``returnTo``:

- ``purpose=login``: the user linked to the identity gets a new web session cookie
  (any session the browser had is ended first); no such user: ``error=NO_USER``;
- ``purpose=register``: a person who already has a user gets
  ``error=ALREADY_REGISTERED``; one who matches no customer (by personal identity code,
  or with ``businessId`` as a representative of that organisation) gets
  ``error=NO_CUSTOMERSHIP`` and nothing is created; otherwise
  ``registrationToken=...`` (``auth.registration``) for ``completeRegistration``;
- ``purpose=invitation&invitationToken=…`` (the token of an invitation link): a person who
  already has a user gets ``error=ALREADY_REGISTERED`` (they sign in and accept it); an
  invitation that is used, replaced, revoked or expired gives ``error=INVALID_INVITATION``;
  otherwise ``registrationToken=...`` without any customership check: the invitation
  stands in for it, and ``completeRegistration`` binds its grant;
- ``purpose=add-organisation&businessId=…``: the signed-in user (web session cookie;
  none: ``error=NOT_SIGNED_IN``), identified as the person their user is linked to
  (anyone else: ``error=IDENTITY_MISMATCH``), becomes an owner of the organisation when
  its register entry names them as a representative (``customerId=…``, the global ID;
  otherwise ``error=NOT_REPRESENTATIVE``); audited either way;
- any failure of the identification itself (unknown or replayed state, an error from
  the provider, a refused code, an ID token that does not verify):
  ``error=IDENTIFICATION_FAILED``. Without a known flow there is no trusted ``returnTo``,
  so that case goes to the server's own origin.

Where the flow state lives: authlib's Starlette client keeps state, nonce, PKCE verifier
and our purpose / returnTo / business ID in ``request.session``. Starlette's
``SessionMiddleware`` wraps these two routes only, with its own cookie
(``ep_oidc_flow``: signed with a key derived from the server key, HttpOnly,
SameSite=Lax so that it comes back on the provider's top-level redirect, Secure outside
development, Path=/auth/strong, ten minutes). The cookie is signed, not encrypted: it
holds nothing about the person, only random values of this browser's own flow.

The provider is ``settings.oidc_issuer_url`` (in development by default the embedded
provider at ``<public origin>/dev-idp``); in production without an issuer or a client
secret the routes answer 503.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from app.dev_idp import callback_uri, dev_client_secret, dev_issuer, mounted_app
from app.runtime import Runtime
from app.settings import Settings
from auth.hashing import token_hash
from auth.registration import issue_registration_token
from auth.sessions import create_session, end_session, principal_from_session, session_cookie
from auth.strong import (
    FLOW_COOKIE,
    FLOW_PATH,
    FLOW_SECONDS,
    PURPOSES,
    OpenIDClient,
    StrongIdentificationError,
    StrongIdentity,
)
from domain.audit import record_event
from domain.customers import CustomerKind, CustomerOwner
from domain.languages import settle_language
from domain.registration import customers_for_registration, normalise_business_id, user_with_strong_identity
from domain.session import transaction
from domain.users import User
from resolvers.context import requested_language
from resolvers.ids import to_global_id
from resolvers.invitations import open_invitation_id

log = logging.getLogger("energy_portal.strong")

MOUNT_NAME = "strong-identification"
NO_CUSTOMERSHIP = "NO_CUSTOMERSHIP"
ALREADY_REGISTERED = "ALREADY_REGISTERED"
INVALID_INVITATION = "INVALID_INVITATION"
NOT_SIGNED_IN = "NOT_SIGNED_IN"
NOT_REPRESENTATIVE = "NOT_REPRESENTATIVE"
IDENTITY_MISMATCH = "IDENTITY_MISMATCH"
#: Audit actions of adding an organisation to one's user.
ADD_ORGANISATION_ACTION = "customer_owner.added"
ADD_ORGANISATION_FAILED_ACTION = "customer_owner.add_failed"
#: Longest invitation token accepted at the start (they are 43 characters).
MAX_INVITATION_TOKEN = 200
NO_USER = "NO_USER"
IDENTIFICATION_FAILED = "IDENTIFICATION_FAILED"
#: Audit actions of signing in with strong identification.
SIGN_IN_ACTION = "sign_in.strong"
SIGN_IN_FAILED_ACTION = "sign_in_failed.strong"
_MAX_RETURN_TO = 2048
_NO_STORE = {"cache-control": "no-store"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _bad_request(message: str, status: int = 400) -> Response:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}, status, headers=_NO_STORE
    )


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased, default port dropped."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + ("" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}")


def allowed_origins(settings: Settings) -> set[str]:
    """Origins ``returnTo`` may point at: the server's own and the configured client origins."""
    origins = {origin_of(settings.public_origin), *(origin_of(o) for o in settings.client_origins)}
    return {o for o in origins if o}


def checked_return_to(value: str | None, settings: Settings) -> str | None:
    """``value`` when it is a safe place to send the browser back to, else ``None``.

    Absent: the server's own origin. A path (``/x``, not ``//x``) is on the server's own
    origin. An absolute URL must be http(s) on an allowed origin, without credentials.
    Backslashes and control characters are refused outright (browsers read ``/\\`` as
    ``//``).
    """
    own = settings.public_origin.rstrip("/")
    if value is None or value == "":
        return own + "/"
    if len(value) > _MAX_RETURN_TO or "\\" in value or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return None
    if value.startswith("/"):
        return None if value.startswith("//") else own + value
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    origin = origin_of(value)
    return value if origin is not None and origin in allowed_origins(settings) else None


def with_params(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to its query (its fragment kept)."""
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def openid_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> OpenIDClient | None:
    """The configured client; in development the embedded provider by default. ``None`` when
    production has no provider or no client secret configured."""
    issuer = settings.oidc_issuer_url
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    if not settings.is_production:
        issuer = issuer or dev_issuer(settings)
        secret = secret or dev_client_secret(settings)
    if not issuer or not secret:
        return None
    return OpenIDClient(
        issuer_url=issuer,
        client_id=settings.oidc_client_id,
        client_secret=secret,
        redirect_uri=callback_uri(settings),
        transport=transport,
    )


class StrongIdentificationRoutes:
    """The two routes as an ASGI app (mounted at ``/auth/strong``) behind the flow cookie."""

    def __init__(self, runtime: Runtime, client: OpenIDClient | None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.client = client
        router = Router(routes=[Route("/start", self.start), Route("/callback", self.callback)])
        flow_key = hmac.new(
            runtime.signing_key.encode(), b"energy-portal/oidc-flow-cookie", hashlib.sha256
        ).hexdigest()
        self._asgi = SessionMiddleware(
            router,
            secret_key=flow_key,
            session_cookie=FLOW_COOKIE,
            max_age=FLOW_SECONDS,
            path=FLOW_PATH,
            same_site="lax",
            https_only=self.settings.is_production,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)

    def _redirect(self, url: str) -> Response:
        return RedirectResponse(url, 302, headers=_NO_STORE)

    def _fail(self, return_to: str, code: str) -> Response:
        return self._redirect(with_params(return_to, {"error": code}))

    async def start(self, request: Request) -> Response:
        params = request.query_params
        purpose = params.get("purpose", "")
        if purpose not in PURPOSES:
            return _bad_request("`purpose` must be `register`, `login`, `invitation` or `add-organisation`.")
        return_to = checked_return_to(params.get("returnTo"), self.settings)
        if return_to is None:
            return _bad_request("`returnTo` is not on an allowed origin.")
        invitation = None
        if purpose == "invitation":
            token = params.get("invitationToken", "")
            if not token or len(token) > MAX_INVITATION_TOKEN:
                return _bad_request("`purpose=invitation` needs the `invitationToken` of the link.")
            invitation = token_hash(token)
        business_id = None
        if purpose == "add-organisation" and not params.get("businessId"):
            return _bad_request("`purpose=add-organisation` needs the organisation's `businessId`.")
        if params.get("businessId"):
            if purpose not in ("register", "add-organisation"):
                return _bad_request("`businessId` goes with `purpose=register` or `add-organisation` only.")
            business_id = normalise_business_id(params["businessId"])
            if business_id is None:
                return _bad_request("`businessId` is not a valid business ID (Y-tunnus).")
        if self.client is None:
            return _bad_request("Strong identification is not configured.", 503)
        try:
            url = await self.client.authorization_url(
                request, purpose=purpose, return_to=return_to, business_id=business_id, invitation=invitation
            )
        except StrongIdentificationError as error:
            log.warning("strong identification could not start: %s", error)
            return self._fail(return_to, IDENTIFICATION_FAILED)
        return self._redirect(url)

    async def callback(self, request: Request) -> Response:
        own = self.settings.public_origin.rstrip("/") + "/"
        flow = await self.client.flow_data(request) if self.client is not None else None
        if flow is None or self.client is None:
            return self._fail(own, IDENTIFICATION_FAILED)
        return_to = checked_return_to(flow.return_to, self.settings) or own
        try:
            identity = await self.client.finish(request, flow)
        except StrongIdentificationError as error:
            log.warning("strong identification failed: %s", error)
            return self._fail(return_to, IDENTIFICATION_FAILED)
        if flow.purpose == "login":
            return await self._sign_in(request, identity, return_to)
        if flow.purpose == "invitation":
            return await self._invited_registration(identity, flow.invitation, return_to)
        if flow.purpose == "add-organisation":
            return await self._add_organisation(request, identity, flow.business_id, return_to)
        return await self._registration(identity, flow.business_id, return_to)

    async def _sign_in(self, request: Request, identity: StrongIdentity, return_to: str) -> Response:
        rules = self.runtime.rules
        async with transaction(self.runtime.sessions) as db:
            user = await user_with_strong_identity(db, identity.hetu)
            if user is None or user.id is None:
                record_event(db, SIGN_IN_FAILED_ACTION, reason=NO_USER)
                return self._fail(return_to, NO_USER)
            await settle_language(db, user, requested_language(request))
            previous = await principal_from_session(
                db, request.cookies.get(session_cookie(self.runtime.rules.secure_cookies))
            )
            if previous is not None and previous.session_id is not None:
                await end_session(db, previous.session_id)  # no session fixation
            token = await create_session(db, user.id, days=rules.session_days)
            record_event(db, SIGN_IN_ACTION, actor_user_id=user.id)
        response = self._redirect(return_to)
        response.set_cookie(
            session_cookie(rules.secure_cookies),
            token,
            max_age=rules.session_days * 86400,
            path="/",
            httponly=True,
            secure=rules.secure_cookies,
            samesite="lax",
        )
        return response

    async def _registration(
        self, identity: StrongIdentity, business_id: str | None, return_to: str
    ) -> Response:
        async with self.runtime.sessions() as db:
            if await user_with_strong_identity(db, identity.hetu) is not None:
                return self._fail(return_to, ALREADY_REGISTERED)
            customers = await customers_for_registration(db, identity.hetu, business_id)
        customer_ids = [c.id for c in customers if c.id is not None]
        if not customer_ids:
            return self._fail(return_to, NO_CUSTOMERSHIP)
        token = issue_registration_token(
            self.runtime.signing_key,
            hetu=identity.hetu,
            given_name=identity.given_name,
            family_name=identity.family_name,
            customer_ids=customer_ids,
            business_id=business_id,
        )
        return self._redirect(with_params(return_to, {"registrationToken": token}))

    async def _add_organisation(
        self, request: Request, identity: StrongIdentity, business_id: str | None, return_to: str
    ) -> Response:
        """A signed-in user, identified as themselves, becomes an owner of an organisation
        whose register entry names them as a representative."""
        async with transaction(self.runtime.sessions) as db:
            principal = await principal_from_session(
                db, request.cookies.get(session_cookie(self.runtime.rules.secure_cookies))
            )
            if principal is None or principal.is_staff:
                return self._fail(return_to, NOT_SIGNED_IN)
            user = await db.get(User, principal.user_id)
            if user is None or user.strong_identity != identity.hetu:
                record_event(
                    db,
                    ADD_ORGANISATION_FAILED_ACTION,
                    actor_user_id=principal.user_id,
                    reason=IDENTITY_MISMATCH,
                )
                return self._fail(return_to, IDENTITY_MISMATCH)
            found = await customers_for_registration(db, identity.hetu, business_id)
            organisation = next((c for c in found if c.kind is CustomerKind.ORGANIZATION), None)
            if organisation is None or organisation.id is None:
                record_event(
                    db,
                    ADD_ORGANISATION_FAILED_ACTION,
                    actor_user_id=principal.user_id,
                    reason=NOT_REPRESENTATIVE,
                )
                return self._fail(return_to, NOT_REPRESENTATIVE)
            if await db.get(CustomerOwner, (organisation.id, principal.user_id)) is None:
                db.add(CustomerOwner(customer_id=organisation.id, user_id=principal.user_id))
                record_event(
                    db,
                    ADD_ORGANISATION_ACTION,
                    actor_user_id=principal.user_id,
                    customer_id=organisation.id,
                    businessId=business_id,
                    method="strong_identification",
                )
        customer = to_global_id("Customer", organisation.id)
        return self._redirect(with_params(return_to, {"customerId": customer}))

    async def _invited_registration(
        self, identity: StrongIdentity, invitation: str | None, return_to: str
    ) -> Response:
        """Registration through an invitation: no customership needed, the invitation must be
        open (a person who already has a user signs in and accepts it instead)."""
        async with self.runtime.sessions() as db:
            if await user_with_strong_identity(db, identity.hetu) is not None:
                return self._fail(return_to, ALREADY_REGISTERED)
            invitation_id = None if invitation is None else await open_invitation_id(db, invitation)
        if invitation_id is None:
            return self._fail(return_to, INVALID_INVITATION)
        token = issue_registration_token(
            self.runtime.signing_key,
            hetu=identity.hetu,
            given_name=identity.given_name,
            family_name=identity.family_name,
            customer_ids=[],
            business_id=None,
            invitation_id=invitation_id,
        )
        return self._redirect(with_params(return_to, {"registrationToken": token}))


def strong_identification_routes(
    runtime: Runtime, *, transport: httpx.AsyncBaseTransport | None = None
) -> list[BaseRoute]:
    """The ``/auth/strong`` mount; ``transport`` reaches the provider (default: the network)."""
    routes = StrongIdentificationRoutes(runtime, openid_client(runtime.settings, transport))
    return [Mount(FLOW_PATH, app=routes, name=MOUNT_NAME)]


def strong_identification_client(app: Any) -> OpenIDClient | None:
    """The OpenID Connect client of an application ``build_app`` returned (to inject a transport)."""
    routes = mounted_app(app, MOUNT_NAME)
    return routes.client if isinstance(routes, StrongIdentificationRoutes) else None
