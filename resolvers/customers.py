"""Reads of customers and the viewer's customers, through the access decisions of ``auth``."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from auth.access import CustomerAccess, access_by_customer, viewer_order
from domain.customers import Customer
from domain.users import User
from resolvers.context import Context
from resolvers.errors import not_found
from resolvers.ids import pk_of


async def viewer_user(ctx: Context) -> User | None:
    """The signed-in user, or ``None`` (also for a program with a personal API token: it is
    no user, and reaches its customer through ``customer(id:)`` and ``node``)."""
    if ctx.principal is None or ctx.principal.api_token is not None:
        return None
    return await ctx.loaders.user_by_id.load(ctx.principal.user_id)


async def viewer_customers(ctx: Context) -> list[tuple[Customer, CustomerAccess]]:
    """The viewer's customers: own first, then delegated, then managed.

    Read once per request: ``Viewer.customers`` and ``bulletins`` (which picks the
    audiences from them) resolve side by side on the Dashboard and share one read.
    """
    pending = ctx.once.get("viewer_customers")
    if pending is None:
        pending = ctx.once["viewer_customers"] = asyncio.ensure_future(_read_viewer_customers(ctx))
    return await asyncio.shield(pending)


async def _read_viewer_customers(ctx: Context) -> list[tuple[Customer, CustomerAccess]]:
    async with ctx.sessions() as db:
        accesses = await access_by_customer(db, ctx.principal, None, ctx.today)
        if not accesses:
            return []
        rows = (await db.execute(select(Customer).where(Customer.id.in_(list(accesses))))).scalars().all()
    by_id = {row.id: row for row in rows}
    await ctx.loaders.activate_pending_grants(accesses.values())
    for access in accesses.values():
        ctx.loaders.access_by_customer_id.prime(access.customer_id, access)
    return [(by_id[a.customer_id], a) for a in viewer_order(accesses.values()) if a.customer_id in by_id]


async def customer_by_global_id(ctx: Context, global_id: str) -> tuple[Customer, CustomerAccess]:
    """A customer the viewer has any access to; else ``NOT_FOUND`` (existence is not revealed)."""
    ctx.require_principal()
    pk = pk_of(global_id, "Customer")
    if pk is None:
        raise not_found()
    # Both reads side by side; the customer row is only returned when access allows it.
    access, customer = await asyncio.gather(
        ctx.loaders.access_by_customer_id.load(pk), ctx.loaders.customer_by_id.load(pk)
    )
    if access is None or customer is None:
        raise not_found()
    return customer, access
