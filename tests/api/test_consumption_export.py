"""The consumption export (issue 17, part 5): the client's ConsumptionExport operation, the
signed URL and its checks at download, the CSV's rows, separators and languages, refusals,
and memory that stays flat while a year of quarter-hours streams."""

from __future__ import annotations

import csv
import io
import itertools
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
import pytest

from app.http import build_app
from domain.base import Language, Resolution, today_helsinki
from domain.reporting.export import DecimalSeparator, export_csv, export_pieces, rows
from domain.reporting.results import SeriesPoints
from tests.api.test_consumption import maija_places
from tests.conftest import count_statements, gql, login, operation
from tests.domain.conftest import maija  # noqa: F401  (the fixture)

EXPORT = operation("ConsumptionExport")
CONSUMPTION = operation("Consumption")
YEAR = (date(2026, 1, 1), date(2026, 12, 31))  # a common year of the apartment's quarter-hours
SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)


def export_variables(ids: dict, place: str, first: date, last: date, resolution: str, decimal=None) -> dict:
    values = {
        "customerId": ids["customer"],
        "locationOfUseId": ids[place],
        "from": first.isoformat(),
        "to": last.isoformat(),
        "resolution": resolution,
    }
    if decimal is not None:
        values["decimal"] = decimal
    return values


async def export_link(client, values: dict, **headers: str) -> dict:
    result = await gql(client, EXPORT, values, **headers)
    assert result.errors == [], result.errors
    return result.data["customer"]["consumptionExport"]


async def download(client, url: str) -> httpx.Response:
    return await client.get(urlsplit(url).path)


def parse(body: bytes, delimiter: str) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    text_value = body.decode("utf-8")[1:]
    assert "\r\n" in text_value and "\n" not in text_value.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text_value, newline=""), delimiter=delimiter))


