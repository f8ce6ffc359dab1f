"""Personal API tokens for programs (issue 15, part 5): created once by an owner, read-only,
limited to chosen sections and locations of use, with a budget of their own."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import graphql
import httpx
from sqlalchemy import func, select, update

from app.http import build_app
from auth.api_tokens import API_TOKEN_PREFIX, ApiTokenUse, record_api_token_use
from auth.budget import BucketPolicy, Budget, BudgetPolicy, DatabaseBudgetStore, budget_key
from auth.file_tokens import FileGrant, issue_file_token
from auth.hashing import token_hash
from auth.principal import ApiTokenScope, Principal
from domain.api_tokens import MAX_ACTIVE_API_TOKENS, ApiToken
from domain.base import today_helsinki
from domain.contracts import Contract
from domain.customers import AccessGrant
from domain.invoices import CreditNote, Invoice
from domain.messages import MessageThread
from domain.users import AuditEvent, UserRole
from resolvers.ids import to_global_id
from schema.cost import LIST_SIZES
from tests.api.api_token_helpers import (
    maija_places,
    make_api_token,
    program,
    restored_api_tokens,
)
from tests.conftest import DEMO_PASSWORDS, ROOT, count_statements, forget_rate_limits, gql, login, operation

CREATE = operation("CreateApiToken")
TOKENS = operation("ApiTokens")
REVOKE = operation("RevokeApiToken")
PASSWORD = DEMO_PASSWORDS["maija"]

READS = """query($customer: ID!, $apartment: ID!, $cottage: ID!, $from: Date!, $to: Date!) {
  viewer { user { id } }
  customer(id: $customer) {
    id relationship access { section level }
    locationsOfUse { id }
    apartment: consumption(locationOfUseId: $apartment, from: $from, to: $to, resolution: DAY) { totalKwh }
    cottage: consumption(locationOfUseId: $cottage, from: $from, to: $to, resolution: DAY) { totalKwh }
    estimate: nextInvoiceEstimate(locationOfUseId: $apartment) { periodStart }
    cottageEstimate: nextInvoiceEstimate(locationOfUseId: $cottage) { periodStart }
    invoices(first: 1) { totalCount }
    contracts(first: 1) { totalCount }
    messageThreads(first: 1) { totalCount }
    contactInformation { phoneNumbers { number } }
  }
}"""
CUSTOMER = "query($id: ID!) { customer(id: $id) { id relationship } }"


def _error_codes(result) -> dict[str, str]:
    """``{response path: code}`` of a result's errors."""
    return {".".join(str(p) for p in e.get("path") or []): e["extensions"]["code"] for e in result.errors}


async def _create(client, customer: str, **fields):
    variables = {
        "customerId": customer,
        "name": "Kotiautomaatio",
        "permissions": [{"section": "REPORTING", "level": "READ"}],
        "password": PASSWORD,
        **fields,
    }
    return await gql(client, CREATE, {"input": variables})


async def _counts(runtime) -> tuple[int, int, int, int]:
    """Rows that a refused mutation must not add: tokens, grants, threads, audit events."""
    counts = []
    async with runtime.sessions() as db:
        for model in (ApiToken, AccessGrant, MessageThread, AuditEvent):
            counts.append(int(await db.scalar(select(func.count()).select_from(model))))
    return tuple(counts)


