"""Fixtures shared by the domain tests."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.customers import Customer, LocationOfUse
from fixtures.world import MAIJA_HETU


@pytest.fixture(scope="module")
async def maija(runtime) -> dict:
    """Maija's customer ID, her apartment (Helsinki) and her cottage (Porvoo)."""
    async with runtime.sessions() as db:
        customer = (
            await db.execute(select(Customer).where(Customer.personal_identity_code == MAIJA_HETU))
        ).scalar_one()
        locations = (
            (await db.execute(select(LocationOfUse).where(LocationOfUse.customer_id == customer.id)))
            .scalars()
            .all()
        )
    by_city = {loc.city: loc for loc in locations}
    return {"customer_id": customer.id, "apartment": by_city["Helsinki"], "cottage": by_city["Porvoo"]}