async def test_a_month_of_hours_in_finnish_matches_the_series(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    link = await export_link(client, export_variables(ids, "apartment", first, last, "HOUR"))
    assert link["contentType"] == "text/csv"
    assert link["filename"].startswith("kulutus-") and link["filename"].endswith(
        "-2026-10-01-2026-10-31-hour.csv"
    )
    assert link["url"].startswith("http://testserver/files/")
    response = await download(client, link["url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "private, no-store"
    table = parse(response.content, ";")
    assert table[0] == [
        "Alku (Suomen aika)",
        "Alku (UTC)",
        "Kulutus (kWh)",
        "Laatu",
        "Energian hinta (snt/kWh)",
        "Energiakustannus (EUR)",
    ]
    body = table[1:]
    assert len(body) == 31 * 24 + 1  # October has the autumn DST change
    # the rows are the series' points, numbers with a decimal comma
    series = await gql(client, CONSUMPTION, {k: v for k, v in link_values(ids, first, last).items()})
    points = series.data["customer"]["consumption"]["points"]
    assert len(points) == len(body)
    for row, point in zip(body, points, strict=True):
        assert row[0] == point["start"]
        start = datetime.fromisoformat(point["start"])
        assert row[1] == start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert row[2] == ("" if point["kwh"] is None else f"{point['kwh']:.3f}".replace(".", ","))
        assert row[3] == point["quality"]
        assert row[4] == ("" if point["unitPrice"] is None else point["unitPrice"].replace(".", ","))
        assert row[5] == ("" if point["cost"] is None else point["cost"].replace(".", ","))
    assert any(row[2] and "," in row[2] for row in body)
    assert not any("." in value for row in body for value in row[2:])
    utc = [datetime.fromisoformat(row[1]) for row in body]
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(utc))


def link_values(ids: dict, first: date, last: date) -> dict:
    return {
        "customerId": ids["customer"],
        "locationOfUseId": ids["apartment"],
        "from": first.isoformat(),
        "to": last.isoformat(),
        "resolution": "HOUR",
    }


async def test_english_uses_a_point_and_commas_unless_asked_otherwise(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    first, last = date(2025, 1, 1), date(2025, 12, 31)
    english = {"accept-language": "en"}
    link = await export_link(client, export_variables(ids, "cottage", first, last, "MONTH"), **english)
    assert link["filename"] == link["filename"].replace("kulutus", "consumption")
    assert link["filename"].startswith("consumption-")
    table = parse((await download(client, link["url"])).content, ",")
    assert table[0][:3] == ["Start (Finnish time)", "Start (UTC)", "Consumption (kWh)"]
    assert len(table) == 13
    assert all("," not in value for row in table[1:] for value in row)
    assert sum(Decimal(row[2]) for row in table[1:]) > 0
    # asked for a comma, in English
    link = await export_link(
        client, export_variables(ids, "cottage", first, last, "MONTH", "COMMA"), **english
    )
    comma = parse((await download(client, link["url"])).content, ";")
    assert comma[0][0] == "Start (Finnish time)"
    assert [row[2] for row in comma[1:]] == [row[2].replace(".", ",") for row in table[1:]]
    # Swedish defaults to a comma; asked for a point, a point
    swedish = {"accept-language": "sv"}
    link = await export_link(client, export_variables(ids, "cottage", first, last, "MONTH"), **swedish)
    assert parse((await download(client, link["url"])).content, ";")[0][0] == "Början (finsk tid)"
    link = await export_link(
        client, export_variables(ids, "cottage", first, last, "MONTH", "POINT"), **swedish
    )
    point = parse((await download(client, link["url"])).content, ",")
    assert [row[2] for row in point[1:]] == [row[2] for row in table[1:]]


async def test_a_year_of_quarter_hours_has_a_row_per_quarter_hour(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    link = await export_link(client, export_variables(ids, "apartment", *YEAR, "QUARTER_HOUR"))
    response = await download(client, link["url"])
    assert response.status_code == 200
    table = parse(response.content, ";")
    body = table[1:]
    assert len(body) == 35_040
    per_day: dict[str, int] = {}
    for row in body:
        per_day[row[0][:10]] = per_day.get(row[0][:10], 0) + 1
    assert len(per_day) == 365
    assert per_day[SPRING.isoformat()] == 92 and per_day[AUTUMN.isoformat()] == 100
    assert {n for day, n in per_day.items() if day not in (SPRING.isoformat(), AUTUMN.isoformat())} == {96}
    utc = [datetime.fromisoformat(row[1]) for row in body]
    assert utc[0] == datetime(2025, 12, 31, 22, tzinfo=UTC)
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(utc))
    # the autumn day's repeated hour: the same local clock with both offsets
    autumn = [row[0] for row in body if row[0].startswith(AUTUMN.isoformat())]
    assert "2026-10-25T03:00:00+03:00" in autumn and "2026-10-25T03:00:00+02:00" in autumn


async def test_the_url_opens_only_for_its_user_with_access(client, runtime, monkeypatch) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    first = last = today_helsinki() - timedelta(days=1)
    link = await export_link(client, export_variables(ids, "apartment", first, last, "HOUR"))
    path = urlsplit(link["url"]).path
    transport = httpx.ASGITransport(app=build_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert (await other.get(path)).status_code == 403  # no session
        await login(other, "matti")  # a delegate with REPORTING: a URL of his own works, not Maija's
        assert (await other.get(path)).status_code == 403
        own = await export_link(other, export_variables(ids, "apartment", first, last, "HOUR"))
        assert (await download(other, own["url"])).status_code == 200
    assert (await client.get(path[:-3] + "abc")).status_code == 404  # tampered
    # access is checked again at download: without REPORTING the URL is refused
    import app.export_routes

    async def no_access(db, principal, customer_ids):
        return {}

    monkeypatch.setattr(app.export_routes, "access_by_customer", no_access)
    assert (await client.get(path)).status_code == 403
    monkeypatch.undo()
    assert (await client.get(path)).status_code == 200


async def test_refusals_are_coded_and_issue_no_url(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    yesterday = today_helsinki() - timedelta(days=1)
    cases = [
        (export_variables(ids, "cottage", yesterday, yesterday, "QUARTER_HOUR"), "BAD_USER_INPUT"),
        (
            export_variables(ids, "apartment", date(2025, 9, 1), date(2025, 10, 5), "QUARTER_HOUR"),
            "BAD_USER_INPUT",
        ),
        (export_variables(ids, "cottage", yesterday, yesterday - timedelta(days=2), "DAY"), "BAD_USER_INPUT"),
        (
            export_variables(ids, "cottage", yesterday - timedelta(days=400), yesterday, "HOUR"),
            "BAD_USER_INPUT",
        ),
        (export_variables(ids, "cottage", date(1999, 12, 31), date(2000, 1, 2), "DAY"), "BAD_USER_INPUT"),
        (
            {**export_variables(ids, "cottage", yesterday, yesterday, "DAY"), "locationOfUseId": "bm9wZQ=="},
            "NOT_FOUND",
        ),
        (
            {
                **export_variables(ids, "cottage", yesterday, yesterday, "DAY"),
                "locationOfUseId": ids["customer"],
            },
            "NOT_FOUND",
        ),
    ]
    for values, code in cases:
        result = await gql(client, EXPORT, values)
        assert result.codes() == [code], (values, result)
        assert result.data == {"customer": {"id": ids["customer"], "consumptionExport": None}}
    # an unknown format or separator is a document error, never a 500
    day = export_variables(ids, "cottage", yesterday, yesterday, "DAY")
    result = await gql(client, EXPORT.replace("format: CSV", "format: PDF"), day)
    assert result.codes() == ["BAD_USER_INPUT"], result
    result = await gql(client, EXPORT, {**day, "decimal": "SEMICOLON"})
    assert result.codes() == ["BAD_USER_INPUT"], result


async def test_liisa_gets_no_url_for_maijas_location(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    await login(client, "liisa")
    yesterday = today_helsinki() - timedelta(days=1)
    result = await gql(client, EXPORT, export_variables(ids, "cottage", yesterday, yesterday, "DAY"))
    assert result.codes() == ["NOT_FOUND"]


async def test_issuing_a_url_costs_the_same_statements_whatever_the_range(client, runtime) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    counts = set()
    requested = []
    for first, last, resolution in (
        (date(2026, 1, 1), date(2026, 1, 1), "QUARTER_HOUR"),
        (*YEAR, "QUARTER_HOUR"),
    ):
        with count_statements(runtime) as statements:
            result = await gql(client, EXPORT, export_variables(ids, "apartment", first, last, resolution))
        assert result.errors == []
        counts.add(len(statements))
        requested.append(result.extensions["cost"]["requested"])
    assert len(counts) == 1 and max(counts) <= 8, counts
    # the cost of the field follows the rows its download makes (35,040 x 6 values / 100)
    assert requested[1] - requested[0] == pytest.approx(35_040 * 6 / 100 - 96 * 6 / 100, abs=2)


def test_pieces_are_calendar_months_for_intervals_and_the_range_otherwise() -> None:
    pieces = export_pieces(date(2025, 12, 15), date(2026, 2, 3), Resolution.QUARTER_HOUR)
    assert pieces == [
        (date(2025, 12, 15), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 3)),
    ]
    assert export_pieces(date(2020, 1, 1), date(2026, 2, 3), Resolution.DAY) == [
        (date(2020, 1, 1), date(2026, 2, 3))
    ]


def test_rows_leave_unknown_values_empty() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC).astimezone()
    from domain.consumption import ReadingQuality

    points = SeriesPoints(
        [start, start],
        [None, None],
        [None, None],
        [None, None],
        [ReadingQuality.MISSING, ReadingQuality.NO_CONTRACT],
    )
    missing, no_contract = csv.reader(io.StringIO(rows(points, DecimalSeparator.COMMA)), delimiter=";")
    assert missing[2:] == ["", "MISSING", "", ""]
    assert no_contract[2:] == ["", "NO_CONTRACT", "", ""]  # outside the contracts (issue 17, part 3)


async def _streamed_peak(runtime, location, customer_id: int, first: date, last: date) -> tuple[int, int]:
    """(peak traced bytes, bytes streamed) of exporting ``first``..``last`` of quarter-hours."""
    pieces = export_csv(
        runtime.read_connections,
        location,
        first,
        last,
        Resolution.QUARTER_HOUR,
        customer_id=customer_id,
        cutover=runtime.rules.cutover_date,
        today=today_helsinki(),
        language=Language.FI,
        separator=DecimalSeparator.COMMA,
    )
    size = 0
    tracemalloc.start()
    try:
        async for piece in pieces:
            size += len(piece)
            del piece
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


async def test_memory_stays_flat_while_a_year_streams(runtime, maija) -> None:  # noqa: F811
    location, customer_id = maija["apartment"], maija["customer_id"]
    month = (date(2026, 1, 1), date(2026, 1, 31))
    # warm-up: the bounded caches (day texts, statements, tariffs) fill on a first year
    await _streamed_peak(runtime, location, customer_id, *YEAR)
    month_peak, month_size = await _streamed_peak(runtime, location, customer_id, *month)
    year_peak, year_size = await _streamed_peak(runtime, location, customer_id, *YEAR)
    print(
        f"\nmonth: {month_size:,} bytes, peak {month_peak:,}; year: {year_size:,} bytes, peak {year_peak:,}"
    )
    assert year_size > 11 * month_size
    # a year of quarter-hours streams in about the memory of its first month (measured: the
    # same ~2.3 MB), never in what its whole series or file would take
    assert year_peak < 1.5 * month_peak
