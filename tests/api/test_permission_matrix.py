"""Every guarded field and every mutation, for every kind of relationship (SPEC 3).

The fields come from the schema itself (every field carrying ``@requiresAccess``), so a
new guarded field without a probe here fails the suite, and so does a new mutation
without a decision in ``MUTATION_POLICY``. The expected outcome is computed from the
demo data's relationships, not from the implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import graphql
import pytest
from sqlalchemy import select

from domain.customers import Customer, LocationOfUse
from domain.invoices import Invoice
from resolvers.ids import to_global_id
from tests.conftest import ROOT, gql, login

RANK = {None: 0, "READ": 1, "READ_WRITE": 2}
ALL_RW = dict.fromkeys(["CONTRACTS", "INVOICES", "REPORTING", "MESSAGES", "MY_INFORMATION"], "READ_WRITE")


@dataclass(frozen=True)
class Case:
    """A viewer looking at a target customer, and the levels they should have."""

    name: str
    username: str | None
    target: str  # customer number
    levels: dict[str, str]
    related: bool


MAIJA, AS_OY = "2100458", "3200582"
CASES = [
    Case("owner", "maija", MAIJA, ALL_RW, True),
    Case(
        "delegate (READ, READ_WRITE and none)",
        "matti",
        MAIJA,
        {"INVOICES": "READ", "REPORTING": "READ", "MESSAGES": "READ_WRITE"},
        True,
    ),
    Case("housing manager", "isannoitsija", AS_OY, ALL_RW, True),
    Case("unrelated customer", "liisa", MAIJA, {}, False),
    Case("customer service", "asiakaspalvelu", MAIJA, {}, False),
    Case("anonymous", None, MAIJA, {}, False),
]


def guarded_fields() -> dict[str, tuple[str, str]]:
    """``Type.field`` -> (section, level) for every field with ``@requiresAccess`` in the SDL."""
    schema = graphql.build_schema((ROOT / "schema.graphql").read_text())
    found = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, graphql.GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            for directive in (field.ast_node.directives or ()) if field.ast_node else ():
                if directive.name.value == "requiresAccess":
                    args = {a.name.value: a.value.value for a in directive.arguments}
                    found[f"{type_.name}.{name}"] = (args["section"], args["level"])
    return found


# How to reach each guarded field: through customer(id:) and through node(id:).
CUSTOMER_FIELD_SELECTIONS = {
    "Customer.contracts": "contracts(first: 1) { totalCount }",
    "Customer.invoices": "invoices(first: 1) { totalCount }",
    "Customer.consumption": 'consumption(locationOfUseId: $location, from: "2026-01-01", to: "2026-01-02", '
    "resolution: DAY) { totalKwh }",
    "Customer.nextInvoiceEstimate": "nextInvoiceEstimate(locationOfUseId: $location) { periodStart }",
    "Customer.messageThreads": "messageThreads(first: 1) { totalCount }",
    "Customer.contactInformation": "contactInformation { phoneNumbers { number } }",
    "Customer.messagingSettings": "messagingSettings { language }",
}


def _customer_probes(selection: str) -> list[str]:
    variables = "$customer: ID!" + (", $location: ID!" if "$location" in selection else "")
    return [
        f"query({variables}) {{ customer(id: $customer) {{ {selection} }} }}",
        f"query({variables}) {{ node(id: $customer) {{ ... on Customer {{ {selection} }} }} }}",
    ]


PROBES = {
    **{name: _customer_probes(selection) for name, selection in CUSTOMER_FIELD_SELECTIONS.items()},
    "LocationOfUse.profile": [
        "query($customer: ID!) { customer(id: $customer) { locationsOfUse { profile { buildingType } } } }",
        "query($location: ID!) { node(id: $location) { ... on LocationOfUse { profile { buildingType } } } }",
    ],
    "Invoice.contract": [
        "query($invoice: ID!) { node(id: $invoice) { ... on Invoice { contract { id } } } }",
        "query($customer: ID!) { customer(id: $customer) { invoices(first: 1) "
        "{ edges { node { contract { id } } } } } }",
    ],
}


def test_every_guarded_field_has_a_probe() -> None:
    missing = set(guarded_fields()) - set(PROBES)
    assert not missing, f"add a probe (and so a decision) for {sorted(missing)}"


async def _ids(runtime, customer_number: str) -> dict[str, str]:
    async with runtime.sessions() as db:
        customer = (
            await db.execute(select(Customer).where(Customer.customer_number == customer_number))
        ).scalar_one()
        location = (
            (
                await db.execute(
                    select(LocationOfUse)
                    .where(LocationOfUse.customer_id == customer.id)
                    .order_by(LocationOfUse.id)
                )
            )
            .scalars()
            .first()
        )
        invoice = (
            (
                await db.execute(
                    select(Invoice)
                    .where(
                        Invoice.customer_id == customer.id, Invoice.issued_on >= runtime.settings.cutover_date
                    )
                    .order_by(Invoice.issued_on.desc())
                )
            )
            .scalars()
            .first()
        )
    return {
        "customer": to_global_id("Customer", customer.id),
        "location": to_global_id("LocationOfUse", location.id),
        "invoice": to_global_id("Invoice", invoice.id),
    }


def _value(data, path: list[str]):
    for key in path:
        if data is None:
            return None
        if isinstance(data, list):
            data = data[0] if data else None
            if data is None:
                return None
        data = data.get(key)
    return data


def _leaf_path(query: str, field: str) -> list[str]:
    document = graphql.parse(query)
    path: list[str] = []

    def walk(selections) -> bool:
        for selection in selections:
            if isinstance(selection, graphql.InlineFragmentNode):
                if walk(selection.selection_set.selections):
                    return True
                continue
            path.append(selection.name.value)
            if selection.name.value == field:
                return True
            if selection.selection_set and walk(selection.selection_set.selections):
                return True
            path.pop()
        return False

    walk(document.definitions[0].selection_set.selections)
    return path


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_guarded_fields_follow_the_relationship(client, runtime, case: Case) -> None:
    ids = await _ids(runtime, case.target)
    if case.username:
        await login(client, case.username)
    for name, (section, level) in guarded_fields().items():
        allowed = case.related and RANK[case.levels.get(section)] >= RANK[level]
        field = name.split(".")[1]
        for query in PROBES[name]:
            names = {v.variable.name.value for v in graphql.parse(query).definitions[0].variable_definitions}
            result = await gql(client, query, {k: v for k, v in ids.items() if k in names})
            value = _value(result.data, _leaf_path(query, field))
            codes = set(result.codes())
            where = f"{case.name}: {name} via {query[:60]}"
            if allowed:
                assert (
                    "FORBIDDEN" not in codes and "NOT_FOUND" not in codes and "UNAUTHENTICATED" not in codes
                ), where
                assert value is not None, where
            else:
                assert value is None, where
                assert codes & {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}, where


#: Who may call each mutation. A new mutation without a decision here fails the suite.
MUTATION_POLICY = {
    "login": "public",
    "logout": "public",
    "obtainToken": "public",
    "revokeRefreshToken": "public",
    "completeRegistration": "public",
    "confirmEmail": "public",
    "requestPasswordReset": "public",
    "resetPassword": "public",
    "requestUsernameReminder": "public",
    "subscribeNewsletter": "public",
    "confirmNewsletterSubscription": "public",
    "unsubscribeNewsletter": "public",
    "confirmContactEmail": "public",
    "changePassword": "signed_in",
    "acceptInvitation": "signed_in",
    "changeUsername": "signed_in",
    "grantAccess": "owner",
    "revokeAccess": "owner",
    "updateAccessGrant": "owner",
    "attachCustomersToUser": "staff",
    "detachCustomersFromUser": "staff",
    "replyToThread": "staff",
    "publishBulletin": "staff",
    "sendMessage": "write:MESSAGES",
    "markThreadRead": "write:MESSAGES",
    "updateContactInformation": "write:MY_INFORMATION",
    "updateMessagingSettings": "write:MY_INFORMATION",
}


def test_every_mutation_has_a_decision() -> None:
    schema = graphql.build_schema((ROOT / "schema.graphql").read_text())
    missing = set(schema.mutation_type.fields) - set(MUTATION_POLICY)
    assert not missing, f"decide who may call {sorted(missing)}"


GRANT_NOTHING = """mutation($customer: ID!) {
  grantAccess(input: {customerId: $customer, granteeEmail: "someone@example.com",
                      permissions: [], password: "x"}) {
    grant { id } errors { code }
  }
}"""
ATTACH_NOTHING = """mutation {
  attachCustomersToUser(input: {username: "no-such-user-here", customerNumbers: ["0"], permissions: []}) {
    grants { id } errors { code }
  }
}"""
DETACH_NOTHING = """mutation {
  detachCustomersFromUser(input: {username: "no-such-user-here", customerNumbers: ["0"]}) {
    grants { id } errors { code }
  }
}"""


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_owner_and_staff_mutations_follow_the_relationship(client, runtime, case: Case) -> None:
    """Calls that get past the access check fail validation, so nothing changes."""
    ids = await _ids(runtime, case.target)
    if case.username:
        await login(client, case.username)
    result = await gql(client, GRANT_NOTHING, {"customer": ids["customer"]})
    if case.name == "owner":
        assert result.data["grantAccess"]["errors"][0]["code"] == "INVALID_INPUT"
    else:
        assert result.data is None and result.codes()[0] in {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}
    for mutation, field in (
        (ATTACH_NOTHING, "attachCustomersToUser"),
        (DETACH_NOTHING, "detachCustomersFromUser"),
    ):
        result = await gql(client, mutation)
        if case.name == "customer service":
            assert result.data[field]["errors"], field
        else:
            assert result.data is None and result.codes()[0] in {"FORBIDDEN", "UNAUTHENTICATED"}, field
