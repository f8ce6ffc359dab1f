"""The ``/graphql`` endpoint: strawberry's ASGI view with this API's transport rules."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from app.runtime import Runtime
from app.transport_errors import (
    BAD_REQUEST,
    RETRY_AFTER_SECONDS,
    SERVICE_UNAVAILABLE,
    error_response,
    request_id_of,
)
from auth.api_tokens import api_token_use, is_api_token, record_api_token_use
from auth.principal import Principal
from auth.sessions import principal_from_session, session_cookie
from auth.tokens import principal_from_bearer
from domain.base import Language, today_helsinki
from resolvers.context import Context, screen_language
from resolvers.errors import ErrorCode
from resolvers.tokens import access_tokens
from schema.errors import client_error

log = logging.getLogger("energy_portal.graphql")

DEMO_USERS_NOTE = """
<details id="demo-users" style="position:fixed;right:12px;bottom:12px;z-index:10;background:#fff;
  border:1px solid #ccc;border-radius:6px;padding:6px 10px;font:13px sans-serif;max-width:28em">
<summary>Demo users (development only)</summary>
<p>Sign in with <code>mutation { login(input: {username: "maija", password: "maija-demo-password"})
{ user { username } errors { message } } }</code>; the session cookie is kept.</p>
<table>
<tr><td><code>maija</code></td><td>owner: apartment and cottage, contracts, invoices</td></tr>
<tr><td><code>matti</code></td><td>Maija's delegate: invoices and reporting read, messages</td></tr>
<tr><td><code>liisa</code></td><td>owner of her own customer only</td></tr>
<tr><td><code>kahvila</code></td><td>representative of Kahvila Kaffepaussi Oy</td></tr>
<tr><td><code>isannoitsija</code></td><td>housing manager of three housing companies</td></tr>
<tr><td><code>asiakaspalvelu</code></td><td>customer-service staff</td></tr>
</table>
<p>Each password is the username followed by <code>-demo-password</code>.</p>
</details>
"""


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; ``None`` for any other header."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


#: Live subscriptions one websocket may hold at once.
MAX_SUBSCRIPTIONS_PER_CONNECTION = 10


class GraphQLView(GraphQL):
    """GraphQL over HTTP: JSON objects only (no batching), orjson, per-request context."""

    def __init__(self, runtime: Runtime) -> None:
        production = runtime.settings.is_production
        settings = runtime.settings
        super().__init__(
            runtime.schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=not production,
            multipart_uploads_enabled=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            # a cookie-authenticated socket from another site would act as the user
            allowed_origins=[
                settings.public_origin,
                *(settings.client_origins or ()),
                *([settings.web_app_origin] if settings.web_app_origin else []),
            ],
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """strawberry's view, with its refusals (``HTTPException``) as coded JSON, not plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as refusal:
            code = "NOT_FOUND" if refusal.status_code == 404 else BAD_REQUEST
            response = error_response(refusal.status_code, code, refusal.reason, request_id_of(scope))
        await response(scope, receive, send)

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, object]:
        """The operations of a GraphQL multipart request with its files in place.

        Every way the request can be broken is a 400 (``BAD_REQUEST``) that says what is
        wrong, rather than strawberry's ``IndexError``/``TypeError`` (a 500) for a map to a
        path that does not exist: ``operations`` and ``map`` must be JSON objects, every
        map entry a list of ``variables.…`` paths, every file named in the map present in
        the request, and every path must lead to a ``null`` placeholder in the variables.
        """
        try:
            form_data = await request.get_form_data()
        except ValueError:
            raise HTTPException(400, "Unable to parse the multipart body.") from None
        operations = _json_object(form_data.form.get("operations"), "operations")
        files_map = _json_object(form_data.form.get("map", "{}"), "map")
        for name, paths in files_map.items():
            if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
                raise HTTPException(400, f"`map` entry {name!r} must be a list of paths.")
            upload = form_data.files.get(name)
            if not isinstance(upload, UploadFile):
                raise HTTPException(400, f"The file {name!r} named in `map` is missing from the request.")
            for path in paths:
                _place_file(operations, path, upload)
        return operations

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self.graphql_ide_html.replace("<body>", "<body>" + DEMO_USERS_NOTE, 1))

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise HTTPException(400, "The request body is not valid JSON.") from None
        if not isinstance(value, dict):
            raise HTTPException(400, "The request body must be a JSON object (batching is not supported).")
        operation_name = value.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            raise HTTPException(400, "`operationName` must be a string or null.")
        return value

    def encode_json(self, data: object) -> bytes:
        """orjson; a body over ``max_response_bytes`` is replaced by a ``MAX_COST_EXCEEDED`` error.

        The static cost bounds what an operation may ask; this ceiling catches what the
        estimate misses (long texts, many messages in one thread) before it is sent.
        """
        body = orjson.dumps(data)
        limit = self.runtime.settings.max_response_bytes
        if len(body) <= limit:
            return body
        log.warning("response of %d bytes refused (limit %d)", len(body), limit)
        extensions = data.get("extensions") if isinstance(data, dict) else None
        refusal: dict[str, Any] = {
            "data": None,
            "errors": [
                {
                    "message": f"The response would be larger than {limit:,} bytes; ask for less at a time.",
                    "extensions": {"code": ErrorCode.MAX_COST_EXCEEDED.value, "responseBytes": len(body)},
                }
            ],
        }
        if extensions:
            refusal["extensions"] = extensions
        return orjson.dumps(refusal)

    async def principal_for(self, request: Request) -> Principal | None:
        """Who the request acts as: the one rule for /graphql and plain HTTP routes (/files).

        With ``Authorization: Bearer <accessToken>`` the bearer token alone decides (the
        cookie is not looked at): a valid token gives its user with the current role from
        the database; an invalid one (tampered, expired, wrongly signed, wrong type) gives
        no principal, so the request is anonymous (``viewer`` null, guarded fields
        ``UNAUTHENTICATED``) and not an error, so that a client holding an expired access
        token can still call ``obtainToken`` with its refresh token. Without a bearer
        token, the session cookie decides.

        A bearer value starting ``ep_`` is a program's personal API token (``auth.api_tokens``):
        unknown, revoked or expired, it gives no principal just like a bad access token.
        """
        return await self._principal(
            bearer_token(request.headers.get("authorization")),
            request.cookies.get(session_cookie(self.runtime.rules.secure_cookies)),
        )

    async def _principal(self, bearer: str | None, cookie: str | None) -> Principal | None:
        if bearer is not None and is_api_token(bearer):
            return await self._api_token_principal(bearer)
        # On the read engine: on PostgreSQL each statement commits by itself (autocommit), so
        # the lookup costs its one SELECT and no BEGIN and COMMIT; the idle-timeout touch is a
        # single UPDATE. On SQLite the transaction commits the touch.
        async with self.runtime.read_sessions() as db, db.begin():
            if bearer is not None:
                return await principal_from_bearer(db, access_tokens(self.runtime.rules), bearer)
            return await principal_from_session(db, cookie)

    async def _api_token_principal(self, secret: str) -> Principal | None:
        """A program's principal from its personal API token (``ep_…``), looked up on every
        request; its use is recorded afterwards, at most once a minute, never failing it."""
        async with self.runtime.read_sessions() as db, db.begin():
            use = await api_token_use(db, secret, today_helsinki())
        if use is None:
            return None
        await record_api_token_use(self.runtime.sessions, use)
        return use.principal

    async def on_ws_connect(self, context: Context) -> Any:
        """A websocket without a session cookie may authenticate in ``connection_init`` with
        ``{"authorization": "Bearer <token>"}`` (mobile apps, programs); the token is looked up
        again before every event, like the cookie."""
        params = context.connection_params
        if context.principal is None and isinstance(params, dict):
            value = params.get("authorization") or params.get("Authorization")
            bearer = bearer_token(value) if isinstance(value, str) else None
            if bearer is not None:
                context.principal = await self._principal(bearer, None)
                context.reauthenticate = lambda: self._principal(bearer, None)
                context.renew(context.today)
        return await super().on_ws_connect(context)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        runtime = self.runtime
        principal = await self.principal_for(request)  # type: ignore[arg-type]
        if principal is None and bearer_token(request.headers.get("authorization")) is not None:
            # RFC 6750: tell the client its token was not accepted (it should refresh it).
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        language = screen_language(principal, request.headers.get("accept-language"))
        request.scope.setdefault("state", {})["language"] = language  # for the errors of the result
        return Context(
            sessions=runtime.sessions,
            read_sessions=runtime.read_sessions,
            read_connections=runtime.read_connections,
            rules=runtime.rules,
            principal=principal,
            today=today_helsinki(),
            language=language,
            request=request,
            response=response,
            request_id=request.scope.get("state", {}).get("request_id", ""),
            limiter=runtime.limiter,
            client_address=request.client.host if request.client else "",
            files=runtime.files,
            budget=runtime.budget,
            events=runtime.events,
            reauthenticate=lambda: self.principal_for(request),  # type: ignore[arg-type]
        )

    async def get_root_value(self, request: Any) -> None:
        return None

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        """503 with ``Retry-After`` when a dependency failure left nothing of the operation.

        A resolver that could not reach the database or Redis gives a ``SERVICE_UNAVAILABLE``
        error (``schema.errors``). When the operation has no data at all, or only ``null``
        top-level fields, the whole request failed for a reason that is not the client's:
        HTTP 503 tells clients, proxies and load balancers to try again (a status set by a
        resolver, e.g. 429, is kept).
        """
        if (
            isinstance(response_data, dict)
            and not sub_response.status_code
            and _failed_unavailable(response_data)
        ):
            sub_response.status_code = 503
            sub_response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return super().create_response(response_data, sub_response)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            production = self.runtime.settings.is_production
            request_id = request.scope.get("state", {}).get("request_id", "")
            language = request.scope.get("state", {}).get("language") or Language.FI
            result.errors = [
                client_error(e, production=production, request_id=request_id, language=language)
                for e in result.errors
            ]
        return process_result(result)


