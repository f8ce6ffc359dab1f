"""The Starlette application: routes, middleware, lifespan."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_compress import CompressMiddleware

from app.admission import Admission, QueueTimeout, read_body, replay
from app.dev_idp import dev_idp_routes
from app.dev_pages import dev_page_routes
from app.dev_routes import outbox_endpoint, sms_outbox_endpoint
from app.files_routes import files_endpoint
from app.graphql_view import GraphQLView
from app.mailer import start_mailer
from app.runtime import Runtime, tune_garbage_collector
from app.settings import Settings
from app.strong_routes import strong_identification_routes
from app.transport_errors import (
    BAD_REQUEST,
    INTERNAL_SERVER_ERROR,
    SERVICE_UNAVAILABLE,
    BodyTooLarge,
    error_response,
    failure_response,
    request_id_of,
    unavailable_response,
)
from app.uploads import serve_with_upload_limits
from resolvers.errors import is_unavailable

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
#: Production only: HTTPS for a year, and no content of the API's may run or be framed
#: anywhere (it serves JSON, files and redirects; GraphiQL is a development page).
PRODUCTION_HEADERS = [
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]
#: Answers that name a user or a secret are never stored by a cache on the way.
NO_STORE_PREFIXES = ("/graphql", "/auth/", "/files/")


def _plain(status: int, message: str, scope: Scope) -> Response:
    return error_response(status, BAD_REQUEST, message, request_id_of(scope))


class Guard:
    """Pure ASGI middleware in front of everything: the one error responder.

    Adds a request ID and security headers; refuses bodies over 1 MiB (413, also a
    chunked body without a Content-Length, counted as it is read) and multipart requests
    without an Apollo preflight header (a browser can send a multipart form cross-site
    without a preflight, so it could post as the signed-in user).

    Every failure is JSON with a code and the request ID (``app.transport_errors``), and
    exactly one response is sent: an exception that escapes the application is answered
    by Starlette's ``ServerErrorMiddleware`` through the handler ``build_app`` installs
    (``failure_response``: 413, 503 with ``Retry-After`` for an unreachable database or
    Redis or a pool timeout, else 500), which then re-raises it; here it is logged with the
    request ID and answered only if no response has started yet (an application mounted
    without that handler). It is not re-raised, so the server does not log it twice.
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
        status_holder = {"status": 500, "started": False}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message.setdefault("headers", [])
                present = {name.lower() for name, _ in message["headers"]}
                added = [*SECURITY_HEADERS, *(PRODUCTION_HEADERS if self.production else ())]
                if path.startswith(NO_STORE_PREFIXES):
                    added.append((b"cache-control", b"no-store"))
                message["headers"] = [
                    *message["headers"],
                    *(h for h in added if h[0] not in present),
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
                except Exception as error:
                    _log_failure(error, request_id)
                    if not status_holder["started"]:
                        await failure_response(error, request_id)(scope, receive, send_with_headers)
        REQUESTS.labels(metric_path, str(status_holder["status"])).inc()

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> Response | None:
        content_type = headers.get("content-type", "").lower()
        if content_type.startswith("multipart/") and not (
            headers.get("apollo-require-preflight", "").strip()
            or headers.get("x-apollo-operation-name", "").strip()
        ):
            return _plain(400, "Multipart requests need an Apollo-Require-Preflight header.", scope)
        length = headers.get("content-length")
        if length is not None and not content_type.startswith("multipart/"):
            try:
                if int(length) > MAX_BODY_BYTES:
                    return _plain(413, "The request body is larger than 1 MiB.", scope)
            except ValueError:
                return _plain(400, "Bad Content-Length.", scope)
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
                    # Whoever reads the body (strawberry, Starlette) lets this pass; the
                    # error handler of build_app answers 413 before anything else is sent.
                    raise BodyTooLarge("1 MiB")
            return message

        return limited


def _log_failure(error: BaseException, request_id: str) -> None:
    if isinstance(error, BodyTooLarge):
        log.info("request body over the limit (request %s)", request_id)
    elif is_unavailable(error):
        log.warning("dependency unavailable (request %s): %s: %s", request_id, type(error).__name__, error)
    else:
        log.error("unhandled error (request %s)", request_id, exc_info=error)


async def _answer_failure(request: Request, error: Exception) -> Response:
    """Starlette's 500 handler (``ServerErrorMiddleware``): the one answer to an escaped error."""
    return failure_response(error, request_id_of(request.scope))


async def _answer_http_exception(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (unknown route, a form it cannot parse) as JSON."""
    assert isinstance(error, StarletteHTTPException)
    code = {404: "NOT_FOUND", 429: "RATE_LIMITED", 503: SERVICE_UNAVAILABLE}.get(
        error.status_code, BAD_REQUEST if error.status_code < 500 else INTERNAL_SERVER_ERROR
    )
    return error_response(
        error.status_code, code, str(error.detail), request_id_of(request.scope), headers=error.headers
    )


class GraphQLEndpoint:
    """``/graphql`` as an ASGI app: POST always, GET only in development.

    Operations wait their turn for one of the worker's places (``app.admission``) once
    their body has arrived; multipart uploads stream straight to the view.
    """

    def __init__(self, view: GraphQLView, *, production: bool, admission: Admission) -> None:
        self.view = view
        self.production = production
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in {"GET", "POST"}:
            await _plain(405, "Use POST (or GET in development).", scope)(scope, receive, send)
        elif self.production and scope["method"] == "GET":
            await _plain(405, "Queries over GET are not allowed; use POST.", scope)(scope, receive, send)
        elif Headers(scope=scope).get("content-type", "").lower().startswith("multipart/"):
            await serve_with_upload_limits(self.view, scope, receive, send)
        else:
            body, disconnected = await read_body(receive)
            if disconnected:
                return
            try:
                async with self.admission.place():
                    await self.view(scope, replay(body, receive), send)
            except QueueTimeout:
                log.warning(
                    "operation waited %.0f s in line (%d running, %d waiting)",
                    self.admission.timeout_seconds,
                    self.admission.running,
                    self.admission.waiting,
                )
                await unavailable_response(request_id_of(scope))(scope, receive, send)


class Lifecycle:
    """Whether the server is on its way down (``/readyz`` then answers 503)."""

    def __init__(self) -> None:
        self.shutting_down = False


async def _check(name: str, probe: Callable[[], Awaitable[object]], seconds: float) -> str:
    """One dependency's readiness: "ok", "unreachable" or "timeout"."""
    try:
        async with asyncio.timeout(seconds):
            await probe()
    except TimeoutError:
        log.warning("readiness: %s did not answer within %.1f s", name, seconds)
        return "timeout"
    except Exception as error:
        log.warning("readiness: %s unreachable: %s: %s", name, type(error).__name__, error)
        return "unreachable"
    return "ok"


async def readiness_checks(runtime: Runtime) -> dict[str, str]:
    """Every dependency in use, checked side by side, each within the readiness timeout.

    The database through the pool (a pool that stays exhausted for the whole timeout
    counts as not ready too: requests would wait as long), Redis with a PING when it is
    configured.
    """

    async def database() -> None:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    probes: dict[str, Callable[[], Awaitable[object]]] = {"database": database}
    if runtime.redis is not None:
        probes["redis"] = runtime.redis.ping
    timeout = runtime.settings.readiness_timeout_seconds
    results = await asyncio.gather(*(_check(name, probe, timeout) for name, probe in probes.items()))
    return dict(zip(probes, results, strict=True))


def build_app(runtime: Runtime, *, lifespan: Any = None, lifecycle: Lifecycle | None = None) -> Starlette:
    """The ASGI application around a started ``Runtime``."""
    lifecycle = lifecycle or Lifecycle()
    graphql = GraphQLView(runtime)
    production = runtime.settings.is_production

    settings = runtime.settings
    admission = Admission(settings.max_concurrent_operations, settings.operation_queue_timeout_seconds)
    graphql_endpoint = GraphQLEndpoint(graphql, production=production, admission=admission)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        if lifecycle.shutting_down:
            return JSONResponse({"status": "shutting down", "checks": {}}, 503)
        checks = await readiness_checks(runtime)
        if lifecycle.shutting_down:  # the signal came while checking
            return JSONResponse({"status": "shutting down", "checks": checks}, 503)
        ready = all(result == "ok" for result in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks}, 200 if ready else 503
        )

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(
        routes=[
            Route("/graphql", graphql_endpoint),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            *strong_identification_routes(runtime),
            *dev_idp_routes(runtime.settings, runtime.limiter),
            Route("/files/{token}", files_endpoint(runtime, graphql.principal_for)),
            Route("/dev/outbox", outbox_endpoint(runtime)),
            Route("/dev/sms-outbox", sms_outbox_endpoint(runtime)),
            *dev_page_routes(runtime),
        ],
        lifespan=lifespan,
        exception_handlers={Exception: _answer_failure, StarletteHTTPException: _answer_http_exception},
    )
    app.state.runtime = runtime
    # zstd, brotli or gzip as the client accepts, at levels that cost milliseconds (brotli 4,
    # not its default 11), for responses over 1 KiB of the text types starlette-compress
    # knows (JSON, HTML, JavaScript): PDFs and CSV downloads under /files/ pass as they are.
    compressed = CompressMiddleware(app, minimum_size=1024, zstd_level=3, brotli_quality=4, gzip_level=5)
    # Web apps on the configured origins may call the API with the user's cookie; a
    # preflight from anywhere else gets no CORS headers, so the browser refuses it.
    origins = [
        *(settings.client_origins or ()),
        *([settings.web_app_origin] if settings.web_app_origin else []),
    ]
    cors = CORSMiddleware(
        compressed,
        allow_origins=[origin.rstrip("/") for origin in origins],
        allow_credentials=True,
        allow_methods=["GET", "POST"],
        allow_headers=[
            "content-type",
            "authorization",
            "apollo-require-preflight",
            "x-request-id",
            "traceparent",
        ],
        expose_headers=["x-request-id", "retry-after"],
        max_age=600,
    )
    return Guard(cors, production=production)  # type: ignore[return-value]


def create_app(settings: Settings | None = None) -> Any:
    """The server's application: starts the runtime in the lifespan (for uvicorn)."""
    settings = settings or Settings()
    holder: dict[str, Any] = {}
    lifecycle = Lifecycle()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings)
        holder["app"] = build_app(runtime, lifecycle=lifecycle)
        restore_signals = _flag_shutdown_on_signals(lifecycle)
        mailer = start_mailer(settings, runtime.sessions)
        from app.sweeper import start_sweeper

        sweeper = start_sweeper(settings, runtime.sessions, runtime.files)
        from app.notifier import start_notifier

        notifier = start_notifier(
            runtime.sessions,
            runtime.rules.web_app_origin,
            settings.notify_interval_minutes * 60,
            runtime.events,
        )
        tune_garbage_collector()
        try:
            yield
        finally:
            lifecycle.shutting_down = True
            restore_signals()
            await sweeper.stop()
            await notifier.stop()
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


def _flag_shutdown_on_signals(lifecycle: Lifecycle) -> Callable[[], None]:
    """Mark the server as shutting down as soon as SIGTERM or SIGINT arrives.

    uvicorn runs the lifespan shutdown only after it has drained the open requests; the
    signal comes before that. Its own handlers (installed before the lifespan starts) are
    wrapped, not replaced: they still run, right after the flag is set. Only a callable
    handler is wrapped (the default or an ignored signal is left alone), only in the main
    thread (where signal handlers live); the returned function puts the previous handlers
    back.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    wrapped: dict[int, tuple[Any, Any]] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        if not callable(previous):
            continue

        def on_signal(number: int, frame: Any, previous: Any = previous) -> None:
            lifecycle.shutting_down = True
            previous(number, frame)

        signal.signal(signum, on_signal)
        wrapped[signum] = (previous, on_signal)

    def restore() -> None:
        for signum, (previous, ours) in wrapped.items():
            if signal.getsignal(signum) is ours:
                signal.signal(signum, previous)

    return restore
