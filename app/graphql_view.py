"""The ``/graphql`` endpoint: strawberry's ASGI view with this API's transport rules."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from cross_web import HTTPException

from app.runtime import Runtime
from auth.sessions import SESSION_COOKIE, principal_from_session
from domain.base import today_helsinki
from resolvers.context import Context
from resolvers.texts import language_from_header


class GraphQLView(GraphQL):
    """GraphQL over HTTP: JSON objects only (no batching), orjson, per-request context."""

    def __init__(self, runtime: Runtime) -> None:
        production = runtime.settings.is_production
        super().__init__(
            runtime.schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=not production,
            multipart_uploads_enabled=False,
        )
        self.runtime = runtime

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

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        runtime = self.runtime
        async with runtime.sessions() as db:
            principal = await principal_from_session(db, request.cookies.get(SESSION_COOKIE))
        return Context(
            sessions=runtime.sessions,
            rules=runtime.rules,
            principal=principal,
            today=today_helsinki(),
            language=language_from_header(request.headers.get("accept-language")),
            request=request,
            response=response,
            request_id=request.scope.get("state", {}).get("request_id", ""),
        )

    async def get_root_value(self, request: Any) -> None:
        return None
