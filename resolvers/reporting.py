"""Reads of the reporting section (SPEC 7): consumption series, trend, peers, invoice estimate.

The customer field that asks is guarded by ``@requiresAccess(REPORTING, READ)``; here the
location of use is resolved through that customer (another customer's location, or one
outside an API token's locations, is ``NOT_FOUND``, exactly like one that does not
exist), and the domain rules of
``domain.reporting`` run, each read in its own short read-only connection so that reads resolved
concurrently never share one.

A series and what is read beside it (the end of the data, the previous period and the
same period last year with their costs, similar locations, the temperatures) do not depend
on one another, so the reads of the parts the query selects start together with the
series' own (``Ahead``) instead of after its points are done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain import reporting
from domain.base import Resolution
from domain.customers import LocationOfUse
from resolvers.context import Context
from resolvers.errors import CodedError, ErrorCode, not_found
from resolvers.ids import pk_of

#: Parts of a series read beside it when the query selects them (``consumption_series``).
DATA_AVAILABLE_UNTIL = "data_available_until"
PREVIOUS_PERIOD = "previous_period"
PREVIOUS_PERIOD_COST = "previous_period_cost"
SAME_PERIOD_LAST_YEAR = "same_period_last_year"
SAME_PERIOD_LAST_YEAR_COST = "same_period_last_year_cost"
SIMILAR_LOCATIONS = "similar_locations"
#: The daily mean temperatures of the series' days (``domain.reporting.fetch_temperatures``).
TEMPERATURES = "temperatures"


def _retrieve(task: asyncio.Future[Any]) -> None:
    """A read started ahead may end up unused (a field skipped by ``@skip``): never warn."""
    if not task.cancelled():
        task.exception()


class Ahead:
    """The reads around a series by name, each started once: ahead of the fields that need
    them (``start``), or when a field first asks (``result``)."""

    def __init__(self, reads: dict[str, Callable[[], Coroutine[Any, Any, Any]]]) -> None:
        self._reads = reads
        self._tasks: dict[str, asyncio.Future[Any]] = {}

    def start(self, name: str) -> asyncio.Future[Any]:
        task = self._tasks.get(name)
        if task is None:
            task = self._tasks[name] = asyncio.ensure_future(self._reads[name]())
            task.add_done_callback(_retrieve)
        return task

    async def result(self, name: str) -> Any:
        """What the read ``name`` gives."""
        return await self.start(name)

    def cancel(self) -> None:
        for task in self._tasks.values():
            task.cancel()


async def location_of_customer(ctx: Context, customer_id: int, location_global_id: str) -> LocationOfUse:
    """The customer's location of use with that global ID, within the viewer's locations (a
    program's API token may be limited to some); else ``NOT_FOUND``, the same as another
    customer's location or one that does not exist."""
    pk = pk_of(location_global_id, "LocationOfUse")
    if pk is None:
        raise not_found()
    location, access = await asyncio.gather(
        ctx.loaders.location_by_id.load(pk), ctx.loaders.access_by_customer_id.load(customer_id)
    )
    if location is None or location.customer_id != customer_id:
        raise not_found()
    if access is None or not access.allows_location(location.id):
        raise not_found()
    return location


async def vat_included(ctx: Context, customer_id: int) -> bool:
    """The customer's VAT basis (``reporting.vat_included_for``); the customer was loaded
    by the field that asks, so this costs no statement."""
    customer = await ctx.loaders.customer_by_id.load(customer_id)
    return customer is None or reporting.vat_included_for(customer.kind)


async def consumption_series(
    ctx: Context,
    customer_id: int,
    location_global_id: str,
    first: date,
    last: date,
    resolution: Resolution,
    *,
    ahead: Collection[str] = (),
) -> tuple[LocationOfUse, reporting.Series, Ahead]:
    """The location, its series, and its parts (``Ahead``): those named in ``ahead`` are read
    beside the series, the others when a field first asks for them.

    A refused range or resolution is ``BAD_USER_INPUT``.
    """
    location, with_vat = await asyncio.gather(
        location_of_customer(ctx, customer_id, location_global_id), vat_included(ctx, customer_id)
    )
    try:
        reporting.validate_range(first, last, resolution)
    except reporting.ReportingInputError as error:
        raise CodedError(ErrorCode.BAD_USER_INPUT, str(error)) from None
    location_id = location.id
    assert location_id is not None
    started = Ahead(
        {
            DATA_AVAILABLE_UNTIL: lambda: data_available_until(ctx, location_id),
            PREVIOUS_PERIOD: lambda: previous_period(ctx, location_id, first, last),
            PREVIOUS_PERIOD_COST: lambda: period_cost(
                ctx, location, customer_id, with_vat, *reporting.previous_range(first, last)
            ),
            SAME_PERIOD_LAST_YEAR: lambda: same_period_last_year(ctx, location_id, first, last),
            SAME_PERIOD_LAST_YEAR_COST: lambda: period_cost(
                ctx, location, customer_id, with_vat, *reporting.last_year_range(first, last)
            ),
            SIMILAR_LOCATIONS: lambda: similar_locations(ctx, location, first, last),
            TEMPERATURES: lambda: temperatures(ctx, location, first, last),
        }
    )
    for name in ahead:
        started.start(name)
    try:
        series = await reporting.consumption_series(
            ctx.read_connections,
            location,
            first,
            last,
            resolution,
            customer_id=customer_id,
            cutover=ctx.rules.cutover_date,
            today=ctx.today,
            vat_included=with_vat,
        )
    except BaseException as error:
        started.cancel()
        if isinstance(error, reporting.ReportingInputError):
            raise CodedError(ErrorCode.BAD_USER_INPUT, str(error)) from None
        raise
    return location, series, started


async def data_available_until(ctx: Context, location_id: int) -> datetime | None:
    """End of the location's latest reading."""
    async with ctx.read_connections() as db:
        return await reporting.data_available_until(db, location_id)


async def previous_period(
    ctx: Context, location_id: int, first: date, last: date
) -> reporting.PeriodTotal | None:
    """The same-length period just before ``first``..``last``."""
    async with ctx.read_connections() as db:
        return await reporting.previous_period(db, location_id, first, last)


async def same_period_last_year(
    ctx: Context, location_id: int, first: date, last: date
) -> reporting.PeriodTotal | None:
    """The same period a year before ``first``..``last``."""
    async with ctx.read_connections() as db:
        return await reporting.same_period_last_year(db, location_id, first, last)


async def period_cost(
    ctx: Context, location: LocationOfUse, customer_id: int, with_vat: bool, first: date, last: date
) -> Decimal | None:
    """The total cost of a comparison period, as a series of it shows it (on the same VAT basis)."""
    return await reporting.period_cost(
        ctx.read_connections,
        location,
        first,
        last,
        customer_id=customer_id,
        cutover=ctx.rules.cutover_date,
        today=ctx.today,
        vat_included=with_vat,
    )


async def temperatures(ctx: Context, location: LocationOfUse, first: date, last: date) -> dict[date, int]:
    """The daily mean temperatures (tenths of a degree) of the location's grid area: one statement."""
    async with ctx.read_connections() as db:
        return await reporting.fetch_temperatures(db, location.grid_operator_id, first, last)


async def similar_locations(
    ctx: Context, location: LocationOfUse, first: date, last: date
) -> reporting.PeerComparison | None:
    """The location among similar ones for ``first``..``last`` (None under 20 peers)."""
    async with ctx.read_connections() as db:
        return await reporting.similar_locations(db, location, first, last, today=ctx.today)


async def next_invoice_estimate(
    ctx: Context, customer_id: int, location_global_id: str
) -> reporting.InvoiceEstimate | None:
    """The estimate of the location's current billing period, in the request's language and
    the customer's VAT basis."""
    location, with_vat = await asyncio.gather(
        location_of_customer(ctx, customer_id, location_global_id), vat_included(ctx, customer_id)
    )
    async with ctx.read_connections() as db:
        return await reporting.next_invoice_estimate(
            db,
            location,
            customer_id=customer_id,
            cutover=ctx.rules.cutover_date,
            today=ctx.today,
            vat_included=with_vat,
            language=ctx.language.value,
        )
