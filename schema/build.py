"""Schema assembly: types, the access guards, extensions and limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.types import ExecutionContext

from schema.access import AccessMutations
from schema.access_log import AccessReadLog
from schema.accounts import AccountMutations
from schema.api_tokens import ApiTokenMutations, ApiTokensReadOnly
from schema.auth import AuthMutations
from schema.bulletins import BulletinMutations
from schema.contact import ContactMutations
from schema.cost import CostCache, CostLimit
from schema.directives import RequiresAccess, install_access_guards
from schema.errors import ErrorPolicy, ProductionErrorPolicy
from schema.events import Subscription
from schema.fastpath import FastPathExecutionContext
from schema.limits import DEFAULT_LIMITS, DocumentValidation, Limits, validator
from schema.messages import MessageMutations
from schema.newsletter import NewsletterMutations
from schema.query import Query
from schema.registration import RegistrationMutations
from schema.tokens import TokenMutations


@strawberry.type(description="Changes to the customer Online service.")
class Mutation(
    AuthMutations,
    AccountMutations,
    TokenMutations,
    RegistrationMutations,
    AccessMutations,
    ApiTokenMutations,
    MessageMutations,
    ContactMutations,
    NewsletterMutations,
    BulletinMutations,
):
    pass


class EnergyPortalSchema(strawberry.Schema):
    """Errors are logged by ``ErrorPolicy`` (unexpected ones only), not here."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def reachable_types() -> list[type]:
    """Every strawberry object type the schema reaches (found by building it once)."""
    probe = strawberry.Schema(query=Query, mutation=Mutation, schema_directives=[RequiresAccess])
    found = []
    for graphql_type in probe._schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType):
            definition = (graphql_type.extensions or {}).get("strawberry-definition")
            origin = getattr(definition, "origin", None)
            if origin is not None:
                found.append(origin)
    return found


def _factory(cls: type[SchemaExtension], *args: Any) -> Callable[[], SchemaExtension]:
    """A factory, so that every request gets its own extension instance."""
    return lambda: cls(*args)


def build_schema(
    *, production: bool = False, limits: Limits = DEFAULT_LIMITS, fast_path: bool = True
) -> strawberry.Schema:
    """The GraphQL schema; in production without introspection and suggestions.

    ``fast_path`` completes long lists of leaf-only objects in one pass (``schema.fastpath``);
    without it the stock executor runs (the tests and the benchmark compare the two).
    """
    install_access_guards(reachable_types())
    extensions: list[Any] = [
        ProductionErrorPolicy if production else ErrorPolicy,
        _factory(MaxTokensLimiter, limits.max_tokens),
        _factory(ParserCache, 256),
        _factory(DocumentValidation, validator(limits)),
        _factory(CostLimit, limits.max_cost, CostCache()),
        ApiTokensReadOnly,
        AccessReadLog,
    ]
    if production:
        extensions.append(DisableIntrospection)
    return EnergyPortalSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        schema_directives=[RequiresAccess],
        execution_context_class=FastPathExecutionContext if fast_path else None,
    )
