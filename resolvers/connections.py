"""Resolving a connection: page rows, whether another page exists, and the total count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from resolvers.context import Context
from resolvers.pagination import PageKey, decode_cursor, encode_cursor, page_size


@dataclass(frozen=True)
class Page:
    """Rows of one page, newest first, each with its cursor."""

    key: PageKey
    rows: Sequence[tuple[str, Any]]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.rows[-1][0] if self.rows else None


async def load_page(
    ctx: Context,
    kind: str,
    customer_id: int,
    *,
    statuses: list[Any] | None,
    first: int | None,
    after: str | None,
    issued_from: date | None = None,
    issued_to: date | None = None,
) -> Page:
    """One page of a customer's contracts or invoices (of the locations of use within the
    viewer's access: a program's API token may be limited to some)."""
    access = await ctx.loaders.access_by_customer_id.load(customer_id)
    locations = None if access is None or access.location_ids is None else tuple(sorted(access.location_ids))
    key = PageKey(
        kind=kind,
        customer_id=customer_id,
        statuses=None if statuses is None else tuple(sorted({str(s.value) for s in statuses})),
        issued_from=issued_from,
        issued_to=issued_to,
        first=page_size(first),
        after=decode_cursor(after),
        location_ids=locations,
    )
    rows = await ctx.loaders.page.load(key)
    sort_attr = "valid_from" if kind == "contracts" else "issued_on"
    shown = rows[: key.first]
    return Page(
        key=key,
        rows=[(encode_cursor(getattr(r, sort_attr), r.id), r) for r in shown],
        has_next_page=len(rows) > key.first,
    )


async def total_count(ctx: Context, key: PageKey) -> int:
    """How many rows the list has with its filters, on every page."""
    return await ctx.loaders.total_count.load(key)
