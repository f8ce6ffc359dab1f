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
    # 16: In the customer's language, on complete documents, and told when something happens
    # 17: Reporting a customer can trust (calendar trends, year over year, estimate, weeks, export)
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


def test_every_field_with_the_directive_is_enforced() -> None:
    """The directive and its enforcing extension travel together on every field."""
    from schema.build import build_schema
    from schema.directives import RequiresAccess, RequiresAccessExtension

    schema = build_schema()
    guarded = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, graphql.GraphQLObjectType):
            continue
        definition = (graphql_type.extensions or {}).get("strawberry-definition")
        for field in getattr(definition, "fields", []):
            has_directive = any(isinstance(d, RequiresAccess) for d in field.directives)
            has_guard = any(isinstance(e, RequiresAccessExtension) for e in field.extensions)
            assert has_directive == has_guard, f"{graphql_type.name}.{field.name}"
            guarded += has_guard
    assert guarded >= 4
