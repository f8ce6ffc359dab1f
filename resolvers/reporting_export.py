"""``Customer.consumptionExport``: a signed URL of a CSV of a consumption series (issue 17, part 5).

The field is guarded like ``consumption`` (``REPORTING: READ``); here the location is
resolved through the customer (``NOT_FOUND`` otherwise, also outside an API token's
locations) and the range and resolution are checked as the series would check them
(``BAD_USER_INPUT``), so that a URL is issued only for an export that can run. The URL
(``/files/{token}``, ``auth.export_tokens``) is bound to the principal and lives minutes;
the download (``app.export_routes``) checks the principal's access again and streams.
"""

from __future__ import annotations

from datetime import date

from auth.export_tokens import ExportGrant, issue_export_token
from domain.base import Resolution
from domain.reporting import ReportingInputError
from domain.reporting.export import (
    CSV_CONTENT_TYPE,
    DecimalSeparator,
    ExportFormat,
    check_export,
    default_separator,
    export_filename,
)
from resolvers.context import Context
from resolvers.documents import DocumentLink
from resolvers.errors import CodedError, ErrorCode
from resolvers.reporting import location_of_customer


async def consumption_export(
    ctx: Context,
    customer_id: int,
    location_global_id: str,
    first: date,
    last: date,
    resolution: Resolution,
    export_format: ExportFormat,
    separator: DecimalSeparator | None,
) -> DocumentLink:
    """The link of the export (see the module doc)."""
    location = await location_of_customer(ctx, customer_id, location_global_id)
    assert location.id is not None and export_format is ExportFormat.CSV
    try:
        async with ctx.read_connections() as db:
            await check_export(db, location, first, last, resolution)
    except ReportingInputError as error:
        raise CodedError(ErrorCode.BAD_USER_INPUT, str(error)) from None
    principal = ctx.require_principal()
    grant = ExportGrant(
        customer_id=customer_id,
        location_id=location.id,
        first=first,
        last=last,
        resolution=resolution,
        separator=separator or default_separator(ctx.language),
        language=ctx.language,
        user_id=principal.user_id,
        api_token_id=principal.api_token_id,
    )
    token = issue_export_token(ctx.rules.signing_key, grant)
    filename = export_filename(location.metering_point_id, first, last, resolution, ctx.language)
    return DocumentLink(filename, CSV_CONTENT_TYPE, f"{ctx.rules.public_origin.rstrip('/')}/files/{token}")
