"""Grants with a last day of access and a note; ``updateAccessGrant`` (issue 15, part 2)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from domain.base import today_helsinki
from domain.customers import AccessGrant
from domain.users import AuditEvent
from tests.api.test_delegation import _email, _grant, _maija_customer
from tests.conftest import gql, login, operation

UPDATE = operation("UpdateAccessGrant")
REVOKE = operation("RevokeAccess")
SEES = "query($id: ID!) { customer(id: $id) { id invoices(first: 1) { totalCount } } }"
GRANTS = "query($id: ID!) { customer(id: $id) { accessGrants { id status validUntil note } } }"
PASSWORD = "maija-demo-password"


async def _update(client, grant_id: str, password: str = PASSWORD, **fields):
    return await gql(client, UPDATE, {"input": {"grantId": grant_id, "password": password, **fields}})


async def _set_valid_until(runtime, grant_id: int, day) -> None:
    async with runtime.sessions() as db, db.begin():
        await db.execute(update(AccessGrant).where(AccessGrant.id == grant_id).values(valid_until=day))


async def _row(runtime, email: str) -> AccessGrant:
    async with runtime.sessions() as db:
        return (
            (
                await db.execute(
                    select(AccessGrant)
                    .where(AccessGrant.grantee_email == email)
                    .order_by(AccessGrant.id.desc())
                )
            )
            .scalars()
            .first()
        )


async def test_a_grant_ends_after_its_last_day_and_a_new_end_date_renews_it(client, runtime) -> None:
    customer_id = await _maija_customer(client)
    email = await _email(runtime, "liisa")
    today = today_helsinki()
    week = (today + timedelta(days=7)).isoformat()
    granted = await gql(
        client,
        operation("GrantAccess"),
        {
            "input": {
                "customerId": customer_id,
                "granteeEmail": email,
                "permissions": [{"section": "INVOICES", "level": "READ"}],
                "password": PASSWORD,
                "validUntil": week,
                "note": "  accountant, tax year  ",
            }
        },
    )
    assert granted.data["grantAccess"]["errors"] == []
    grant_id = granted.data["grantAccess"]["grant"]["id"]
    row = await _row(runtime, email)
    try:
        assert (row.valid_until.isoformat(), row.note) == (week, "accountant, tax year")
        await login(client, "liisa")
        assert (await gql(client, SEES, {"id": customer_id})).data["customer"]["id"] == customer_id

        # the last day is today: still in; yesterday: out on the very next request
        await _set_valid_until(runtime, row.id, today)
        assert (await gql(client, SEES, {"id": customer_id})).data["customer"] is not None
        await _set_valid_until(runtime, row.id, today - timedelta(days=1))
        gone = await gql(client, SEES, {"id": customer_id})
        assert gone.data == {"customer": None} and gone.codes() == ["NOT_FOUND"]
        assert customer_id not in str((await gql(client, "{ viewer { customers { id } } }")).data)

        await login(client, "maija")
        listed = await gql(client, GRANTS, {"id": customer_id})
        [mine] = [g for g in listed.data["customer"]["accessGrants"] if g["id"] == grant_id]
        assert mine["status"] == "EXPIRED"

        renewed = await _update(client, grant_id, validUntil=(today + timedelta(days=1)).isoformat())
        assert renewed.data["updateAccessGrant"]["errors"] == []
        assert renewed.data["updateAccessGrant"]["grant"]["status"] in {"ACTIVE", "PENDING"}
        await login(client, "liisa")
        assert (await gql(client, SEES, {"id": customer_id})).data["customer"] is not None
    finally:
        await login(client, "maija")
        await gql(client, REVOKE, {"input": {"grantId": grant_id}})


async def test_update_changes_only_what_is_given_and_refuses_bad_input(client, runtime) -> None:
    customer_id = await _maija_customer(client)
    email = "terms.test@example.com"
    granted = await _grant(client, customer_id, email, [{"section": "INVOICES", "level": "READ"}])
    grant_id = granted.data["grantAccess"]["grant"]["id"]
    today = today_helsinki()
    try:
        noted = await _update(client, grant_id, note="tenant until June")
        grant = noted.data["updateAccessGrant"]["grant"]
        assert noted.data["updateAccessGrant"]["errors"] == []
        assert (grant["note"], grant["validUntil"], grant["permissions"]) == (
            "tenant until June",
            None,
            [{"section": "INVOICES", "level": "READ"}],
        )
        ends = (today + timedelta(days=30)).isoformat()
        dated = await _update(
            client, grant_id, validUntil=ends, permissions=[{"section": "REPORTING", "level": "READ"}]
        )
        grant = dated.data["updateAccessGrant"]["grant"]
        assert (grant["note"], grant["validUntil"], grant["permissions"]) == (
            "tenant until June",
            ends,
            [{"section": "REPORTING", "level": "READ"}],
        )
        cleared = await _update(client, grant_id, validUntil=None, note=None)
        grant = cleared.data["updateAccessGrant"]["grant"]
        assert (grant["note"], grant["validUntil"]) == (None, None)

        before = await _row(runtime, email)
        refusals = [
            (
                {"validUntil": (today - timedelta(days=1)).isoformat()},
                PASSWORD,
                "INVALID_INPUT",
                ["validUntil"],
            ),
            ({"note": "x" * 501}, PASSWORD, "INVALID_INPUT", ["note"]),
            ({"permissions": []}, PASSWORD, "INVALID_INPUT", ["permissions"]),
            ({"note": "changed"}, "wrong-password", "WRONG_PASSWORD", ["password"]),
        ]
        for fields, password, code, path in refusals:
            refused = (await _update(client, grant_id, password, **fields)).data["updateAccessGrant"]
            assert refused["grant"] is None
            assert [(e["code"], e["field"]) for e in refused["errors"]] == [(code, path)], fields
        after = await _row(runtime, email)
        assert (after.note, after.valid_until, after.permissions) == (
            before.note,
            before.valid_until,
            before.permissions,
        )
        async with runtime.sessions() as db:
            audited = await db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "access_grant.updated")
            )
        assert audited >= 3

        # a delegate of the customer cannot change the owner's grants
        await login(client, "matti")
        denied = await _update(client, grant_id, password="matti-demo-password", note="mine now")
        assert denied.data is None and denied.codes()[0] in {"FORBIDDEN", "NOT_FOUND"}
        await login(client, "maija")
        await gql(client, REVOKE, {"input": {"grantId": grant_id}})
        revoked = (await _update(client, grant_id, note="again")).data["updateAccessGrant"]
        assert [e["code"] for e in revoked["errors"]] == ["INVALID_INPUT"]
    finally:
        await login(client, "maija")
        await gql(client, REVOKE, {"input": {"grantId": grant_id}})