async def test_maija_gives_a_program_her_apartments_consumption_and_then_revokes_it(client, runtime) -> None:
    """The issue's done-when, with the client operations."""
    ids = await maija_places(runtime)
    apartment, cottage = ids.gid(ids.first), ids.gid(ids.second)
    day = today_helsinki() - timedelta(days=3)
    reads = {"customer": ids.customer_gid, "apartment": apartment, "cottage": cottage}
    reads.update({"from": (day - timedelta(days=6)).isoformat(), "to": day.isoformat()})
    await login(client, "maija")
    async with restored_api_tokens(runtime):
        created = await _create(client, ids.customer_gid, locationOfUseIds=[apartment])
        payload = created.data["createApiToken"]
        assert payload["errors"] == []
        secret, token = payload["secret"], payload["token"]
        assert secret.startswith(API_TOKEN_PREFIX) and len(secret) > 40
        assert token["name"] == "Kotiautomaatio" and token["validUntil"] is None
        assert token["permissions"] == [{"section": "REPORTING", "level": "READ"}]

        # The secret is never readable again: the list has no field for it, the row only its hash.
        schema = graphql.build_schema((ROOT / "schema.graphql").read_text())
        assert "secret" not in schema.type_map["ApiToken"].fields
        async with runtime.sessions() as db:
            row = (await db.execute(select(ApiToken).where(ApiToken.name == "Kotiautomaatio"))).scalar_one()
        assert row.token_hash == token_hash(secret)
        assert secret not in repr(row.model_dump())
        listed = (await gql(client, TOKENS, {"customerId": ids.customer_gid})).data["customer"]["apiTokens"]
        assert [t["id"] for t in listed] == [token["id"]]
        assert listed[0]["locationsOfUse"] == [
            {"id": apartment, "meteringPointId": listed[0]["locationsOfUse"][0]["meteringPointId"]}
        ]
        assert listed[0]["lastUsedAt"] is None

        async with program(runtime, secret) as robot:
            assert robot.cookies.jar is not None and len(robot.cookies.jar) == 0
            result = await gql(robot, READS, reads)
            data = result.data
            assert data["viewer"] is None
            customer = data["customer"]
            assert customer["relationship"] == "API_TOKEN"
            assert customer["access"] == [{"section": "REPORTING", "level": "READ"}]
            assert customer["locationsOfUse"] == [{"id": apartment}]
            assert customer["apartment"]["totalKwh"] > 0
            assert customer["estimate"] is not None
            for refused in ("cottage", "cottageEstimate", "invoices", "contracts", "messageThreads"):
                assert customer[refused] is None, refused
            assert _error_codes(result) == {
                "customer.cottage": "NOT_FOUND",
                "customer.cottageEstimate": "NOT_FOUND",
                "customer.invoices": "FORBIDDEN",
                "customer.contracts": "FORBIDDEN",
                "customer.messageThreads": "FORBIDDEN",
                "customer.contactInformation": "FORBIDDEN",
            }
            # node(id:) follows the same rules: the cottage is as unknown as another customer's place.
            node = "query($id: ID!) { node(id: $id) { id } }"
            assert (await gql(robot, node, {"id": apartment})).data["node"] == {"id": apartment}
            assert (await gql(robot, node, {"id": cottage})).codes() == ["NOT_FOUND"]

            # Every mutation is refused, coded, and changes nothing.
            before = await _counts(runtime)
            maija_user = (await gql(client, "{ viewer { user { id } } }")).data["viewer"]["user"]["id"]
            mutations = [
                (
                    operation("SendMessage"),
                    {
                        "input": {
                            "customerId": ids.customer_gid,
                            "subject": "Robotti",
                            "category": "CONSUMPTION",
                            "body": "Hei",
                        }
                    },
                ),
                (
                    operation("ChangePassword"),
                    {"input": {"currentPassword": PASSWORD, "newPassword": "robotin-oma-salasana-123"}},
                ),
                (
                    operation("GrantAccess"),
                    {
                        "input": {
                            "customerId": ids.customer_gid,
                            "granteeEmail": "robotti@example.com",
                            "permissions": [{"section": "INVOICES", "level": "READ"}],
                            "password": PASSWORD,
                        }
                    },
                ),
                (
                    CREATE,
                    {
                        "input": {
                            "customerId": ids.customer_gid,
                            "name": "Robotin oma",
                            "permissions": [{"section": "INVOICES", "level": "READ"}],
                            "password": PASSWORD,
                        }
                    },
                ),
                (REVOKE, {"input": {"tokenId": token["id"]}}),
                (operation("Logout"), {}),
            ]
            for document, variables in mutations:
                refused = await gql(robot, document, variables)
                assert refused.data is None and refused.codes() == ["FORBIDDEN"], document[:40]
            assert await _counts(runtime) == before
            await login(client, "maija")  # the password is unchanged, the session still works

            # Nothing of a user's: no viewer, no bulletins, not even the creator's user node.
            user_reads = await gql(
                robot,
                "query($u: ID!) { viewer { user { id } } bulletins { id } node(id: $u) { id } }",
                {"u": maija_user},
            )
            assert user_reads.data == {"viewer": None, "bulletins": None, "node": None}
            assert sorted(user_reads.codes()) == ["FORBIDDEN", "NOT_FOUND"]

            listed = (await gql(client, TOKENS, {"customerId": ids.customer_gid})).data["customer"][
                "apiTokens"
            ]
            assert listed[0]["lastUsedAt"] is not None

            revoked = await gql(client, REVOKE, {"input": {"tokenId": token["id"]}})
            assert revoked.data["revokeApiToken"] == {"token": {"id": token["id"]}, "errors": []}
            response = await robot.post(
                "/graphql", json={"query": CUSTOMER, "variables": {"id": ids.customer_gid}}
            )
            assert response.status_code == 200
            assert response.headers["www-authenticate"].startswith("Bearer")
            after = response.json()
            assert after["data"] == {"customer": None}
            assert [e["extensions"]["code"] for e in after["errors"]] == ["UNAUTHENTICATED"]

        listed = (await gql(client, TOKENS, {"customerId": ids.customer_gid})).data["customer"]["apiTokens"]
        assert listed == []
        async with runtime.sessions() as db:
            actions = list(
                (
                    await db.execute(
                        select(AuditEvent.action)
                        .where(AuditEvent.action.like("api_token.%"), AuditEvent.customer_id == ids.customer)
                        .order_by(AuditEvent.id.desc())
                        .limit(3)
                    )
                ).scalars()
            )
        assert actions == ["api_token.revoked", "api_token.used", "api_token.created"]


