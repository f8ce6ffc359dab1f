"""Per-request dataloaders (aiodataloader): every parent-to-child read is batched.

Each batch opens its own short session, so batches of different loaders can run
concurrently without sharing an ``AsyncSession`` between tasks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from datetime import date
from functools import cache, cached_property
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from auth.access import CustomerAccess, access_by_customer
from auth.principal import Principal
from domain.api_tokens import ApiToken
from domain.contact import EmailAddress, MessagingSettings, PhoneNumber
from domain.contracts import Contract, PriceComponent, Product
from domain.customers import AccessGrant, Customer, GridOperator, LocationOfUse
from domain.grants import activate_pending_grants
from domain.invoices import CreditNote, Invoice, InvoiceLine, Payment
from domain.messages import (
    Attachment,
    Message,
    MessageThread,
    SenderKind,
    ThreadPageKey,
    other_side,
    thread_counts,
    thread_pages,
    unread_counts,
)
from domain.users import User
from resolvers.pagination import PageKey, count_rows, load_pages

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def _loader(batch: Callable[[list[Any]], Awaitable[list[Any]]]) -> DataLoader:
    # max_batch_size keeps IN lists well inside every database's parameter limit.
    return DataLoader(batch_load_fn=batch, max_batch_size=500)


# Statements are built once per process, with bound parameters (``keys`` expanding): a
# request only executes them (building and hashing a select cost more than running it).
# They select the model's table, not the model: rows come back as Core rows, which read
# like the entities (same attribute names, the same types) without the ORM hydrating an
# object field by field (the invoices page: ~13 -> ~11.5 ms of event-loop CPU).


@cache
def _by_key_statement(model: type[Any], column: str, since: str | None) -> Select[Any]:
    table = model.__table__
    statement = select(table).where(table.c[column].in_(bindparam("keys", expanding=True)))
    if since is not None:
        statement = statement.where(table.c[since] >= bindparam("since"))
    return statement


@cache
def _grouped_statement(model: type[Any], column: str, order_by: tuple[str, ...]) -> Select[Any]:
    table = model.__table__
    return (
        select(table)
        .where(table.c[column].in_(bindparam("keys", expanding=True)))
        .order_by(*(table.c[c] for c in order_by))
    )


#: The API tokens of some customers that are not revoked, newest first (Core rows).
_API_TOKENS_OF_CUSTOMERS = (
    select(ApiToken.__table__)
    .where(
        ApiToken.customer_id.in_(bindparam("keys", expanding=True)),
        ApiToken.revoked_at.is_(None),
    )
    .order_by(ApiToken.customer_id, ApiToken.created_at.desc(), ApiToken.id.desc())
)


class Loaders:
    """The dataloaders of one request, named for what they load.

    Each is made on first use (a request needs a few of the thirty), and reads through
    ``read_sessions`` (writes go through ``sessions``).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        principal: Principal | None,
        today: date,
        cutover: date,
        read_sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self._write_sessions = sessions
        self._sessions = read_sessions or sessions
        self._principal = principal
        self.today = today
        self.cutover = cutover

    access_by_customer_id = cached_property(lambda self: _loader(self._load_access))
    customer_by_id = cached_property(lambda self: self._by_key(Customer, Customer.id))
    user_by_id = cached_property(lambda self: self._by_key(User, User.id))
    location_by_id = cached_property(lambda self: self._by_key(LocationOfUse, LocationOfUse.id))
    locations_by_customer_id = cached_property(
        lambda self: self._grouped(LocationOfUse, LocationOfUse.customer_id, LocationOfUse.id)
    )
    grid_operator_by_id = cached_property(lambda self: self._by_key(GridOperator, GridOperator.id))
    product_by_id = cached_property(lambda self: self._by_key(Product, Product.id))
    contract_by_id = cached_property(lambda self: self._by_key(Contract, Contract.id))
    prices_by_contract_id = cached_property(
        lambda self: self._grouped(
            PriceComponent, PriceComponent.contract_id, PriceComponent.valid_from, PriceComponent.id
        )
    )
    invoice_by_id = cached_property(
        lambda self: self._by_key(Invoice, Invoice.id, since=("issued_on", self.cutover))
    )
    lines_by_invoice_id = cached_property(
        lambda self: self._grouped(InvoiceLine, InvoiceLine.invoice_id, InvoiceLine.position)
    )
    payments_by_invoice_id = cached_property(
        lambda self: self._grouped(Payment, Payment.invoice_id, Payment.paid_on, Payment.id)
    )
    credit_note_by_invoice_id = cached_property(lambda self: self._by_key(CreditNote, CreditNote.invoice_id))
    grant_by_id = cached_property(lambda self: self._by_key(AccessGrant, AccessGrant.id))
    grants_by_customer_id = cached_property(
        lambda self: self._grouped(AccessGrant, AccessGrant.customer_id, AccessGrant.id)
    )
    api_token_by_id = cached_property(lambda self: self._by_key(ApiToken, ApiToken.id))
    api_tokens_by_customer_id = cached_property(lambda self: _loader(self._load_api_tokens))
    page = cached_property(lambda self: _loader(self._load_pages))
    total_count = cached_property(lambda self: _loader(self._load_counts))

    # Messages ("Contact us") and My information.

    message_thread_by_id = cached_property(lambda self: self._by_key(MessageThread, MessageThread.id))
    message_by_id = cached_property(lambda self: self._by_key(Message, Message.id))
    attachment_by_id = cached_property(lambda self: self._by_key(Attachment, Attachment.id))
    message_thread_page = cached_property(lambda self: _loader(self._load_thread_pages))
    message_thread_count = cached_property(lambda self: _loader(self._load_thread_counts))
    messages_by_thread_id = cached_property(
        lambda self: self._grouped(Message, Message.thread_id, Message.sent_at, Message.id)
    )
    attachments_by_message_id = cached_property(
        lambda self: self._grouped(Attachment, Attachment.message_id, Attachment.id)
    )
    unread_count_by_thread_id = cached_property(lambda self: _loader(self._load_unread_counts))
    phone_numbers_by_customer_id = cached_property(
        lambda self: self._grouped(PhoneNumber, PhoneNumber.customer_id, PhoneNumber.id)
    )
    email_addresses_by_customer_id = cached_property(
        lambda self: self._grouped(EmailAddress, EmailAddress.customer_id, EmailAddress.id)
    )
    messaging_settings_by_customer_id = cached_property(
        lambda self: self._by_key(MessagingSettings, MessagingSettings.customer_id)
    )

    async def _load_access(self, customer_ids: list[int]) -> list[CustomerAccess | None]:
        async with self._sessions() as db:
            found = await access_by_customer(db, self._principal, customer_ids, self.today)
        await self.activate_pending_grants(found.values())
        return [found.get(cid) for cid in customer_ids]

    async def activate_pending_grants(self, accesses: Iterable[CustomerAccess]) -> None:
        """Mark grants that already count (pending, to the viewer's verified email) ACTIVE."""
        if self._principal is None or not any(a.from_pending_grant for a in accesses):
            return
        async with self._write_sessions() as db, db.begin():
            user = await db.get(User, self._principal.user_id)
            if user is not None and user.email_verified:
                await activate_pending_grants(db, self._principal.user_id, user.email)

    def _by_key(
        self, model: type[T], column: InstrumentedAttribute[Any], since: tuple[str, Any] | None = None
    ) -> DataLoader:
        """Rows of ``model`` by ``column`` (and ``since``: a column at or after a value)."""
        statement = _by_key_statement(model, column.key, since[0] if since else None)
        extra = {"since": since[1]} if since else {}

        async def batch(keys: list[Any]) -> list[T | None]:
            async with self._sessions() as db:
                rows = (await db.execute(statement, {"keys": keys, **extra})).all()
            by_key = {getattr(row, column.key): row for row in rows}
            return [by_key.get(k) for k in keys]

        return _loader(batch)

    def _grouped(self, model: type[T], column: InstrumentedAttribute[Any], *order_by: Any) -> DataLoader:
        statement = _grouped_statement(model, column.key, tuple(c.key for c in order_by))

        async def batch(keys: list[Any]) -> list[list[T]]:
            async with self._sessions() as db:
                rows = (await db.execute(statement, {"keys": keys})).all()
            groups: dict[Any, list[T]] = defaultdict(list)
            for row in rows:
                groups[getattr(row, column.key)].append(row)
            return [groups.get(k, []) for k in keys]

        return _loader(batch)

    async def _load_api_tokens(self, customer_ids: list[int]) -> list[list[ApiToken]]:
        """The customers' API tokens that are not revoked, newest first (one statement)."""
        async with self._sessions() as db:
            rows = (await db.execute(_API_TOKENS_OF_CUSTOMERS, {"keys": customer_ids})).all()
        groups: dict[int, list[ApiToken]] = defaultdict(list)
        for row in rows:
            groups[row.customer_id].append(row)
        return [groups.get(k, []) for k in customer_ids]

    async def _load_pages(self, keys: list[PageKey]) -> list[Sequence[Any]]:
        counted: dict[PageKey, int] = {}
        async with self._sessions() as db:
            pages = await load_pages(db, keys, today=self.today, cutover=self.cutover, counted=counted)
        for key, count in counted.items():
            self.total_count.prime(key, count)
        return pages

    async def _load_counts(self, keys: list[PageKey]) -> list[int]:
        async with self._sessions() as db:
            return await count_rows(db, keys, today=self.today, cutover=self.cutover)

    async def _load_thread_pages(self, keys: list[ThreadPageKey]) -> list[list[MessageThread]]:
        async with self._sessions() as db:
            return await thread_pages(db, keys)

    async def _load_thread_counts(self, customer_ids: list[int]) -> list[int]:
        async with self._sessions() as db:
            return await thread_counts(db, customer_ids)

    async def _load_unread_counts(self, thread_ids: list[int]) -> list[int]:
        """Unread messages per thread for the viewer: those from the other side after their marker."""
        if self._principal is None:
            return [0 for _ in thread_ids]
        side = SenderKind.CUSTOMER_SERVICE if self._principal.is_staff else SenderKind.CUSTOMER
        async with self._sessions() as db:
            counts = await unread_counts(db, thread_ids, self._principal.user_id, other_side(side))
        return [counts.get(tid, 0) for tid in thread_ids]
