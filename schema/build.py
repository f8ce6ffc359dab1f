"""Schema assembly: types, the access guards, extensions and limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from schema.accounts import AccountMutations
from schema.auth import AuthMutations
from schema.bulletins import Bulletin
from schema.contracts import Contract, ContractConnection, ContractEdge
from schema.customers import Customer, User, Viewer
from schema.directives import RequiresAccess, install_access_guards
from schema.errors import ErrorPolicy, ProductionErrorPolicy
from schema.invoices import Invoice, InvoiceConnection, InvoiceEdge
from schema.limits import DEFAULT_LIMITS, Limits, limits_rule
from schema.locations import LocationOfUse
from schema.query import Query
from schema.registration import RegistrationMutations
from schema.tokens import TokenMutations

#: Every object type with fields; the access guards are installed on these.
OBJECT_TYPES: tuple[type, ...] = (
    Query,
    AuthMutations,
    Viewer,
    User,
    Customer,
    LocationOfUse,
    Contract,
    ContractConnection,
    ContractEdge,
    Invoice,
    InvoiceConnection,
    InvoiceEdge,
    Bulletin,
)


@strawberry.type(description="Changes to the customer Online service.")
class Mutation(AuthMutations, AccountMutations, TokenMutations, RegistrationMutations):
    pass


class EnergyPortalSchema(strawberry.Schema):
    """Errors are logged by ``ErrorPolicy`` (unexpected ones only), not here."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def _factory(cls: type[SchemaExtension], *args: Any) -> Callable[[], SchemaExtension]:
    """A factory, so that every request gets its own extension instance."""
    return lambda: cls(*args)


def build_schema(*, production: bool = False, limits: Limits = DEFAULT_LIMITS) -> strawberry.Schema:
    """The GraphQL schema; in production without introspection and suggestions."""
    install_access_guards((*OBJECT_TYPES, Mutation))
    extensions: list[Any] = [
        ProductionErrorPolicy if production else ErrorPolicy,
        _factory(MaxTokensLimiter, limits.max_tokens),
        _factory(AddValidationRules, [limits_rule(limits)]),
        _factory(ParserCache, 256),
        _factory(ValidationCache, 256),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return EnergyPortalSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        schema_directives=[RequiresAccess],
    )
