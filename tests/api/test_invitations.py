"""Invitations: a grantee without a user (or a customership) gets in (issue 15, part 1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from domain.accounts import OutboxEmail
from domain.base import today_helsinki, utcnow
from domain.customers import AccessGrant
from domain.invitations import Invitation
from fixtures.world import ANNA_HETU, MAIJA_HETU
from tests.api.test_delegation import _email, _maija_customer
from tests.api.test_registration import forget_registration, registration_input
from tests.auth.strong_flow import browser_for, identify, query_of, wired_app
from tests.conftest import gql, login, operation

GRANT = operation("GrantAccess")
ACCEPT = operation("AcceptInvitation")
REVOKE = operation("RevokeAccess")
COMPLETE = operation("CompleteRegistration")
PASSWORD = "kesämökin sauna lämpenee hitaasti"
SEES = """query($id: ID!) { customer(id: $id) { id relationship
  locationsOfUse { id } invoices(first: 1) { totalCount } } }"""


@pytest.fixture
def app(runtime) -> Any:
    return wired_app(runtime)


@pytest.fixture
async def browser(app, runtime):
    async with browser_for(app, runtime) as b:
        yield b


async def _grant(client, customer: str, email: str, permissions, **terms):
    variables = {
        "input": {
            "customerId": customer,
            "granteeEmail": email,
            "permissions": permissions,
            "password": "maija-demo-password",
            **terms,
        }
    }
    result = await gql(client, GRANT, variables)
    assert result.data["grantAccess"]["errors"] == [], result
    return result.data["grantAccess"]["grant"]


async def _last_email(runtime, to: str) -> OutboxEmail | None:
    async with runtime.sessions() as db:
        return (
            (
                await db.execute(
                    select(OutboxEmail).where(OutboxEmail.to_address == to).order_by(OutboxEmail.id.desc())
                )
            )
            .scalars()
            .first()
        )


def _token(email: OutboxEmail) -> str:
    [link] = email.links
    assert "/accept-invitation?token=" in link
    return query_of(link)["token"]


async def _accept(client, token: str) -> dict:
    result = await gql(client, ACCEPT, {"input": {"token": token}})
    assert result.errors == [], result
    return result.data["acceptInvitation"]


async def test_anna_without_a_customership_registers_through_an_invitation(client, browser, runtime) -> None:
    """The issue's scenario: Maija invites anna@example.fi (REPORTING: READ, a week); Anna,
    who has no customership, registers with the link and sees Maija's consumption and
    nothing else; after the last day she sees nothing."""
    customer = await _maija_customer(client)
    week = (today_helsinki() + timedelta(days=7)).isoformat()
    grant = await _grant(
        client, customer, "anna@example.fi", [{"section": "REPORTING", "level": "READ"}], validUntil=week
    )
    assert grant["status"] == "PENDING"
    try:
        email = await _last_email(runtime, "anna@example.fi")
        assert email is not None and email.meta["kind"] == "INVITATION"
        assert "Maija Meikäläinen" in email.subject and "Kulutus: katselu" in email.text
        assert email.links[0].startswith(runtime.settings.public_origin)  # the web app's origin by default
        token = _token(email)

        done = await identify(browser, "invitation", ANNA_HETU, extra={"invitationToken": token})
        params = query_of(done.headers["location"])
        assert set(params) == {"registrationToken"}, params
        values = registration_input(params["registrationToken"], email="anna@example.fi", password=PASSWORD)
        registered = await gql(client, COMPLETE, values)
        assert registered.data["completeRegistration"]["errors"] == []
        username = values["input"]["username"]
        assert await _last_email(runtime, "anna@example.fi") == email  # invited address: no confirmation

        await login(client, username, PASSWORD)
        dashboard = await gql(client, "{ viewer { user { name } customers { id relationship } } }")
        assert dashboard.data["viewer"] == {
            "user": {"name": "Anna Tuntematon"},
            "customers": [{"id": customer, "relationship": "DELEGATE"}],
        }
        seen = await gql(client, SEES, {"id": customer})
        assert seen.data["customer"]["relationship"] == "DELEGATE"
        assert seen.data["customer"]["invoices"] is None and seen.codes() == ["FORBIDDEN"]
        assert await _consumption_works(client, customer, seen.data)

        await login(client, "maija")
        rights = await gql(client, operation("AccessRights"), {"customerId": customer})
        [mine] = [g for g in rights.data["customer"]["accessGrants"] if g["id"] == grant["id"]]
        assert (mine["status"], mine["granteeEmail"], mine["grantee"]["username"]) == (
            "ACTIVE",
            "anna@example.fi",
            username,
        )

        async with runtime.sessions() as db, db.begin():
            await db.execute(
                update(AccessGrant)
                .where(AccessGrant.grantee_email == "anna@example.fi")
                .values(valid_until=today_helsinki() - timedelta(days=1))
            )
        await login(client, username, PASSWORD)
        after = await gql(client, SEES, {"id": customer})
        assert after.data == {"customer": None} and after.codes() == ["NOT_FOUND"]
    finally:
        await login(client, "maija")
        await gql(client, REVOKE, {"input": {"grantId": grant["id"]}})
        await forget_registration(runtime, ANNA_HETU)


async def _consumption_works(client, customer: str, seen: dict) -> bool:
    location = seen["customer"]["locationsOfUse"][0]["id"]
    day = (today_helsinki() - timedelta(days=2)).isoformat()
    query = """query($c: ID!, $l: ID!, $d: Date!) { customer(id: $c) {
      consumption(locationOfUseId: $l, from: $d, to: $d, resolution: DAY) { totalKwh } } }"""
    result = await gql(client, query, {"c": customer, "l": location, "d": day})
    return result.errors == [] and result.data["customer"]["consumption"] is not None


async def test_a_registered_grantee_is_told_and_a_signed_in_user_accepts(client, runtime) -> None:
    customer = await _maija_customer(client)
    liisa = await _email(runtime, "liisa")
    told = await _grant(client, customer, liisa, [{"section": "INVOICES", "level": "READ"}])
    invited = await _grant(
        client, customer, "someone.new@example.com", [{"section": "INVOICES", "level": "READ"}]
    )
    try:
        # the owner's answers look the same; the emails differ
        assert set(told) == set(invited) and told["status"] == invited["status"] == "PENDING"
        news = await _last_email(runtime, liisa)
        assert news is not None and news.meta["kind"] == "ACCESS_GIVEN" and news.links == []
        first = _token(await _last_email(runtime, "someone.new@example.com"))
        # granting again resends: the first link stops working
        await _grant(client, customer, "someone.new@example.com", [{"section": "INVOICES", "level": "READ"}])
        second = _token(await _last_email(runtime, "someone.new@example.com"))
        assert second != first

        # the owner cannot accept her own invitation
        own = await _accept(client, second)
        assert [e["code"] for e in own["errors"]] == ["INVALID_INPUT"] and own["grant"] is None

        await login(client, "liisa")
        stale = await _accept(client, first)
        assert [(e["code"], e["field"]) for e in stale["errors"]] == [("INVALID_TOKEN", ["input", "token"])]
        accepted = await _accept(client, second)
        assert accepted["errors"] == []
        assert accepted["grant"]["status"] == "ACTIVE"
        assert accepted["grant"]["customer"] == {"id": customer, "name": "Maija Meikäläinen"}
        again = await _accept(client, second)
        assert [e["code"] for e in again["errors"]] == ["INVALID_TOKEN"]
        async with runtime.sessions() as db:
            row = await db.get(AccessGrant, int(_pk(invited["id"])))
        assert row.grantee_email == liisa and row.grantee_user_id is not None
    finally:
        await login(client, "maija")
        for grant in (told, invited):
            await gql(client, REVOKE, {"input": {"grantId": grant["id"]}})


def _pk(global_id: str) -> int:
    from resolvers.ids import from_global_id

    found = from_global_id(global_id)
    assert found is not None
    return found[1]


async def test_expired_and_revoked_invitations_open_nothing(client, browser, runtime) -> None:
    customer = await _maija_customer(client)
    grant = await _grant(
        client, customer, "late.comer@example.com", [{"section": "INVOICES", "level": "READ"}]
    )
    token = _token(await _last_email(runtime, "late.comer@example.com"))
    try:
        async with runtime.sessions() as db, db.begin():
            await db.execute(
                update(Invitation)
                .where(Invitation.grant_id == _pk(grant["id"]))
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
        await login(client, "liisa")
        expired = await _accept(client, token)
        assert [e["code"] for e in expired["errors"]] == ["EXPIRED_TOKEN"]
        done = await identify(browser, "invitation", ANNA_HETU, extra={"invitationToken": token})
        assert query_of(done.headers["location"]) == {"error": "INVALID_INVITATION"}

        await login(client, "maija")
        rights = await gql(client, operation("AccessRights"), {"customerId": customer})
        [mine] = [g for g in rights.data["customer"]["accessGrants"] if g["id"] == grant["id"]]
        assert mine["status"] == "PENDING"  # an expired link leaves the grant pending
        await _grant(client, customer, "late.comer@example.com", [{"section": "INVOICES", "level": "READ"}])
        fresh = _token(await _last_email(runtime, "late.comer@example.com"))
        await gql(client, REVOKE, {"input": {"grantId": grant["id"]}})
        await login(client, "liisa")
        revoked = await _accept(client, fresh)
        assert [e["code"] for e in revoked["errors"]] == ["INVALID_TOKEN"]

        # someone who already has a user signs in and accepts instead of registering
        done = await identify(browser, "invitation", MAIJA_HETU, extra={"invitationToken": fresh})
        assert query_of(done.headers["location"]) == {"error": "ALREADY_REGISTERED"}
        missing = await browser.get("/auth/strong/start", params={"purpose": "invitation"})
        assert missing.status_code == 400
    finally:
        await login(client, "maija")
        await gql(client, REVOKE, {"input": {"grantId": grant["id"]}})