async def test_an_expired_or_unknown_token_is_refused(runtime) -> None:
    ids = await maija_places(runtime)
    async with restored_api_tokens(runtime):
        token_id, secret = await make_api_token(
            runtime, ids.customer, {"REPORTING": "READ"}, valid_until=today_helsinki()
        )
        async with program(runtime, secret) as robot:
            # The last day of access is today (Finnish time): it still works.
            ok = await gql(robot, CUSTOMER, {"id": ids.customer_gid})
            assert ok.data["customer"]["relationship"] == "API_TOKEN"
            async with runtime.sessions() as db, db.begin():
                await db.execute(
                    update(ApiToken)
                    .where(ApiToken.id == token_id)
                    .values(valid_until=today_helsinki() - timedelta(days=1))
                )
            expired = await gql(robot, CUSTOMER, {"id": ids.customer_gid})
            assert expired.data == {"customer": None} and expired.codes() == ["UNAUTHENTICATED"]
        for bogus in (API_TOKEN_PREFIX + "not-a-token", secret + "x", API_TOKEN_PREFIX + "x" * 500):
            async with program(runtime, bogus) as robot:
                response = await robot.post(
                    "/graphql", json={"query": CUSTOMER, "variables": {"id": ids.customer_gid}}
                )
                assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
                assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]


async def test_a_token_stops_when_its_creator_no_longer_owns_the_customer(runtime) -> None:
    """The token stands for an owner's consent: one made by someone else opens nothing."""
    ids = await maija_places(runtime)
    async with restored_api_tokens(runtime):
        _, secret = await make_api_token(runtime, ids.customer, {"REPORTING": "READ"}, created_by="matti")
        async with program(runtime, secret) as robot:
            assert (await gql(robot, CUSTOMER, {"id": ids.customer_gid})).codes() == ["UNAUTHENTICATED"]


