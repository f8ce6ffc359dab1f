"""Every guarded field and every mutation, for every kind of relationship (SPEC 3).

The fields come from the schema itself (every field carrying ``@requiresAccess``), so a
new guarded field without a probe here fails the suite, and so does a new mutation
without a decision in ``MUTATION_POLICY``. The expected outcome is computed from the
demo data's relationships, not from the implementation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import graphql
import pytest
from sqlalchemy import select

from domain.contracts import Contract
from domain.customers import Customer, LocationOfUse
from domain.invoices import Invoice
from resolvers.ids import to_global_id
from tests.api.api_token_helpers import make_api_token, restored_api_tokens
from tests.conftest import ROOT, gql, login

RANK = {None: 0, "READ": 1, "READ_WRITE": 2}
SECTIONS = ["CONTRACTS", "INVOICES", "REPORTING", "MESSAGES", "MY_INFORMATION"]
ALL_RW = dict.fromkeys(SECTIONS, "READ_WRITE")
ALL_READ = dict.fromkeys(SECTIONS, "READ")


@dataclass(frozen=True)
class Case:
    """A viewer looking at a target customer, and the levels they should have.

    With ``token`` the viewer is a program with a personal API token of the target's owner
    (made for the test, with ``levels`` as its permissions), limited to the probed location
    (``"probed"``), to another one (``"other"``: what is reached through the probed location
    is refused), or to none (``"all"``).
    """

    name: str
    username: str | None
    target: str  # customer number
    levels: dict[str, str]
    related: bool
    token: str | None = None

    @property
    def sees_probed_location(self) -> bool:
        return self.token != "other"


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
    Case("API token (every section READ)", None, MAIJA, ALL_READ, True, token="all"),
    Case(
        "API token (REPORTING READ, the probed location)",
        None,
        MAIJA,
        {"REPORTING": "READ"},
        True,
        token="probed",
    ),
    Case(
        "API token (CONTRACTS, INVOICES, REPORTING READ, another location)",
        None,
        MAIJA,
        {"CONTRACTS": "READ", "INVOICES": "READ", "REPORTING": "READ"},
        True,
        token="other",
    ),
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
    "Customer.consumptionExport": 'consumptionExport(locationOfUseId: $location, from: "2026-01-01", '
    'to: "2026-01-02", resolution: DAY, format: CSV) { url }',
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


#: Sections a probe passes through before it reaches its field (an invoice's contract is
#: reached through the invoice), besides the field's own.
PATH_SECTIONS = {"Invoice.contract": {"INVOICES"}}


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
        # An invoice of the probed location (through its contract), so that a case limited
        # to some locations reaches both or neither.
        invoice = (
            (
                await db.execute(
                    select(Invoice)
                    .join(Contract, Contract.id == Invoice.contract_id)
                    .where(
                        Invoice.customer_id == customer.id,
                        Invoice.issued_on >= runtime.settings.cutover_date,
                        Contract.location_of_use_id == location.id,
                    )
                    .order_by(Invoice.issued_on.desc())
                )
            )
            .scalars()
            .first()
        )
        other = await db.scalar(
            select(LocationOfUse.id)
            .where(LocationOfUse.customer_id == customer.id, LocationOfUse.id != location.id)
            .order_by(LocationOfUse.id)
        )
    return {
        "customer": to_global_id("Customer", customer.id),
        "location": to_global_id("LocationOfUse", location.id),
        "invoice": to_global_id("Invoice", invoice.id),
        "_pks": (customer.id, location.id, other),
    }


@asynccontextmanager
async def viewer(client, runtime, case: Case, ids: dict) -> AsyncIterator[dict[str, str]]:
    """Sign the case's viewer in; the headers its requests carry (a program's bearer token)."""
    if case.username:
        await login(client, case.username)
    if case.token is None:
        yield {}
        return
    customer, probed, other = ids["_pks"]
    locations = {"all": None, "probed": [probed], "other": [other]}[case.token]
    async with restored_api_tokens(runtime):
        _, secret = await make_api_token(runtime, customer, case.levels, location_ids=locations)
        yield {"authorization": f"Bearer {secret}"}


def _expected(case: Case, name: str, section: str, level: str, variables: set[str]) -> bool:
    """Whether the case's viewer should see the field through a probe taking ``variables``."""
    if not case.related:
        return False
    needed = {section: level} | dict.fromkeys(PATH_SECTIONS.get(name, ()), "READ")
    if any(RANK[case.levels.get(s)] < RANK[lv] for s, lv in needed.items()):
        return False
    # Through the probed location or its invoice: not for a token limited to another one.
    return case.sees_probed_location or not ({"location", "invoice"} & variables)


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
    async with viewer(client, runtime, case, ids) as headers:
        if case.token:
            query = "query($id: ID!) { customer(id: $id) { relationship } }"
            seen = await gql(client, query, {"id": ids["customer"]}, **headers)
            assert seen.data["customer"] == {"relationship": "API_TOKEN"}
        await _probe_guarded_fields(client, case, ids, headers)


