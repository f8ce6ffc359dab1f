"""``GET /files/{token}`` of a consumption export: the CSV, streamed (issue 17, part 5).

The token (``auth.export_tokens``) names the export and the principal it was issued to;
the request must carry that principal's session or bearer token, and the principal must
still have ``REPORTING: READ`` on the customer and the location (a program's token
limited to some locations: one of them); else 403, and 404 for a location that is no
longer the customer's. The first month's rows are made before the response starts, so a
refusal is still a status code; the rest streams (``StreamingResponse``) a month at a
time, each month's reads on connections of their own, so neither the file nor the
series is ever held whole.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from app.runtime import Runtime
from auth.access import access_by_customer
from auth.export_tokens import ExportGrant
from auth.principal import Principal
from domain.base import AccessLevel, Section, today_helsinki
from domain.customers import Customer, LocationOfUse
from domain.reporting import ReportingInputError, vat_included_for
from domain.reporting.export import CSV_CONTENT_TYPE, export_csv, export_filename

log = logging.getLogger("energy_portal.files")


async def serve_export(
    runtime: Runtime,
    request: Request,
    grant: ExportGrant,
    principal_for: Callable[[Request], Awaitable[Principal | None]],
) -> Response:
    principal = await principal_for(request)
    if principal is None or not grant.issued_to(principal.user_id, principal.api_token_id):
        return PlainTextResponse("Forbidden.", status_code=403)
    async with runtime.sessions() as db:
        location = await db.get(LocationOfUse, grant.location_id)
        if location is None or location.customer_id != grant.customer_id:
            return PlainTextResponse("Not found.", status_code=404)
        access = (await access_by_customer(db, principal, [grant.customer_id])).get(grant.customer_id)
        customer = await db.get(Customer, grant.customer_id)
    if (
        access is None
        or not access.allows(Section.REPORTING, AccessLevel.READ)
        or not access.allows_location(location.id)
    ):
        return PlainTextResponse("Forbidden.", status_code=403)
    pieces = export_csv(
        runtime.read_connections,
        location,
        grant.first,
        grant.last,
        grant.resolution,
        customer_id=grant.customer_id,
        cutover=runtime.rules.cutover_date,
        today=today_helsinki(),
        vat_included=customer is None or vat_included_for(customer.kind),
        language=grant.language,
        separator=grant.separator,
    )
    try:
        first_piece = await anext(pieces)
    except ReportingInputError as error:
        return PlainTextResponse(str(error), status_code=400)

    async def body() -> AsyncIterator[bytes]:
        yield first_piece
        try:
            async for piece in pieces:
                yield piece
        except Exception:
            # the status is sent: the client sees a cut-off download
            log.exception("export of location %s failed while streaming", grant.location_id)
            raise

    filename = export_filename(
        location.metering_point_id, grant.first, grant.last, grant.resolution, grant.language
    )
    return StreamingResponse(
        body(),
        media_type=CSV_CONTENT_TYPE,
        headers={
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
