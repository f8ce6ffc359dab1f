"""The consumption export (issue 17, part 5): a series as CSV, streamed a month at a time.

One row per point of the series (``consumption_series``; a year of quarter-hours is 35,040
rows, a DST day 92 or 100), after a header row of column names in the language asked:
local start with its UTC offset, UTC start, kWh, quality (the API's code: ``MEASURED``,
``ESTIMATED``, ``MISSING``), unit price (c/kWh) and cost (EUR) as the series gives them
(empty where it gives null). Numbers are written with a decimal point or a decimal comma;
with a comma the fields are separated by semicolons (what spreadsheets expect where the
comma is the decimal separator), with a point by commas. The text is UTF-8 with a byte
order mark (so that spreadsheets read the Nordic letters of the header) and CRLF line
ends (RFC 4180).

The file is never built whole: the rows of ``QUARTER_HOUR`` and ``HOUR`` series are read
and written one calendar month at a time (each month a series of its own, 3-4 statements),
so memory stays that of one month whatever the range; coarser series have at most 3,660
points and are read at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, timedelta

from domain.base import Language, Resolution, StrEnum
from domain.customers import LocationOfUse
from domain.reporting.limits import validate_range
from domain.reporting.metering import check_resolution, quarter_hour_metering_from
from domain.reporting.results import SeriesPoints
from domain.reporting.series import consumption_series
from domain.reporting.sql import Connect, Db
from domain.texts import N_, text


class ExportFormat(StrEnum):
    """File formats of the consumption export."""

    CSV = "CSV"


class DecimalSeparator(StrEnum):
    """How numbers are written in an export."""

    POINT = "POINT"
    COMMA = "COMMA"


CSV_CONTENT_TYPE = "text/csv"
_BOM = "\ufeff"
_COLUMNS = (
    N_("export.column.local_start"),
    N_("export.column.utc_start"),
    N_("export.column.kwh"),
    N_("export.column.quality"),
    N_("export.column.unit_price"),
    N_("export.column.cost"),
)


def default_separator(language: Language) -> DecimalSeparator:
    """The decimal separator of ``language``: a comma in Finnish and Swedish, a point in English."""
    return DecimalSeparator.POINT if language is Language.EN else DecimalSeparator.COMMA


def export_filename(
    metering_point: str, first: date, last: date, resolution: Resolution, language: Language
) -> str:
    return text(
        "export.filename",
        language,
        metering_point=metering_point,
        first=first.isoformat(),
        last=last.isoformat(),
        resolution=resolution.value.lower().replace("_", "-"),
    )


async def check_export(
    db: Db, location: LocationOfUse, first: date, last: date, resolution: Resolution
) -> None:
    """Refuse (``ReportingInputError``) what the series would refuse: the range limits, and a
    resolution finer than the location's readings (at most one statement)."""
    validate_range(first, last, resolution)
    if resolution is Resolution.QUARTER_HOUR:
        check_resolution(location, first, resolution, await quarter_hour_metering_from(db, location))


def export_pieces(first: date, last: date, resolution: Resolution) -> list[tuple[date, date]]:
    """The ranges read one after another: calendar months for QUARTER_HOUR and HOUR (cut by
    the range), the whole range otherwise."""
    if resolution not in (Resolution.QUARTER_HOUR, Resolution.HOUR):
        return [(first, last)]
    out: list[tuple[date, date]] = []
    start = first
    while start <= last:
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((start, min(last, following - timedelta(days=1))))
        start = following
    return out


def header(language: Language, separator: DecimalSeparator) -> str:
    """The header row (with the byte order mark that starts the file)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=_delimiter(separator), lineterminator="\r\n")
    writer.writerow([text(column, language) for column in _COLUMNS])
    return _BOM + buffer.getvalue()


def _delimiter(separator: DecimalSeparator) -> str:
    return ";" if separator is DecimalSeparator.COMMA else ","


def rows(points: SeriesPoints, separator: DecimalSeparator) -> str:
    """The CSV rows of ``points``."""
    comma = separator is DecimalSeparator.COMMA

    def number(value: str | None) -> str:
        if value is None:
            return ""
        return value.replace(".", ",") if comma else value

    starts = points.start
    local = starts.isoformats() if hasattr(starts, "isoformats") else [s.isoformat() for s in starts]
    utc = [s.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for s in starts]
    kwh = [None if k is None else f"{k:.3f}" for k in points.kwh]
    unit_prices = points.unit_price
    costs = points.cost
    unit_texts = unit_prices.texts() if hasattr(unit_prices, "texts") else [_plain(v) for v in unit_prices]
    cost_texts = costs.texts() if hasattr(costs, "texts") else [_plain(v) for v in costs]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=_delimiter(separator), lineterminator="\r\n")
    writer.writerows(
        (a, b, number(k), q.value, number(u), number(c))
        for a, b, k, q, u, c in zip(local, utc, kwh, points.quality, unit_texts, cost_texts, strict=True)
    )
    return buffer.getvalue()


def _plain(value: object) -> str | None:
    return None if value is None else str(value)


async def export_csv(
    connect: Connect,
    location: LocationOfUse,
    first: date,
    last: date,
    resolution: Resolution,
    *,
    customer_id: int,
    cutover: date,
    today: date,
    vat_included: bool = True,
    language: Language,
    separator: DecimalSeparator,
) -> AsyncIterator[bytes]:
    """The CSV of the series, in UTF-8 pieces: the header with the first month's rows (or the
    whole range's), then a month at a time. A refused range or resolution raises
    ``ReportingInputError`` before the first piece."""
    validate_range(first, last, resolution)
    start = header(language, separator)
    for piece_first, piece_last in export_pieces(first, last, resolution):
        series = await consumption_series(
            connect,
            location,
            piece_first,
            piece_last,
            resolution,
            customer_id=customer_id,
            cutover=cutover,
            today=today,
            vat_included=vat_included,
        )
        yield (start + rows(series.points, separator)).encode()
        start = ""