async def test_who_may_create_what(client, runtime) -> None:
    ids = await maija_places(runtime)
    async with restored_api_tokens(runtime):
        before = (await _counts(runtime))[0]
        await login(client, "matti")
        delegate = await _create(client, ids.customer_gid)
        assert delegate.data is None and delegate.codes() == ["FORBIDDEN"]
        await login(client, "liisa")
        unrelated = await _create(client, ids.customer_gid)
        assert unrelated.data is None and unrelated.codes() == ["NOT_FOUND"]
        liisa_places = (await gql(client, "{ viewer { customers { locationsOfUse { id } } } }")).data
        liisa_location = liisa_places["viewer"]["customers"][0]["locationsOfUse"][0]["id"]

        await login(client, "maija")
        cases = [
            (
                {"permissions": [{"section": "REPORTING", "level": "READ_WRITE"}]},
                ["permissions"],
                "INVALID_INPUT",
            ),
            ({"permissions": []}, ["permissions"], "INVALID_INPUT"),
            (
                {"locationOfUseIds": [ids.gid(ids.first), liisa_location]},
                ["locationOfUseIds", "1"],
                "INVALID_INPUT",
            ),
            ({"locationOfUseIds": ["not-an-id"]}, ["locationOfUseIds", "0"], "INVALID_INPUT"),
            ({"name": "   "}, ["name"], "INVALID_INPUT"),
            ({"name": "x" * 101}, ["name"], "INVALID_INPUT"),
            (
                {"validUntil": (today_helsinki() - timedelta(days=1)).isoformat()},
                ["validUntil"],
                "INVALID_INPUT",
            ),
            ({"password": "not-maijas-password"}, ["password"], "WRONG_PASSWORD"),
        ]
        for fields, path, code in cases:
            result = await _create(client, ids.customer_gid, **fields)
            payload = result.data["createApiToken"]
            assert payload["token"] is None and payload["secret"] is None, fields
            assert [(e["field"], e["code"]) for e in payload["errors"]] == [(path, code)], fields
        refused = await _create(
            client, ids.customer_gid, permissions=[{"section": "INVOICES", "level": "READ_WRITE"}]
        )
        message = refused.data["createApiToken"]["errors"][0]["message"]
        english = await gql(
            client,
            CREATE,
            {
                "input": {
                    "customerId": ids.customer_gid,
                    "name": "x",
                    "permissions": [{"section": "INVOICES", "level": "READ_WRITE"}],
                    "password": PASSWORD,
                }
            },
            **{"Accept-Language": "en"},
        )
        assert (
            english.data["createApiToken"]["errors"][0]["message"]
            == "A program's token can only read: choose READ for every section."
        )
        assert message != english.data["createApiToken"]["errors"][0]["message"]  # Finnish by default
        assert (await _counts(runtime))[0] == before, "no token was created"

        # Wrong passwords are counted with those of granting access: after five, even the right one waits.
        for _ in range(4):
            wrong = await _create(client, ids.customer_gid, password="not-maijas-password")
            assert wrong.data["createApiToken"]["errors"][0]["code"] == "WRONG_PASSWORD"
        limited = await _create(client, ids.customer_gid)
        assert limited.data["createApiToken"]["errors"][0]["code"] == "RATE_LIMITED"
        assert limited.data["createApiToken"]["secret"] is None
        await forget_rate_limits(runtime)
        created = await _create(client, ids.customer_gid, validUntil=today_helsinki().isoformat())
        assert created.data["createApiToken"]["errors"] == []
        assert created.data["createApiToken"]["token"]["validUntil"] == today_helsinki().isoformat()