async def _probe_guarded_fields(client, case: Case, ids: dict, headers: dict[str, str]) -> None:
    for name, (section, level) in guarded_fields().items():
        field = name.split(".")[1]
        for query in PROBES[name]:
            names = {v.variable.name.value for v in graphql.parse(query).definitions[0].variable_definitions}
            allowed = _expected(case, name, section, level, names)
            result = await gql(client, query, {k: v for k, v in ids.items() if k in names}, **headers)
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
    "updateUserLanguage": "signed_in",
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
    "createApiToken": "owner",
    "revokeApiToken": "owner",
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


CREATE_TOKEN_NOTHING = """mutation($customer: ID!) {
  createApiToken(input: {customerId: $customer, name: "", permissions: [], password: "x"}) {
    token { id } secret errors { code }
  }
}"""
REVOKE_NO_TOKEN = """mutation { revokeApiToken(input: {tokenId: "QXBpVG9rZW46OTk5OTk5"}) { token { id } } }"""


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_owner_and_staff_mutations_follow_the_relationship(client, runtime, case: Case) -> None:
    """Calls that get past the access check fail validation, so nothing changes."""
    ids = await _ids(runtime, case.target)
    async with viewer(client, runtime, case, ids) as headers:
        for mutation, field in ((GRANT_NOTHING, "grantAccess"), (CREATE_TOKEN_NOTHING, "createApiToken")):
            result = await gql(client, mutation, {"customer": ids["customer"]}, **headers)
            if case.name == "owner":
                assert result.data[field]["errors"][0]["code"] == "INVALID_INPUT", field
            else:
                assert result.data is None, field
                assert result.codes()[0] in {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}, field
        # A token that does not exist is NOT_FOUND for everyone signed in (a program: FORBIDDEN).
        result = await gql(client, REVOKE_NO_TOKEN, **headers)
        assert result.data is None and result.codes()[0] in {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}
        for mutation, field in (
            (ATTACH_NOTHING, "attachCustomersToUser"),
            (DETACH_NOTHING, "detachCustomersFromUser"),
        ):
            result = await gql(client, mutation, **headers)
            if case.name == "customer service":
                assert result.data[field]["errors"], field
            else:
                assert result.data is None and result.codes()[0] in {"FORBIDDEN", "UNAUTHENTICATED"}, field


def _placeholder(type_: graphql.GraphQLInputType) -> str:
    """A literal of ``type_`` that passes validation (what it asks is refused before it runs)."""
    if isinstance(type_, graphql.GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, graphql.GraphQLList):
        return "[]"
    if isinstance(type_, graphql.GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, graphql.GraphQLInputObjectType):
        required = [
            f"{name}: {_placeholder(f.type)}"
            for name, f in type_.fields.items()
            if isinstance(f.type, graphql.GraphQLNonNull)
        ]
        return "{" + ", ".join(required) + "}"
    return {"Int": "1", "Float": "1.0", "Boolean": "false", "Date": '"2030-01-01"'}.get(type_.name, '"x"')


@pytest.mark.parametrize("case", [c for c in CASES if c.token], ids=lambda c: c.name)
async def test_a_program_token_may_call_no_mutation(client, runtime, case: Case) -> None:
    """Every mutation of the schema, refused with FORBIDDEN before it runs (SPEC 3: read-only)."""
    schema = graphql.build_schema((ROOT / "schema.graphql").read_text())
    ids = await _ids(runtime, case.target)
    async with viewer(client, runtime, case, ids) as headers:
        for name, field in schema.mutation_type.fields.items():
            arguments = ", ".join(
                f"{arg}: {_placeholder(a.type)}"
                for arg, a in field.args.items()
                if isinstance(a.type, graphql.GraphQLNonNull)
            )
            document = f"mutation {{ {name}{f'({arguments})' if arguments else ''} {{ __typename }} }}"
            assert graphql.validate(schema, graphql.parse(document)) == [], document
            result = await gql(client, document, **headers)
            assert result.data is None and result.codes() == ["FORBIDDEN"], name
