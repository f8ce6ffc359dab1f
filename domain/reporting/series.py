"""A consumption series: its reads side by side, its points, completeness and total cost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.base import Resolution
from domain.billing import basic_fee_lines
from domain.contracts import ProductKind
from domain.customers import LocationOfUse
from domain.payments import round_cents
from domain.reporting.calendar_points import build_calendar_points, calendar_rows
from domain.reporting.interval_points import build_interval_points, fetch_hours, fetch_prices, fetch_readings
from domain.reporting.limits import validate_range
from domain.reporting.local_time import local_midnight_ts
from domain.reporting.metering import (
    Metering,
    check_resolution,
    expected_in_contracts,
    quarter_hour_metering_from,
)
from domain.reporting.results import Completeness, Series
from domain.reporting.sql import Connect
from domain.reporting.tariffs import DayLookup, TariffBook, load_tariffs


async def _concurrently(*steps: Awaitable[Any]) -> list[Any]:
    """Await ``steps`` side by side; when one fails, the others are cancelled and awaited."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def consumption_series(
    connect: Connect,
    location: LocationOfUse,
    first: date,
    last: date,
    resolution: Resolution,
    *,
    customer_id: int,
    cutover: date,
    today: date,
    vat_included: bool,
) -> Series:
    """The consumption series of ``location`` (see the module doc): 3-4 statements whatever
    the range, in sessions of their own side by side (the metering switch day, the tariffs
    then the spot prices or the grouped rollup, the readings or rollup rows). Costs and
    unit prices are with VAT when ``vat_included`` (``vat_included_for`` the customer)."""
    validate_range(first, last, resolution)
    location_id = location.id
    assert location_id is not None
    interval = resolution in (Resolution.QUARTER_HOUR, Resolution.HOUR)
    # One point per reading: quarter-hours, and hours of a location metered hourly.
    single = (
        resolution is Resolution.QUARTER_HOUR or location.metering_resolution is not Resolution.QUARTER_HOUR
    )
    t0 = local_midnight_ts(first)
    t1 = local_midnight_ts(last + timedelta(days=1))

    async def switch_day() -> date | None:
        if location.metering_resolution is not Resolution.QUARTER_HOUR:
            return None
        async with connect() as db:
            return await quarter_hour_metering_from(db, location)

    async def tariffs() -> tuple[TariffBook, DayLookup, Any]:
        async with connect() as db:
            book = await load_tariffs(db, location_id, customer_id, cutover, vat_included=vat_included)
            lookup = book.lookup(first, last)
            extra: Any = None
            if interval:
                spot = any(t is not None and t.kind is ProductKind.SPOT for t in lookup.tariffs)
                extra = await fetch_prices(db, t0 - 3600, t1 + 3600) if spot and single else None
            elif resolution is not Resolution.DAY:
                extra = await calendar_rows(db, location_id, first, last, resolution, lookup.segments)
            return book, lookup, extra

    async def rows() -> Any:
        async with connect() as db:
            if interval:
                return await (fetch_readings if single else fetch_hours)(db, location_id, t0, t1)
            return await calendar_rows(db, location_id, first, last, Resolution.DAY, [])

    steps: list[Awaitable[Any]] = [switch_day(), tariffs()]
    if interval or resolution is Resolution.DAY:
        steps.append(rows())
    quarter_from, (book, lookup, extra), *fetched = await _concurrently(*steps)
    check_resolution(location, first, resolution, quarter_from)
    metering = Metering(location, quarter_from)
    if interval:
        step = 900 if resolution is Resolution.QUARTER_HOUR else 3600
        built = build_interval_points(
            fetched[0],
            single=single,
            prices=extra,
            t0=t0,
            step=step,
            count=(t1 - t0) // step,
            lookup=lookup,
            metering=metering,
        )
    else:
        built = build_calendar_points(
            fetched[0] if fetched else extra, first, last, resolution, lookup, metering, today
        )
    points, total_wh, acc, measured, estimated = built
    # readings are expected only while a contract is in force
    expected = expected_in_contracts(
        first, min(last, today - timedelta(days=1)), metering, lookup.covered_pieces()
    )
    completeness = Completeness(
        expected=expected,
        measured=measured,
        estimated=estimated,
        missing=max(0, expected - measured - estimated),
    )
    total_cost = None
    if not acc.unpriced:
        fees = _basic_fees(book, first, min(last, today - timedelta(days=1)))
        total_cost = round_cents(Decimal(acc.units).scaleb(-13) + fees)
    return Series(
        location_id=location_id,
        resolution=resolution,
        first=first,
        last=last,
        points=points,
        total_wh=total_wh,
        total_cost=total_cost,
        completeness=completeness,
        vat_included=vat_included,
    )


def _basic_fees(book: TariffBook, first: date, last: date) -> Decimal:
    """Basic fees of ``first``..``last`` (pro rata per month, as invoiced), with VAT when the
    book's are."""
    total = Decimal("0.00")
    start = max(first, book.cutover)
    for contract in book.contracts:
        piece_start = max(start, contract.valid_from)
        piece_end = last if contract.valid_until is None else min(last, contract.valid_until)
        if piece_end < piece_start:
            continue
        components = sorted(contract.components, key=lambda c: c.valid_from)
        total += sum(
            (
                line.amount_incl_vat if book.vat_included else line.amount_excl_vat
                for line in basic_fee_lines(components, piece_start, piece_end)
            ),
            Decimal("0.00"),
        )
    return total
