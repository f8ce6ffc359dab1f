"""Development helpers outside GraphQL: ``GET /dev/outbox`` (404 in production).

``/dev/outbox`` lists the emails the service has queued, newest first, as JSON objects
``{to, subject, text, links, sentAt}`` (``sentAt`` is null until an SMTP server accepted
the message), so that people trying the API, and tests, can follow confirmation and
reset links. ``?to=<address>`` keeps one recipient's emails (case-insensitive);
``?limit=`` (default 100, at most 500) caps the list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from app.runtime import Runtime
from domain.accounts import OutboxEmail
from domain.notifications import SmsOutbox

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def _limit(value: str | None) -> int:
    try:
        return max(1, min(int(value), MAX_LIMIT)) if value else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


def outbox_endpoint(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    """The ``GET /dev/outbox`` endpoint of ``runtime`` (development mode only)."""

    async def outbox(request: Request) -> Response:
        if runtime.settings.is_production:
            return PlainTextResponse("Not Found", status_code=404)
        query = (
            select(OutboxEmail)
            .order_by(OutboxEmail.id.desc())
            .limit(_limit(request.query_params.get("limit")))
        )
        to = request.query_params.get("to")
        if to:
            query = query.where(func.lower(OutboxEmail.to_address) == to.strip().lower())
        async with runtime.sessions() as db:
            rows = (await db.execute(query)).scalars().all()
        return JSONResponse(
            [
                {
                    "to": row.to_address,
                    "subject": row.subject,
                    "text": row.text,
                    "links": list(row.links or []),
                    "sentAt": row.sent_at.isoformat() if row.sent_at else None,
                }
                for row in rows
            ]
        )

    return outbox


def sms_outbox_endpoint(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    """``GET /dev/sms-outbox``: the text messages queued, newest first, like ``/dev/outbox``
    (``?to=<number>``, ``?limit=``); the development SMS provider is this outbox."""

    async def outbox(request: Request) -> Response:
        if runtime.settings.is_production:
            return PlainTextResponse("Not Found", status_code=404)
        query = (
            select(SmsOutbox).order_by(SmsOutbox.id.desc()).limit(_limit(request.query_params.get("limit")))
        )
        to = request.query_params.get("to")
        if to:
            query = query.where(SmsOutbox.to_number == to.strip())
        async with runtime.sessions() as db:
            rows = (await db.execute(query)).scalars().all()
        return JSONResponse(
            [
                {
                    "to": row.to_number,
                    "text": row.text,
                    "sentAt": row.sent_at.isoformat() if row.sent_at else None,
                }
                for row in rows
            ]
        )

    return outbox
