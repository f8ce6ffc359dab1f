"""Keyset pagination of the customer connections (contracts, invoices), batched per request.

A page is keyed by ``PageKey``; all keys of a batch that share their filters run as one
windowed query (``row_number() OVER (PARTITION BY customer_id ...)``), so the number of
statements does not grow with the number of customers or rows. Cursors hold the sort key
of the row, so they stay valid when new rows arrive.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.contracts import Contract, ContractStatus, contract_status_condition
from domain.invoices import Invoice, InvoiceStatus, invoice_status_condition
from resolvers.errors import bad_input

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageKey:
    """One page of one customer's list: which list, filters, size and position."""

    kind: str  # "contracts" | "invoices"
    customer_id: int
    statuses: tuple[str, ...] | None
    issued_from: date | None
    issued_to: date | None
    first: int
    after: tuple[str, int] | None
    #: Only rows of these locations of use (an API token limited to some); ``None``: all.
    location_ids: tuple[int, ...] | None = None

    def filters(self) -> tuple[Any, ...]:
        return (
            self.kind,
            self.statuses,
            self.issued_from,
            self.issued_to,
            self.first,
            self.after,
            self.location_ids,
        )

    def count_filters(self) -> tuple[Any, ...]:
        """The filters ``totalCount`` depends on (not the page or the cursor)."""
        return (self.kind, self.statuses, self.issued_from, self.issued_to, self.location_ids)


def page_size(first: int | None) -> int:
    """``first`` defaults to 20 and is capped at 100; a negative one is bad input."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0:
        raise bad_input("errors.negative_first")
    return min(first, MAX_PAGE_SIZE)


def encode_cursor(sort_value: date, pk: int) -> str:
    """An opaque cursor holding the row's sort key."""
    raw = json.dumps([sort_value.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, int] | None:
    """The sort key of a cursor; a malformed cursor is bad input."""
    if cursor is None:
        return None
    try:
        if len(cursor) > 100:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        date.fromisoformat(value)
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError
    except (ValueError, TypeError, json.JSONDecodeError):
        raise bad_input("errors.bad_cursor") from None
    return value, pk


def _list_spec(key: PageKey, today: date, cutover: date) -> tuple[Any, Any, list[ColumnElement[bool]]]:
    """(model, sort column, filter conditions without the cursor) of a page key."""
    conditions: list[ColumnElement[bool]] = []
    if key.kind == "contracts":
        model, sort = Contract, Contract.valid_from
        if key.statuses is not None:
            conds = [contract_status_condition(ContractStatus(s), today) for s in key.statuses]
            conditions.append(or_(*conds) if conds else false())
        if key.location_ids is not None:
            conditions.append(Contract.location_of_use_id.in_(key.location_ids))
    else:
        model, sort = Invoice, Invoice.issued_on
        conditions.append(Invoice.issued_on >= cutover)
        if key.statuses is not None:
            conds = [invoice_status_condition(InvoiceStatus(s), today) for s in key.statuses]
            conditions.append(or_(*conds) if conds else false())
        if key.issued_from is not None:
            conditions.append(Invoice.issued_on >= key.issued_from)
        if key.issued_to is not None:
            conditions.append(Invoice.issued_on <= key.issued_to)
        if key.location_ids is not None:
            # An invoice belongs to its contract's location; one without a contract to none.
            of_locations = select(Contract.id).where(Contract.location_of_use_id.in_(key.location_ids))
            conditions.append(Invoice.contract_id.in_(of_locations))
    return model, sort, conditions


async def load_pages(
    db: AsyncSession,
    keys: list[PageKey],
    *,
    today: date,
    cutover: date,
    counted: dict[PageKey, int] | None = None,
) -> list[Sequence[Any]]:
    """For each key, up to ``first + 1`` rows newest first (the extra row means another page).

    A first page (no cursor) also counts its list in the same statement (a window count
    over the customer's rows): ``counted`` receives each such key's ``totalCount``, so
    that the count needs no statement of its own."""
    groups: dict[tuple[Any, ...], list[PageKey]] = defaultdict(list)
    for key in keys:
        groups[key.filters()].append(key)
    found: dict[PageKey, list[Any]] = {}
    for group in groups.values():
        sample = group[0]
        if sample.first == 0:
            found.update({k: [] for k in group})
            continue
        model, sort, conditions = _list_spec(sample, today, cutover)
        if sample.after is not None:
            after_value, after_pk = date.fromisoformat(sample.after[0]), sample.after[1]
            conditions.append(or_(sort < after_value, and_(sort == after_value, model.id < after_pk)))
        customer_ids = sorted({k.customer_id for k in group})
        rn = (
            func.row_number()
            .over(partition_by=model.customer_id, order_by=(sort.desc(), model.id.desc()))
            .label("rn")
        )
        count = sample.after is None and counted is not None
        total = func.count().over(partition_by=model.customer_id).label("rows_in_list")
        inner = (
            select(model, rn, *([total] if count else []))
            .where(model.customer_id.in_(customer_ids), *conditions)
            .subquery()
        )
        row_alias = aliased(model, inner)
        page = (
            select(row_alias, *([inner.c.rows_in_list] if count else []))
            .where(inner.c.rn <= sample.first + 1)
            .order_by(inner.c.customer_id, inner.c.rn)
        )
        per_customer: dict[int, list[Any]] = defaultdict(list)
        totals: dict[int, int] = {}
        for row, *rest in (await db.execute(page)).all():
            per_customer[row.customer_id].append(row)
            if rest:
                totals[row.customer_id] = rest[0]
        for k in group:
            found[k] = per_customer.get(k.customer_id, [])
            if count and counted is not None:
                counted[k] = totals.get(k.customer_id, 0)
    return [found[k] for k in keys]


async def count_rows(db: AsyncSession, keys: list[PageKey], *, today: date, cutover: date) -> list[int]:
    """``totalCount`` of each key's list (filters apply, the cursor does not)."""
    groups: dict[tuple[Any, ...], list[PageKey]] = defaultdict(list)
    for key in keys:
        groups[key.count_filters()].append(key)
    counts: dict[PageKey, int] = {}
    for group in groups.values():
        model, _sort, conditions = _list_spec(group[0], today, cutover)
        customer_ids = sorted({k.customer_id for k in group})
        result = await db.execute(
            select(model.customer_id, func.count())
            .where(model.customer_id.in_(customer_ids), *conditions)
            .group_by(model.customer_id)
        )
        by_customer = {customer_id: count for customer_id, count in result.all()}
        for k in group:
            counts[k] = by_customer.get(k.customer_id, 0)
    return [counts[k] for k in keys]