async def test_the_token_has_a_budget_of_its_own(runtime) -> None:
    scope = ApiTokenScope(7, 1, {}, None)
    assert budget_key(Principal(3, UserRole.CUSTOMER, api_token=scope), "") == "token:7"
    assert budget_key(Principal(3, UserRole.CUSTOMER), "") == "user:3"

    policy = BucketPolicy(300, 1)
    small = replace(
        runtime,
        budget=Budget(DatabaseBudgetStore(runtime.sessions), BudgetPolicy(10_000, policy, policy)),
    )
    ids = await maija_places(runtime)
    query = {"query": operation("Dashboard")}
    reads = {"query": "query($id: ID!) { customer(id: $id) { id locationsOfUse { id } } }"}
    reads["variables"] = {"id": ids.customer_gid}
    async with restored_api_tokens(runtime):
        _, secret = await make_api_token(runtime, ids.customer, {"REPORTING": "READ"})
        transport = httpx.ASGITransport(app=build_app(small))
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as maija,
            program(small, secret) as robot,
        ):
            await login(maija, "maija")
            # Maija spends her whole bucket; the program's is untouched.
            statuses = [(await maija.post("/graphql", json=query)).status_code for _ in range(3)]
            assert statuses[0] == 200 and statuses[-1] == 429
            first = await robot.post("/graphql", json=reads)
            assert first.status_code == 200
            assert (
                first.json()["extensions"]["cost"]["remaining"]
                >= 300 - 2 * first.json()["extensions"]["cost"]["requested"]
            )
            # ... and the program draining its own (the Dashboard costs a program what it costs
            # Maija, though its viewer is null) leaves the owner's refilling alone.
            robot_statuses = [(await robot.post("/graphql", json=query)).status_code for _ in range(3)]
            assert robot_statuses[0] == 200 and robot_statuses[-1] == 429
            again = await maija.post("/graphql", json=query)
            assert again.json()["extensions"]["cost"]["remaining"] < 300 - 100, "Maija's bucket is still hers"
    await forget_rate_limits(runtime)


