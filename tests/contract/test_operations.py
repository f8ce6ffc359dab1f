"""The client operations in ../shared/operations against the exported schema."""

from __future__ import annotations

import graphql
import pytest

from app.cli import export_schema_text
from tests.conftest import ROOT, SHARED

OPERATIONS = sorted((SHARED / "operations").rglob("*.graphql"))

#: Operations whose fields later issues build (issue numbers in the comments). This list
#: only shrinks: a test fails when a pending operation starts to validate.
PENDING = {
    "Consumption": "reporting (issue 6)",
    "ConsumptionChart": "reporting (issue 6)",
    "NextInvoiceEstimate": "reporting (issue 6)",
    "ObtainToken": "mobile tokens (issue 3)",
    "RevokeRefreshToken": "mobile tokens (issue 3)",
    "CompleteRegistration": "registration (issue 3)",
    "ConfirmEmail": "registration (issue 3)",
    "RequestPasswordReset": "account recovery (issue 3)",
    "RequestUsernameReminder": "account recovery (issue 3)",
    "ResetPassword": "account recovery (issue 3)",
    "ChangePassword": "passwords (issue 3)",
    "ChangeUsername": "passwords (issue 3)",
    "AccessRights": "delegated access (issue 4)",
    "GrantAccess": "delegated access (issue 4)",
    "RevokeAccess": "delegated access (issue 4)",
    "AttachCustomersToUser": "housing managers (issue 4)",
    "MessageThreads": "messages (issue 7)",
    "SendMessage": "messages (issue 7)",
    "MarkThreadRead": "messages (issue 7)",
    "ReplyToThread": "messages (issue 7)",
    "MyInformation": "my information (issue 7)",
    "UpdateContactInformation": "my information (issue 7)",
    "UpdateMessagingSettings": "my information (issue 7)",
    "SubscribeNewsletter": "newsletter (issue 7)",
    "PublishBulletin": "bulletins (issue 7)",
}


@pytest.fixture(scope="module")
def committed_schema() -> graphql.GraphQLSchema:
    return graphql.build_schema((ROOT / "schema.graphql").read_text())


def test_operations_exist() -> None:
    assert len(OPERATIONS) >= 30
    assert set(PENDING) <= {p.stem for p in OPERATIONS}


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates(path, committed_schema) -> None:
    errors = graphql.validate(committed_schema, graphql.parse(path.read_text()))
    if path.stem in PENDING:
        assert errors, f"{path.stem} validates now: remove it from PENDING"
    else:
        assert errors == [], [e.message for e in errors]


def test_committed_schema_is_what_the_code_builds() -> None:
    assert (ROOT / "schema.graphql").read_text() == export_schema_text(), (
        "schema.graphql is stale: run `energy-portal export-schema` and commit it"
    )


def test_guarded_fields_show_the_directive_in_the_sdl() -> None:
    sdl = (ROOT / "schema.graphql").read_text()
    assert "directive @requiresAccess(section: Section!, level: AccessLevel!) on FIELD_DEFINITION" in sdl
    for line in (
        "ContractConnection @requiresAccess(section: CONTRACTS, level: READ)",
        "InvoiceConnection @requiresAccess(section: INVOICES, level: READ)",
        "profile: LocationProfile @requiresAccess(section: CONTRACTS, level: READ)",
        "contract: Contract @requiresAccess(section: CONTRACTS, level: READ)",
    ):
        assert line in sdl


def test_every_guarded_field_is_nullable(committed_schema) -> None:
    for type_ in committed_schema.type_map.values():
        if not isinstance(type_, graphql.GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            node = field.ast_node
            if node and any(d.name.value == "requiresAccess" for d in node.directives or ()):
                assert not isinstance(field.type, graphql.GraphQLNonNull), f"{type_.name}.{name}"