def _failed_unavailable(response: GraphQLHTTPResponse) -> bool:
    errors = response.get("errors") or []
    if not any((error.get("extensions") or {}).get("code") == SERVICE_UNAVAILABLE for error in errors):
        return False
    data = response.get("data")
    return data is None or all(value is None for value in data.values())


def _json_object(value: object, field: str) -> dict[str, Any]:
    """A multipart form field that must hold a JSON object."""
    if value is None:
        raise HTTPException(400, f"The multipart request has no `{field}` field.")
    if not isinstance(value, str | bytes):
        raise HTTPException(400, f"`{field}` must be a form field, not a file.")
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        raise HTTPException(400, f"`{field}` is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise HTTPException(400, f"`{field}` must be a JSON object.")
    return parsed


def _place_file(operations: dict[str, Any], path: str, upload: UploadFile) -> None:
    """Put ``upload`` where ``path`` (``variables.input.attachments.0``) points; 400 if nowhere."""
    keys = path.split(".")
    if len(keys) < 2 or keys[0] != "variables":
        raise HTTPException(400, f"The `map` path {path!r} does not point into `variables`.")
    target: Any = operations
    for position, key in enumerate(keys):
        last = position == len(keys) - 1
        if isinstance(target, dict) and key in target:
            if last:
                if target[key] is not None:
                    break
                target[key] = upload
                return
            target = target[key]
        elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
            if last:
                if target[int(key)] is not None:
                    break
                target[int(key)] = upload
                return
            target = target[int(key)]
        else:
            break
    raise HTTPException(400, f"The `map` path {path!r} does not point at a null variable in `operations`.")