async def test_contracts_invoices_and_their_pdfs_follow_the_tokens_locations(client, runtime) -> None:
    ids = await maija_places(runtime)
    contracts_and_invoices = """query($id: ID!) { customer(id: $id) {
      contracts(first: 100) { totalCount edges { node { id locationOfUse { id } } } }
      invoices(first: 100) { totalCount edges { node { id contract { locationOfUse { id } }
        document { url } } } } } }"""
    async with runtime.sessions() as db:
        everything = {
            "contracts": await db.scalar(select(func.count()).where(Contract.customer_id == ids.customer)),
            "cottage contracts": await db.scalar(
                select(func.count()).where(Contract.location_of_use_id == ids.second)
            ),
        }
        apartment_invoice = await db.scalar(
            select(Invoice.id)
            .join(Contract, Contract.id == Invoice.contract_id)
            .where(
                Contract.location_of_use_id == ids.first, Invoice.issued_on >= runtime.settings.cutover_date
            )
            .order_by(Invoice.issued_on.desc())
            .limit(1)
        )
        apartment_contract = await db.scalar(
            select(Contract.id).where(Contract.location_of_use_id == ids.first).limit(1)
        )
    assert 0 < everything["cottage contracts"] < everything["contracts"]
    async with restored_api_tokens(runtime):
        token_id, secret = await make_api_token(
            runtime, ids.customer, {"CONTRACTS": "READ", "INVOICES": "READ"}, location_ids=[ids.second]
        )
        async with program(runtime, secret) as robot:
            result = await gql(robot, contracts_and_invoices, {"id": ids.customer_gid})
            assert result.errors == []
            customer = result.data["customer"]
            cottage = ids.gid(ids.second)
            assert customer["contracts"]["totalCount"] == everything["cottage contracts"]
            assert {e["node"]["locationOfUse"]["id"] for e in customer["contracts"]["edges"]} == {cottage}
            invoices = customer["invoices"]["edges"]
            assert invoices and customer["invoices"]["totalCount"] >= len(invoices)
            assert {e["node"]["contract"]["locationOfUse"]["id"] for e in invoices} == {cottage}
            node = "query($id: ID!) { node(id: $id) { id } }"
            for type_name, pk in (("Invoice", apartment_invoice), ("Contract", apartment_contract)):
                refused = await gql(robot, node, {"id": to_global_id(type_name, pk)})
                assert refused.codes() == ["NOT_FOUND"], type_name

            # The program downloads its own invoice PDFs with its token, and nothing else does.
            url = invoices[0]["node"]["document"]["url"]
            assert (await robot.get(url)).status_code == 200
            await login(client, "maija")
            assert (await client.get(url)).status_code == 403, "bound to the token, not to Maija"
            async with program(runtime) as nobody:
                assert (await nobody.get(url)).status_code == 403
            # A URL issued to the token for a file of another location opens nothing.
            async with runtime.sessions() as db:
                creator = await db.scalar(select(ApiToken.created_by_user_id).where(ApiToken.id == token_id))
                apartment_note = await db.scalar(
                    select(CreditNote.id).join(Invoice, Invoice.id == CreditNote.invoice_id)
                )
            outside = issue_file_token(
                runtime.signing_key, FileGrant("invoice", apartment_invoice, creator, token_id)
            )
            assert (await robot.get(f"/files/{outside}")).status_code == 403
            # The credit note of the apartment's credited invoice neither.
            outside_note = issue_file_token(
                runtime.signing_key, FileGrant("credit_note", apartment_note, creator, token_id)
            )
            assert (await robot.get(f"/files/{outside_note}")).status_code == 403
            # Maija's own URL for the same PDF does not open with the program's token.
            maija_url = (
                await gql(
                    client,
                    "query($id: ID!) { node(id: $id) { ... on Invoice { document { url } } } }",
                    {"id": invoices[0]["node"]["id"]},
                )
            ).data["node"]["document"]["url"]
            assert (await client.get(maija_url)).status_code == 200
            assert (await robot.get(maija_url)).status_code == 403


async def test_only_owners_see_and_reach_tokens(client, runtime) -> None:
    ids = await maija_places(runtime)
    node = "query($id: ID!) { node(id: $id) { id ... on ApiToken { name revokedAt } } }"
    async with restored_api_tokens(runtime):
        token_id, secret = await make_api_token(
            runtime, ids.customer, {"REPORTING": "READ"}, name="Lämpöpumppu"
        )
        gid = to_global_id("ApiToken", token_id)
        await login(client, "maija")
        assert (await gql(client, node, {"id": gid})).data["node"] == {
            "id": gid,
            "name": "Lämpöpumppu",
            "revokedAt": None,
        }
        await login(client, "matti")
        result = await gql(client, TOKENS, {"customerId": ids.customer_gid})
        assert result.data["customer"]["apiTokens"] is None and result.codes() == ["FORBIDDEN"]
        assert (await gql(client, node, {"id": gid})).codes() == ["NOT_FOUND"]
        revoked = await gql(client, REVOKE, {"input": {"tokenId": gid}})
        assert revoked.data is None and revoked.codes() == ["FORBIDDEN"]
        await login(client, "liisa")
        assert (await gql(client, node, {"id": gid})).codes() == ["NOT_FOUND"]
        assert (await gql(client, REVOKE, {"input": {"tokenId": gid}})).codes() == ["NOT_FOUND"]
        async with program(runtime, secret) as robot:
            assert (await gql(robot, node, {"id": gid})).codes() == ["NOT_FOUND"]
            own = await gql(robot, TOKENS, {"customerId": ids.customer_gid})
            assert own.data["customer"]["apiTokens"] is None and own.codes() == ["FORBIDDEN"]
        # A revoked token is left out of the list, still reachable by the owner as a node.
        await login(client, "maija")
        assert (await gql(client, REVOKE, {"input": {"tokenId": gid}})).data["revokeApiToken"]["errors"] == []
        again = await gql(client, REVOKE, {"input": {"tokenId": gid}})
        assert again.data["revokeApiToken"]["errors"] == []
        assert (await gql(client, node, {"id": gid})).data["node"]["revokedAt"] is not None
        listed = await gql(client, TOKENS, {"customerId": ids.customer_gid})
        assert listed.data["customer"]["apiTokens"] == []


