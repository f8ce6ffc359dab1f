"""The Starlette application: routes, middleware, lifespan."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.dev_idp import dev_idp_routes
from app.dev_routes import outbox_endpoint
from app.files_routes import files_endpoint
from app.graphql_view import GraphQLView
from app.mailer import start_mailer
from app.runtime import Runtime, tune_garbage_collector
from app.settings import Settings
from app.strong_routes import strong_identification_routes
from app.uploads import serve_with_upload_limits

log = logging.getLogger("energy_portal.http")

MAX_BODY_BYTES = 1024 * 1024

REQUESTS = Counter("energy_portal_http_requests_total", "HTTP requests", ["path", "status"])
LATENCY = Histogram("energy_portal_http_request_seconds", "HTTP request duration", ["path"])

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def _plain(status: int, message: str) -> Response:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}, status)


class Guard:
    """Pure ASGI middleware in front of everything.

    Adds a request ID and security headers; refuses bodies over 1 MiB (413) and
    multipart requests without an Apollo preflight header (a browser can send a
    multipart form cross-site without a preflight, so it could post as the signed-in
    user); turns anything unexpected into a 500 without details, logged with the ID.
    """

    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        metric_path = path if path in {"/graphql", "/healthz", "/readyz", "/metrics"} else "other"
        status_holder = {"status": 500}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                present = {name.lower() for name, _ in message["headers"]}
                message["headers"] = [
                    *message["headers"],
                    *(h for h in SECURITY_HEADERS if h[0] not in present),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        with LATENCY.labels(metric_path).time():
            response = self._refusal(scope, headers)
            if response is not None:
                await response(scope, receive, send_with_headers)
            else:
                limited_receive = self._limited(receive, scope, headers, send_with_headers)
                try:
                    await self.app(scope, limited_receive, send_with_headers)
                except _BodyTooLarge:
                    await _plain(413, "The request body is larger than 1 MiB.")(
                        scope, receive, send_with_headers
                    )
                except Exception:
                    log.exception("unhandled error (request %s)", request_id)
                    if status_holder["status"] == 500:
                        await JSONResponse(
                            {
                                "errors": [
                                    {
                                        "message": "Internal server error.",
                                        "extensions": {
                                            "code": "INTERNAL_SERVER_ERROR",
                                            "requestId": request_id,
                                        },
                                    }
                                ]
                            },
                            500,
                        )(scope, receive, send_with_headers)
        REQUESTS.labels(metric_path, str(status_holder["status"])).inc()

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> Response | None:
        content_type = headers.get("content-type", "").lower()
        if content_type.startswith("multipart/") and not (
            headers.get("apollo-require-preflight", "").strip()
            or headers.get("x-apollo-operation-name", "").strip()
        ):
            return _plain(400, "Multipart requests need an Apollo-Require-Preflight header.")
        length = headers.get("content-length")
        if length is not None and not content_type.startswith("multipart/"):
            try:
                if int(length) > MAX_BODY_BYTES:
                    return _plain(413, "The request body is larger than 1 MiB.")
            except ValueError:
                return _plain(400, "Bad Content-Length.")
        return None

    def _limited(self, receive: Receive, scope: Scope, headers: dict[str, str], send: Send) -> Receive:
        if headers.get("content-type", "").lower().startswith("multipart/"):
            return receive
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_BODY_BYTES:
                    raise _BodyTooLarge
            return message

        return limited


class _BodyTooLarge(Exception):
    pass


class GraphQLEndpoint:
    """``/graphql`` as an ASGI app: POST always, GET only in development."""

    def __init__(self, view: GraphQLView, *, production: bool) -> None:
        self.view = view
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in {"GET", "POST"}:
            await _plain(405, "Use POST (or GET in development).")(scope, receive, send)
        elif self.production and scope["method"] == "GET":
            await _plain(405, "Queries over GET are not allowed; use POST.")(scope, receive, send)
        else:
            await serve_with_upload_limits(self.view, scope, receive, send)


def build_app(runtime: Runtime, *, lifespan: Any = None) -> Starlette:
    """The ASGI application around a started ``Runtime``."""
    graphql = GraphQLView(runtime)
    production = runtime.settings.is_production

    graphql_endpoint = GraphQLEndpoint(graphql, production=production)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        try:
            async with runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            log.exception("database not reachable")
            return PlainTextResponse("database unreachable", status_code=503)
        return PlainTextResponse("ready")

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(
        routes=[
            Route("/graphql", graphql_endpoint),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            *strong_identification_routes(runtime),
            *dev_idp_routes(runtime.settings, runtime.limiter),
            Route("/files/{token}", files_endpoint(runtime, graphql.principal_for)),
            Route("/dev/outbox", outbox_endpoint(runtime)),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return Guard(app, production=production)  # type: ignore[return-value]


def create_app(settings: Settings | None = None) -> Any:
    """The server's application: starts the runtime in the lifespan (for uvicorn)."""
    settings = settings or Settings()
    holder: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings)
        holder["app"] = build_app(runtime)
        mailer = start_mailer(settings, runtime.sessions)
        tune_garbage_collector()
        try:
            yield
        finally:
            if mailer is not None:
                await mailer.stop()
            await runtime.close()

    shell = Starlette(lifespan=lifespan)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await shell(scope, receive, send)
            return
        await holder["app"](scope, receive, send)

    return asgi
