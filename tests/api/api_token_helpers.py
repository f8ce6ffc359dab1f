"""Personal API tokens for tests: made straight in the database, and removed afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date

import httpx
from sqlalchemy import delete, func, select

from app.http import build_app
from auth.api_tokens import new_api_token_secret
from auth.hashing import token_hash
from domain.api_tokens import ApiToken
from domain.customers import Customer, LocationOfUse
from domain.users import User
from resolvers.ids import to_global_id

MAIJA_NUMBER = "2100458"


@dataclass(frozen=True)
class Places:
    """A customer and two of its locations of use, as primary keys and global IDs."""

    customer: int
    first: int
    second: int

    @property
    def customer_gid(self) -> str:
        return to_global_id("Customer", self.customer)

    def gid(self, location: int) -> str:
        return to_global_id("LocationOfUse", location)


async def maija_places(runtime) -> Places:
    """Maija's customer, her apartment (Helsinki, 15-minute metering) and her cottage (Porvoo)."""
    return await places(runtime, MAIJA_NUMBER)


async def places(runtime, customer_number: str) -> Places:
    """A customer and its first two locations of use, in the order of their IDs."""
    async with runtime.sessions() as db:
        customer = await db.scalar(select(Customer.id).where(Customer.customer_number == customer_number))
        locations = list(
            (
                await db.execute(
                    select(LocationOfUse.id)
                    .where(LocationOfUse.customer_id == customer)
                    .order_by(LocationOfUse.id)
                )
            ).scalars()
        )
    return Places(customer, locations[0], locations[1] if len(locations) > 1 else locations[0])


async def make_api_token(
    runtime,
    customer_id: int,
    permissions: dict[str, str],
    *,
    location_ids: list[int] | None = None,
    valid_until: date | None = None,
    created_by: str = "maija",
    name: str = "test program",
) -> tuple[int, str]:
    """A token row as ``createApiToken`` would store it; ``(id, secret)``."""
    secret = new_api_token_secret()
    async with runtime.sessions() as db, db.begin():
        user = await db.scalar(select(User.id).where(User.username == created_by))
        token = ApiToken(
            customer_id=customer_id,
            created_by_user_id=user,
            name=name,
            token_hash=token_hash(secret),
            permissions=permissions,
            location_ids=location_ids or [],
            valid_until=valid_until,
        )
        db.add(token)
        await db.flush()
        token_id = token.id
    return int(token_id), secret


@asynccontextmanager
async def restored_api_tokens(runtime) -> AsyncIterator[None]:
    """Remove every token made inside the block (by a test or by the API)."""
    async with runtime.sessions() as db:
        before = int(await db.scalar(select(func.max(ApiToken.id))) or 0)
    try:
        yield
    finally:
        async with runtime.sessions() as db, db.begin():
            await db.execute(delete(ApiToken).where(ApiToken.id > before))


@asynccontextmanager
async def program(runtime, secret: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of its own (no cookies of anyone's) sending ``Authorization: Bearer <secret>``."""
    transport = httpx.ASGITransport(app=build_app(runtime))
    headers = {} if secret is None else {"Authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as c:
        yield c
