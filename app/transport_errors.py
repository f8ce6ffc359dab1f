"""The one shape of every failure outside a GraphQL result: JSON with a code and the request ID.

``{"errors": [{"message": ..., "extensions": {"code": ..., "requestId": ...}}]}``, the
same shape as GraphQL errors, so a client reads a refused body, a broken multipart
request, an unreachable database and a bug the same way (API.md, "Conventions").
``failure_response`` maps an exception that escaped everything else to its answer:
413 for a body over the limit, 503 with ``Retry-After`` when a dependency cannot be
reached (``resolvers.errors.is_unavailable``), 500 for the rest.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Scope

from resolvers.errors import is_unavailable

#: Seconds a client is told to wait after a 503 (a pool timeout is 2-5 s; a restart longer).
RETRY_AFTER_SECONDS = 5

BAD_REQUEST = "BAD_REQUEST"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


def request_id_of(scope: Scope) -> str:
    """The request ID the Guard gave this request ("" outside it)."""
    return str(scope.get("state", {}).get("request_id", ""))


def error_response(
    status: int,
    code: str,
    message: str,
    request_id: str,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A transport failure as JSON."""
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS), **(headers or {})}
    body = {
        "errors": [{"message": message, "extensions": {"code": code, "requestId": request_id, **extensions}}]
    }
    return JSONResponse(body, status, headers=headers)


class BodyTooLarge(Exception):
    """A request body (without a declared length) grew past the limit while it was read."""

    def __init__(self, limit_text: str) -> None:
        super().__init__(f"The request body is larger than {limit_text}.")
        self.message = str(self)


def unavailable_response(request_id: str) -> JSONResponse:
    return error_response(
        503,
        SERVICE_UNAVAILABLE,
        "The service is temporarily unavailable; try again shortly.",
        request_id,
    )


def failure_response(exc: BaseException, request_id: str) -> JSONResponse:
    """The answer to an exception that no one else answered."""
    if isinstance(exc, BodyTooLarge):
        return error_response(413, BAD_REQUEST, exc.message, request_id)
    if is_unavailable(exc):
        return unavailable_response(request_id)
    return error_response(500, INTERNAL_SERVER_ERROR, "Internal server error.", request_id)
