"""Granting, changing and revoking access; housing managers; the audit log (SPEC 3)."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.customers import AccessGrant
from domain.users import AuditEvent, User
from tests.conftest import gql, login, operation

GRANT = operation("GrantAccess")
REVOKE = operation("RevokeAccess")
ACCESS_RIGHTS = operation("AccessRights")
ATTACH = operation("AttachCustomersToUser")
MATTI_DEMO_LEVELS = [
    {"section": "INVOICES", "level": "READ"},
    {"section": "REPORTING", "level": "READ"},
    {"section": "MESSAGES", "level": "READ_WRITE"},
]
SEES = "query($id: ID!) { customer(id: $id) { invoices { totalCount } contracts { totalCount } } }"


async def _email(runtime, username: str) -> str:
    async with runtime.sessions() as db:
        return (await db.execute(select(User.email).where(User.username == username))).scalar_one()


async def _grant(client, customer_id: str, email: str, permissions, password="maija-demo-password"):
    variables = {
        "input": {
            "customerId": customer_id,
            "granteeEmail": email,
            "permissions": permissions,
            "password": password,
        }
    }
    return await gql(client, GRANT, variables)


async def _maija_customer(client) -> str:
    await login(client, "maija")
    return (await gql(client, "{ viewer { customers { id } } }")).data["viewer"]["customers"][0]["id"]


async def _audit_count(runtime, action: str) -> int:
    async with runtime.sessions() as db:
        return await db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


async def test_grant_change_and_revoke_take_effect_on_the_next_request(client, runtime) -> None:
    customer_id = await _maija_customer(client)
    matti_email = await _email(runtime, "matti")
    try:
        result = await _grant(
            client, customer_id, matti_email.upper(), [{"section": "INVOICES", "level": "READ"}]
        )
        payload = result.data["grantAccess"]
        assert payload["errors"] == []
        grant = payload["grant"]
        assert grant["granteeEmail"] == matti_email
        assert grant["permissions"] == [{"section": "INVOICES", "level": "READ"}]

        await login(client, "matti")
        seen = await gql(client, SEES, {"id": customer_id})
        assert seen.data["customer"]["invoices"]["totalCount"] > 0
        assert seen.data["customer"]["contracts"] is None
        assert seen.codes() == ["FORBIDDEN"]
        dashboard = await gql(client, operation("Dashboard"))
        [maija] = dashboard.data["viewer"]["customers"]
        assert maija["access"] == [{"section": "INVOICES", "level": "READ"}]

        await login(client, "maija")
        revoked = await gql(client, REVOKE, {"input": {"grantId": grant["id"]}})
        assert revoked.data["revokeAccess"]["grant"]["status"] == "REVOKED"

        await login(client, "matti")
        after = await gql(client, SEES, {"id": customer_id})
        assert after.data == {"customer": None} and after.codes() == ["NOT_FOUND"]
        assert (await gql(client, "{ viewer { customers { id } } }")).data["viewer"]["customers"] == []
        assert await _audit_count(runtime, "access_grant.revoked") >= 1
        assert await _audit_count(runtime, "access_grant.changed") >= 1
    finally:
        await login(client, "maija")
        restored = await _grant(client, customer_id, matti_email, MATTI_DEMO_LEVELS)
        assert restored.data["grantAccess"]["errors"] == []
    await login(client, "matti")
    dashboard = await gql(client, operation("Dashboard"))
    assert len(dashboard.data["viewer"]["customers"][0]["access"]) == 3


async def test_responses_do_not_reveal_who_is_registered(client, runtime) -> None:
    customer_id = await _maija_customer(client)
    liisa_email = await _email(runtime, "liisa")
    registered = await _grant(client, customer_id, liisa_email, [{"section": "INVOICES", "level": "READ"}])
    unknown = await _grant(
        client, customer_id, "nobody.yet@example.com", [{"section": "INVOICES", "level": "READ"}]
    )
    try:
        first, second = registered.data["grantAccess"]["grant"], unknown.data["grantAccess"]["grant"]
        assert first["status"] == second["status"] == "PENDING"
        assert set(first) == set(second)
        # Liisa's verified email counts at once.
        await login(client, "liisa")
        seen = await gql(client, SEES, {"id": customer_id})
        assert seen.data["customer"]["invoices"]["totalCount"] > 0
        await login(client, "maija")
        rights = await gql(client, ACCESS_RIGHTS, {"customerId": customer_id})
        # (by the grants made here: revoked grants of earlier tests stay in the list)
        made = {first["id"], second["id"]}
        grants = {g["granteeEmail"]: g for g in rights.data["customer"]["accessGrants"] if g["id"] in made}
        assert grants[liisa_email]["status"] == "ACTIVE"
        assert grants[liisa_email]["grantee"]["username"] == "liisa"
        assert grants["nobody.yet@example.com"]["status"] == "PENDING"
        assert grants["nobody.yet@example.com"]["grantee"] is None
        assert grants[liisa_email]["grantedBy"] == "maija"
    finally:
        await login(client, "maija")
        for payload in (registered, unknown):
            await gql(client, REVOKE, {"input": {"grantId": payload.data["grantAccess"]["grant"]["id"]}})
    await login(client, "liisa")
    assert (await gql(client, SEES, {"id": customer_id})).codes() == ["NOT_FOUND"]


async def test_bad_grants_change_nothing(client, runtime) -> None:
    customer_id = await _maija_customer(client)
    async with runtime.sessions() as db:
        before = await db.scalar(select(func.count()).select_from(AccessGrant))
    maija_email = await _email(runtime, "maija")
    cases = [
        (
            ("someone@example.com", [{"section": "INVOICES", "level": "READ"}], "wrong-password"),
            "WRONG_PASSWORD",
        ),
        (("not an email", [{"section": "INVOICES", "level": "READ"}], None), "INVALID_EMAIL"),
        ((maija_email, [{"section": "INVOICES", "level": "READ"}], None), "INVALID_INPUT"),
        (("someone@example.com", [], None), "INVALID_INPUT"),
        (("someone@example.com", [{"section": "INVOICES", "level": "READ"}] * 2, None), "INVALID_INPUT"),
    ]
    for (email, permissions, password), code in cases:
        result = await _grant(client, customer_id, email, permissions, password or "maija-demo-password")
        assert result.data["grantAccess"]["grant"] is None
        assert result.data["grantAccess"]["errors"][0]["code"] == code
    async with runtime.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(AccessGrant)) == before


async def test_delegates_cannot_grant_or_list_grants(client) -> None:
    customer_id = await _maija_customer(client)
    await login(client, "matti")
    result = await _grant(
        client,
        customer_id,
        "x@example.com",
        [{"section": "INVOICES", "level": "READ"}],
        "matti-demo-password",
    )
    assert result.data is None and result.codes() == ["FORBIDDEN"]
    rights = await gql(client, ACCESS_RIGHTS, {"customerId": customer_id})
    assert rights.data["customer"]["accessGrants"] is None
    assert rights.codes() == ["FORBIDDEN"]


async def test_customer_service_attaches_and_detaches_a_housing_manager(client, runtime) -> None:
    await login(client, "asiakaspalvelu")
    variables = {
        "input": {
            "username": "Liisa",
            "customerNumbers": ["3200583"],
            "permissions": [{"section": "INVOICES", "level": "READ"}],
        }
    }
    result = await gql(client, ATTACH, variables)
    assert result.errors == []
    [grant] = result.data["attachCustomersToUser"]["grants"]
    assert grant["customer"]["customerNumber"] == "3200583"
    assert grant["status"] == "ACTIVE"
    try:
        await login(client, "liisa")
        dashboard = await gql(client, operation("Dashboard"))
        managed = [c for c in dashboard.data["viewer"]["customers"] if c["relationship"] == "HOUSING_MANAGER"]
        assert [c["customerNumber"] for c in managed] == ["3200583"]
        assert managed[0]["access"] == [{"section": "INVOICES", "level": "READ"}]
    finally:
        await login(client, "asiakaspalvelu")
        detached = await gql(
            client,
            "mutation($input: DetachCustomersFromUserInput!) { detachCustomersFromUser(input: $input) "
            "{ grants { status } errors { code } } }",
            {"input": {"username": "liisa", "customerNumbers": ["3200583"]}},
        )
        assert detached.data["detachCustomersFromUser"]["grants"] == [{"status": "REVOKED"}]
    await login(client, "liisa")
    dashboard = await gql(client, operation("Dashboard"))
    assert all(c["relationship"] == "OWNER" for c in dashboard.data["viewer"]["customers"])
    assert await _audit_count(runtime, "housing_manager.attached") >= 1
    assert await _audit_count(runtime, "housing_manager.detached") >= 1


async def test_attach_with_unknown_customer_changes_nothing(client) -> None:
    await login(client, "asiakaspalvelu")
    variables = {
        "input": {
            "username": "liisa",
            "customerNumbers": ["3200583", "9999999"],
            "permissions": [{"section": "INVOICES", "level": "READ"}],
        }
    }
    result = await gql(client, ATTACH, variables)
    payload = result.data["attachCustomersToUser"]
    assert payload["grants"] == []
    assert payload["errors"][0]["field"] == ["customerNumbers", "1"]
    await login(client, "liisa")
    dashboard = await gql(client, operation("Dashboard"))
    assert all(c["relationship"] == "OWNER" for c in dashboard.data["viewer"]["customers"])
