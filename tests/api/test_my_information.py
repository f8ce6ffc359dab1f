"""My information (SPEC 9): contact information and messaging settings, validated, confirmed, audited."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import delete, select

from domain.contact import EmailAddress, MessagingSettings, PhoneNumber
from domain.customers import AccessGrant, Customer
from domain.users import AuditEvent
from tests.api.messaging_helpers import customer_gid, matti_demo_grant_id, user_id
from tests.conftest import gql, login, operation

MY_INFORMATION = operation("MyInformation")
UPDATE = operation("UpdateContactInformation")
SETTINGS = operation("UpdateMessagingSettings")
CONFIRM = (
    "mutation($token: String!) { confirmContactEmail(input: {token: $token}) { errors { field code } } }"
)
AS_OY = "3200582"


@pytest.fixture
async def restore_contact(runtime):
    """Put the contact rows, postal addresses and settings of the demo customers back as they were."""
    async with runtime.sessions() as db:
        phones = [p.model_dump() for p in (await db.execute(select(PhoneNumber))).scalars()]
        emails = [e.model_dump() for e in (await db.execute(select(EmailAddress))).scalars()]
        settings = [s.model_dump() for s in (await db.execute(select(MessagingSettings))).scalars()]
        postal = {
            c.id: (c.postal_street, c.postal_code, c.postal_city, c.postal_country)
            for c in (await db.execute(select(Customer))).scalars()
        }
    yield
    async with runtime.sessions() as db, db.begin():
        await db.execute(delete(PhoneNumber))
        await db.execute(delete(EmailAddress))
        await db.execute(delete(MessagingSettings))
        await db.flush()
        db.add_all([PhoneNumber(**p) for p in phones])
        db.add_all([EmailAddress(**e) for e in emails])
        db.add_all([MessagingSettings(**s) for s in settings])
        for customer in (await db.execute(select(Customer))).scalars():
            street, code, city, country = postal[customer.id]
            if (customer.postal_street, customer.postal_code, customer.postal_city) != (street, code, city):
                customer.postal_street, customer.postal_code = street, code
                customer.postal_city, customer.postal_country = city, country


async def my_information(client, customer: str) -> dict:
    result = await gql(client, MY_INFORMATION, {"customerId": customer})
    assert result.errors == [], result.errors
    return result.data["customer"]


async def outbox(client, to: str) -> list[dict]:
    response = await client.get("/dev/outbox", params={"to": to})
    assert response.status_code == 200
    return response.json()


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


def maija_input(customer: str, **changes) -> dict:
    return {
        "input": {
            "customerId": customer,
            "phoneNumbers": [
                {"number": "+358401234567", "kind": "MOBILE", "primary": True},
                {"number": "+358912345678", "kind": "LANDLINE"},
            ],
            "emailAddresses": [
                {"address": "maija@example.fi", "primary": True},
                {"address": "maija.meikalainen@example.com"},
            ],
            **changes,
        }
    }


async def test_my_information_shows_contact_information_and_settings(client, runtime) -> None:
    await login(client, "maija")
    customer = await my_information(client, await customer_gid(runtime))
    contact = customer["contactInformation"]
    assert contact["phoneNumbers"][0] == {
        "id": contact["phoneNumbers"][0]["id"],
        "number": "+358401234567",
        "kind": "MOBILE",
        "primary": True,
    }
    assert [e["address"] for e in contact["emailAddresses"]] == [
        "maija@example.fi",
        "maija.meikalainen@example.com",
    ]
    assert all(e["verified"] for e in contact["emailAddresses"])
    assert contact["postalAddress"]["postalCode"].isdigit()
    settings = customer["messagingSettings"]
    assert settings["newsletters"] is True and settings["energyTips"] is True and settings["offers"] is False


async def test_invalid_phone_numbers_and_emails_are_refused_per_field_and_change_nothing(
    client, runtime, restore_contact
) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    before = await my_information(client, customer)
    bad = maija_input(
        customer,
        phoneNumbers=[
            {"number": "040 123 4567", "primary": True},
            {"number": "12345"},
            {"number": "+358 40 123 4567"},
        ],
        emailAddresses=[{"address": "maija@example.fi", "primary": True}, {"address": "maija@@example"}],
        postalAddress={"street": "Mannerheimintie 1", "postalCode": "0010", "city": "Helsinki"},
    )
    result = await gql(client, UPDATE, bad)
    payload = result.data["updateContactInformation"]
    assert payload["contactInformation"] is None
    assert {(tuple(e["field"]), e["code"]) for e in payload["errors"]} == {
        (("phoneNumbers", "1", "number"), "INVALID_PHONE_NUMBER"),
        (("phoneNumbers", "2", "number"), "DUPLICATE"),
        (("emailAddresses", "1", "address"), "INVALID_EMAIL"),
        (("postalAddress", "postalCode"), "INVALID_POSTAL_CODE"),
    }
    assert all(e["message"] for e in payload["errors"])
    two_primaries = maija_input(
        customer,
        emailAddresses=[
            {"address": "maija@example.fi", "primary": True},
            {"address": "a@example.fi", "primary": True},
        ],
    )
    errors = (await gql(client, UPDATE, two_primaries)).data["updateContactInformation"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["emailAddresses"], "PRIMARY_REQUIRED")]
    no_email = maija_input(customer, emailAddresses=[])
    assert (await gql(client, UPDATE, no_email)).data["updateContactInformation"]["errors"][0]["code"] == (
        "INVALID_INPUT"
    )
    assert await my_information(client, customer) == before


async def test_phone_numbers_are_normalised_and_a_new_email_waits_for_its_link(
    client, runtime, restore_contact
) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    before = await my_information(client, customer)
    landline_id = before["contactInformation"]["phoneNumbers"][1]["id"]
    change = maija_input(
        customer,
        phoneNumbers=[
            {"number": "+358912345678", "kind": "LANDLINE"},
            {"number": "050 765 4321", "primary": True},
        ],
        emailAddresses=[
            {"address": "maija@example.fi"},
            {"address": "  Maija.Uusi@Example.FI ", "primary": True},
        ],
        postalAddress={"street": "Uusikatu 5 B 12", "postalCode": "00150", "city": "Helsinki"},
    )
    result = await gql(client, UPDATE, change, **{"Accept-Language": "en"})
    payload = result.data["updateContactInformation"]
    assert payload["errors"] == []
    contact = payload["contactInformation"]
    assert [(p["number"], p["kind"], p["primary"]) for p in contact["phoneNumbers"]] == [
        ("+358507654321", "MOBILE", True),
        ("+358912345678", "LANDLINE", False),
    ]
    assert contact["phoneNumbers"][1]["id"] == landline_id  # an entry that stays keeps its row
    emails = {e["address"]: e for e in contact["emailAddresses"]}
    assert set(emails) == {"maija@example.fi", "maija.uusi@example.fi"}
    # The new address is not primary before it is confirmed: the old one stays primary.
    assert emails["maija@example.fi"]["primary"] is True and emails["maija@example.fi"]["verified"] is True
    assert emails["maija.uusi@example.fi"]["primary"] is False
    assert emails["maija.uusi@example.fi"]["verified"] is False
    assert contact["postalAddress"] == {
        "street": "Uusikatu 5 B 12",
        "postalCode": "00150",
        "city": "Helsinki",
    }

    [email] = await outbox(client, "maija.uusi@example.fi")
    assert email["subject"] == "Confirm your email address"
    token = token_of(email["links"][0])
    assert "token=" in email["text"]
    assert (await gql(client, CONFIRM, {"token": "not-a-token"})).data["confirmContactEmail"]["errors"][0][
        "code"
    ] == "INVALID_TOKEN"
    confirmed = await gql(client, CONFIRM, {"token": token})
    assert confirmed.data["confirmContactEmail"]["errors"] == []
    after = {
        e["address"]: e
        for e in (await my_information(client, customer))["contactInformation"]["emailAddresses"]
    }
    assert (
        after["maija.uusi@example.fi"]["verified"] is True
        and after["maija.uusi@example.fi"]["primary"] is True
    )
    assert after["maija@example.fi"]["primary"] is False
    # The link works once.
    assert (await gql(client, CONFIRM, {"token": token})).data["confirmContactEmail"]["errors"][0][
        "code"
    ] == ("INVALID_TOKEN")
    owner = await user_id(runtime, "maija")
    async with runtime.sessions() as db:
        actions = (
            await db.execute(
                select(AuditEvent.action, AuditEvent.details).where(AuditEvent.actor_user_id == owner)
            )
        ).all()
    assert any(
        action == "contact_information.updated" and d["relationship"] == "OWNER" for action, d in actions
    )


async def test_the_verified_primary_stays_until_the_new_one_is_confirmed(
    client, runtime, restore_contact
) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    change = maija_input(customer, emailAddresses=[{"address": "vain.uusi@example.fi", "primary": True}])
    errors = (await gql(client, UPDATE, change)).data["updateContactInformation"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["emailAddresses"], "EMAIL_NOT_VERIFIED")]
    assert await outbox(client, "vain.uusi@example.fi") == []


async def test_a_confirmation_link_expires(client, runtime, restore_contact) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    change = maija_input(
        customer,
        emailAddresses=[{"address": "maija@example.fi", "primary": True}, {"address": "myohassa@example.fi"}],
    )
    assert (await gql(client, UPDATE, change)).data["updateContactInformation"]["errors"] == []
    [email] = await outbox(client, "myohassa@example.fi")
    async with runtime.sessions() as db, db.begin():
        row = (
            await db.execute(select(EmailAddress).where(EmailAddress.address == "myohassa@example.fi"))
        ).scalar_one()
        row.confirmation_sent_at = row.confirmation_sent_at - timedelta(days=8)
    result = await gql(client, CONFIRM, {"token": token_of(email["links"][0])})
    assert result.data["confirmContactEmail"]["errors"][0]["code"] == "EXPIRED_TOKEN"


async def test_messaging_settings_change_only_what_is_given(client, runtime, restore_contact) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    before = (await my_information(client, customer))["messagingSettings"]
    result = await gql(
        client, SETTINGS, {"input": {"customerId": customer, "offers": True, "invoiceDelivery": "EMAIL"}}
    )
    payload = result.data["updateMessagingSettings"]
    assert payload["errors"] == []
    assert payload["messagingSettings"] == {**before, "offers": True, "invoiceDelivery": "EMAIL"}
    assert (await my_information(client, customer))["messagingSettings"] == payload["messagingSettings"]


async def test_a_housing_manager_writes_and_the_write_is_audited(client, runtime, restore_contact) -> None:
    await login(client, "isannoitsija")
    customer = await customer_gid(runtime, AS_OY)
    before = (await my_information(client, customer))["contactInformation"]
    change = {
        "input": {
            "customerId": customer,
            "phoneNumbers": [{"number": "09 1234 5678", "primary": True}],
        }
    }
    payload = (await gql(client, UPDATE, change)).data["updateContactInformation"]
    assert payload["errors"] == []
    assert [(p["number"], p["kind"]) for p in payload["contactInformation"]["phoneNumbers"]] == [
        ("+358912345678", "LANDLINE")
    ]
    assert payload["contactInformation"]["emailAddresses"] == before["emailAddresses"]
    manager = await user_id(runtime, "isannoitsija")
    async with runtime.sessions() as db:
        events = (
            (
                await db.execute(
                    select(AuditEvent)
                    .where(
                        AuditEvent.actor_user_id == manager,
                        AuditEvent.action == "contact_information.updated",
                    )
                    .order_by(AuditEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert events[-1].details["relationship"] == "HOUSING_MANAGER"


async def test_a_delegate_with_read_cannot_write(client, runtime, restore_contact) -> None:
    customer = await customer_gid(runtime)
    async with runtime.sessions() as db, db.begin():
        grant = await db.get(AccessGrant, await matti_demo_grant_id(runtime))
        before = dict(grant.permissions)
        grant.permissions = {**before, "MY_INFORMATION": "READ"}
    try:
        await login(client, "matti")
        shown = await my_information(client, customer)
        assert shown["contactInformation"]["phoneNumbers"]
        for mutation, variables in (
            (UPDATE, maija_input(customer, phoneNumbers=[{"number": "0401112222", "primary": True}])),
            (SETTINGS, {"input": {"customerId": customer, "offers": True}}),
        ):
            result = await gql(client, mutation, variables)
            assert result.data is None and result.codes() == ["FORBIDDEN"]
        assert await my_information(client, customer) == shown
    finally:
        async with runtime.sessions() as db, db.begin():
            grant = await db.get(AccessGrant, grant.id)
            grant.permissions = before


async def test_without_access_nothing_is_shown_or_changed(client, runtime) -> None:
    customer = await customer_gid(runtime)
    await login(client, "liisa")
    result = await gql(client, UPDATE, maija_input(customer))
    assert result.data is None and result.codes() == ["NOT_FOUND"]
    anonymous = await gql(client, "mutation { logout { errors { code } } }")
    assert anonymous.errors == []
    result = await gql(client, SETTINGS, {"input": {"customerId": customer, "offers": True}})
    assert result.codes() == ["UNAUTHENTICATED"]