async def test_the_list_is_one_statement_however_many_tokens(client, runtime) -> None:
    ids = await maija_places(runtime)
    await login(client, "maija")
    variables = {"customerId": ids.customer_gid}
    async with restored_api_tokens(runtime):
        counts = []
        for limit in ([], [ids.first]):
            await make_api_token(runtime, ids.customer, {"REPORTING": "READ"}, location_ids=limit)
            await make_api_token(runtime, ids.customer, {"INVOICES": "READ"})
            with count_statements(runtime) as statements:
                result = await gql(client, TOKENS, variables)
            assert result.errors == []
            counts.append(len([s for s in statements if "api_tokens" in s]))
            tokens = result.data["customer"]["apiTokens"]
        assert counts == [1, 1]
        assert len(tokens) == 4
        created = [t["createdAt"] for t in tokens]
        assert created == sorted(created, reverse=True), "newest first"
        assert [len(t["locationsOfUse"]) for t in tokens][:2] == [2, 1]
        assert LIST_SIZES[("Customer", "apiTokens")] >= MAX_ACTIVE_API_TOKENS


async def test_a_customer_has_at_most_so_many_tokens_in_use(client, runtime) -> None:
    ids = await maija_places(runtime)
    await login(client, "maija")
    async with restored_api_tokens(runtime):
        made = [
            (await make_api_token(runtime, ids.customer, {"REPORTING": "READ"}))[0]
            for _ in range(MAX_ACTIVE_API_TOKENS)
        ]
        full = await _create(client, ids.customer_gid)
        assert [e["code"] for e in full.data["createApiToken"]["errors"]] == ["INVALID_INPUT"]
        # An expired one no longer counts.
        async with runtime.sessions() as db, db.begin():
            await db.execute(
                update(ApiToken)
                .where(ApiToken.id == made[0])
                .values(valid_until=today_helsinki() - timedelta(days=1))
            )
        assert (await _create(client, ids.customer_gid)).data["createApiToken"]["errors"] == []


async def test_recording_a_use_never_fails_the_request(runtime, caplog) -> None:
    ids = await maija_places(runtime)
    async with restored_api_tokens(runtime):
        token_id, _ = await make_api_token(runtime, ids.customer, {"REPORTING": "READ"})
        principal = Principal(1, UserRole.CUSTOMER, api_token=ApiTokenScope(token_id, ids.customer, {}, None))

        def broken():
            raise RuntimeError("database gone")

        await record_api_token_use(broken, ApiTokenUse(principal, None))  # type: ignore[arg-type]
        assert "could not record the use of API token" in caplog.text

        await record_api_token_use(runtime.sessions, ApiTokenUse(principal, None))
        async with runtime.sessions() as db:
            first = await db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))
        assert first is not None
        # Within the minute nothing is written again.
        await record_api_token_use(
            runtime.sessions, ApiTokenUse(principal, first), now=first + timedelta(seconds=30)
        )
        await record_api_token_use(
            runtime.sessions, ApiTokenUse(principal, None), now=first + timedelta(seconds=30)
        )
        async with runtime.sessions() as db:
            assert await db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id)) == first
        later = first + timedelta(minutes=2)
        await record_api_token_use(runtime.sessions, ApiTokenUse(principal, first), now=later)
        async with runtime.sessions() as db:
            assert await db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id)) == later
