"""Reads of the reporting section (SPEC 7): consumption series, trend, peers, invoice estimate.

The customer field that asks is guarded by ``@requiresAccess(REPORTING, READ)``; here the
location of use is resolved through that customer (another customer's location is
``NOT_FOUND``, exactly like one that does not exist), and the domain rules of
``domain.reporting`` run, each read in its own short session so that fields resolved
concurrently never share one.
"""

from __future__ import annotations

from datetime import date, datetime

from domain import reporting
from domain.base import Resolution
from domain.customers import LocationOfUse
from resolvers.context import Context
from resolvers.errors import bad_input, not_found
from resolvers.ids import pk_of


async def location_of_customer(ctx: Context, customer_id: int, location_global_id: str) -> LocationOfUse:
    """The customer's location of use with that global ID, else ``NOT_FOUND``."""
    pk = pk_of(location_global_id, "LocationOfUse")
    if pk is None:
        raise not_found()
    location = await ctx.loaders.location_by_id.load(pk)
    if location is None or location.customer_id != customer_id:
        raise not_found()
    return location


async def consumption_series(
    ctx: Context,
    customer_id: int,
    location_global_id: str,
    first: date,
    last: date,
    resolution: Resolution,
) -> tuple[LocationOfUse, reporting.Series]:
    """The location and its series; a refused range or resolution is ``BAD_USER_INPUT``."""
    location = await location_of_customer(ctx, customer_id, location_global_id)
    try:
        reporting.validate_range(first, last, resolution)
        async with ctx.sessions() as db:
            series = await reporting.consumption_series(
                db,
                location,
                first,
                last,
                resolution,
                customer_id=customer_id,
                cutover=ctx.rules.cutover_date,
                today=ctx.today,
            )
    except reporting.ReportingInputError as error:
        raise bad_input(str(error)) from None
    return location, series


async def data_available_until(ctx: Context, location_id: int) -> datetime | None:
    """End of the location's latest reading."""
    async with ctx.sessions() as db:
        return await reporting.data_available_until(db, location_id)


async def previous_period(ctx: Context, series: reporting.Series) -> reporting.PeriodTotal | None:
    """The same-length period just before the series."""
    async with ctx.sessions() as db:
        return await reporting.previous_period(
            db, series.location_id, series.first, series.last, series.total_wh
        )


async def similar_locations(
    ctx: Context, location: LocationOfUse, series: reporting.Series
) -> reporting.PeerComparison | None:
    """The location among similar ones for the series' period (None under 20 peers)."""
    async with ctx.sessions() as db:
        return await reporting.similar_locations(db, location, series.first, series.last, today=ctx.today)


async def next_invoice_estimate(
    ctx: Context, customer_id: int, location_global_id: str
) -> reporting.InvoiceEstimate | None:
    """The estimate of the location's current billing period, in the request's language."""
    location = await location_of_customer(ctx, customer_id, location_global_id)
    async with ctx.sessions() as db:
        return await reporting.next_invoice_estimate(
            db,
            location,
            customer_id=customer_id,
            cutover=ctx.rules.cutover_date,
            today=ctx.today,
            language=ctx.language.value,
        )
