"""The ``/graphql`` endpoint: strawberry's ASGI view with this API's transport rules."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from app.runtime import Runtime
from auth.principal import Principal
from auth.sessions import SESSION_COOKIE, principal_from_session
from auth.tokens import principal_from_bearer
from domain.base import today_helsinki
from resolvers.context import Context
from resolvers.texts import language_from_header
from resolvers.tokens import access_tokens
from schema.errors import client_error

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


class GraphQLView(GraphQL):
    """GraphQL over HTTP: JSON objects only (no batching), orjson, per-request context."""

    def __init__(self, runtime: Runtime) -> None:
        production = runtime.settings.is_production
        super().__init__(
            runtime.schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=not production,
            multipart_uploads_enabled=True,
        )
        self.runtime = runtime

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
        return orjson.dumps(data)

    async def principal_for(self, request: Request) -> Principal | None:
        """Who the request acts as: the one rule for /graphql and plain HTTP routes (/files).

        With ``Authorization: Bearer <accessToken>`` the bearer token alone decides (the
        cookie is not looked at): a valid token gives its user with the current role from
        the database; an invalid one (tampered, expired, wrongly signed, wrong type) gives
        no principal, so the request is anonymous (``viewer`` null, guarded fields
        ``UNAUTHENTICATED``) and not an error, so that a client holding an expired access
        token can still call ``obtainToken`` with its refresh token. Without a bearer
        token, the session cookie decides.
        """
        bearer = bearer_token(request.headers.get("authorization"))
        async with self.runtime.sessions() as db, db.begin():  # commits the idle-timeout touch
            if bearer is not None:
                return await principal_from_bearer(db, access_tokens(self.runtime.rules), bearer)
            return await principal_from_session(db, request.cookies.get(SESSION_COOKIE))

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        runtime = self.runtime
        principal = await self.principal_for(request)  # type: ignore[arg-type]
        if principal is None and bearer_token(request.headers.get("authorization")) is not None:
            # RFC 6750: tell the client its token was not accepted (it should refresh it).
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return Context(
            sessions=runtime.sessions,
            read_sessions=runtime.read_sessions,
            read_connections=runtime.read_connections,
            rules=runtime.rules,
            principal=principal,
            today=today_helsinki(),
            language=language_from_header(request.headers.get("accept-language")),
            request=request,
            response=response,
            request_id=request.scope.get("state", {}).get("request_id", ""),
            limiter=runtime.limiter,
            client_address=request.client.host if request.client else "",
            files=runtime.files,
        )

    async def get_root_value(self, request: Any) -> None:
        return None

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            production = self.runtime.settings.is_production
            request_id = request.scope.get("state", {}).get("request_id", "")
            result.errors = [
                client_error(e, production=production, request_id=request_id) for e in result.errors
            ]
        return process_result(result)
