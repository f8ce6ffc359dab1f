"""The consumption export (issue 17, part 5): its enums and the resolver of ``Customer.consumptionExport``."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from domain.reporting import export
from resolvers import reporting_export as resolvers
from schema.documents import Document

ExportFormat = strawberry.enum(export.ExportFormat, description="File format of a consumption export.")
DecimalSeparator = strawberry.enum(
    export.DecimalSeparator,
    description="How numbers are written in an export: `POINT` (1.5, fields separated by commas) or "
    "`COMMA` (1,5, fields separated by semicolons).",
)


async def export_of_customer(
    info: strawberry.Info[Any, Any],
    customer_id: int,
    location_of_use_id: str,
    first: date,
    last: date,
    resolution: Any,
    export_format: Any,
    separator: Any,
) -> Document:
    link = await resolvers.consumption_export(
        info.context, customer_id, location_of_use_id, first, last, resolution, export_format, separator
    )
    return Document.from_link(link)
