"""A signed-in user adds an organisation they represent (issue 15, part 4)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select

from domain.customers import Customer, CustomerOwner
from domain.users import AuditEvent
from fixtures.world import KAHVILA_REPRESENTATIVE_HETU, LIISA_HETU, PAAHTIMO_BUSINESS_ID
from resolvers.ids import to_global_id
from tests.auth.strong_flow import browser_for, identify, query_of, wired_app
from tests.conftest import gql, login

VIEWER = "{ viewer { customers { id name relationship } } }"


@pytest.fixture
def app(runtime) -> Any:
    return wired_app(runtime)


@pytest.fixture
async def browser(app, runtime):
    async with browser_for(app, runtime) as b:
        yield b


async def _paahtimo(runtime) -> Customer:
    async with runtime.sessions() as db:
        return (
            await db.execute(select(Customer).where(Customer.business_id == PAAHTIMO_BUSINESS_ID))
        ).scalar_one()


async def test_the_cafe_representative_adds_her_second_organisation(browser, runtime) -> None:
    paahtimo = await _paahtimo(runtime)
    await login(browser, "kahvila")
    before = (await gql(browser, VIEWER)).data["viewer"]["customers"]
    assert paahtimo.name not in {c["name"] for c in before}
    try:
        done = await identify(
            browser, "add-organisation", KAHVILA_REPRESENTATIVE_HETU, business_id=PAAHTIMO_BUSINESS_ID
        )
        assert query_of(done.headers["location"]) == {"customerId": to_global_id("Customer", paahtimo.id)}
        after = (await gql(browser, VIEWER)).data["viewer"]["customers"]
        assert {
            "id": to_global_id("Customer", paahtimo.id),
            "name": paahtimo.name,
            "relationship": "OWNER",
        } in after
        assert len(after) == len(before) + 1
        # doing it again changes nothing
        again = await identify(
            browser, "add-organisation", KAHVILA_REPRESENTATIVE_HETU, business_id=PAAHTIMO_BUSINESS_ID
        )
        assert "customerId" in query_of(again.headers["location"])
        assert len((await gql(browser, VIEWER)).data["viewer"]["customers"]) == len(after)
        async with runtime.sessions() as db:
            added = (
                (
                    await db.execute(
                        select(AuditEvent).where(
                            AuditEvent.action == "customer_owner.added", AuditEvent.customer_id == paahtimo.id
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert len(added) == 1
    finally:
        async with runtime.sessions() as db, db.begin():
            await db.execute(delete(CustomerOwner).where(CustomerOwner.customer_id == paahtimo.id))


async def test_only_the_representative_herself_can_add_it(browser, runtime) -> None:
    paahtimo = await _paahtimo(runtime)
    # not signed in
    nobody = await identify(browser, "add-organisation", LIISA_HETU, business_id=PAAHTIMO_BUSINESS_ID)
    assert query_of(nobody.headers["location"]) == {"error": "NOT_SIGNED_IN"}
    await login(browser, "liisa")
    # Liisa is not named in the register
    liisa = await identify(browser, "add-organisation", LIISA_HETU, business_id=PAAHTIMO_BUSINESS_ID)
    assert query_of(liisa.headers["location"]) == {"error": "NOT_REPRESENTATIVE"}
    # signed in as Liisa, identified as the representative: not the same person
    other = await identify(
        browser, "add-organisation", KAHVILA_REPRESENTATIVE_HETU, business_id=PAAHTIMO_BUSINESS_ID
    )
    assert query_of(other.headers["location"]) == {"error": "IDENTITY_MISMATCH"}
    async with runtime.sessions() as db:
        owners = (
            (await db.execute(select(CustomerOwner).where(CustomerOwner.customer_id == paahtimo.id)))
            .scalars()
            .all()
        )
    assert owners == []
    missing = await browser.get("/auth/strong/start", params={"purpose": "add-organisation"})
    assert missing.status_code == 400
