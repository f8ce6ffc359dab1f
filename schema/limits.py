"""Limits on what one GraphQL document may ask: depth, aliases, directives, tokens.

Each limit is checked once over the parsed document before anything executes, and a
refusal is a ``QUERY_TOO_COMPLEX`` error. Introspection subtrees (``__schema``,
``__type``) do not count towards the depth: GraphiQL's own query is deep by design, and
introspection is off in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    Visitor,
    visit,
)

from resolvers.errors import ErrorCode


@dataclass(frozen=True)
class Limits:
    """The numbers; the defaults fit every client operation with room to spare."""

    max_depth: int = 12
    max_aliases: int = 30
    max_directives: int = 30
    max_tokens: int = 4000


DEFAULT_LIMITS = Limits()


def too_complex(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value})


class _Counter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.aliases = 0
        self.directives = 0

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.alias is not None:
            self.aliases += 1

    def enter_directive(self, *_: Any) -> None:
        self.directives += 1


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    visiting: frozenset[str],
    limit: int,
) -> int:
    """Nesting depth of fields under ``selection_set``; stops counting past ``limit``."""
    if selection_set is None or limit < 0:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue
            if selection.selection_set is None:
                deepest = max(deepest, 1)
            else:
                deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, visiting, limit - 1))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, visiting, limit))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:
                continue  # unknown or cyclic fragments are reported by the standard rules
            deepest = max(deepest, _depth(fragment.selection_set, fragments, visiting | {name}, limit))
        if deepest > limit:
            return deepest
    return deepest


def limits_rule(limits: Limits = DEFAULT_LIMITS) -> type[ValidationRule]:
    """A validation rule class enforcing ``limits``."""

    class DocumentLimitsRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> Any:
            check_document(self.context, node, limits)
            return self.SKIP

    return DocumentLimitsRule


def check_document(context: ValidationContext, document: DocumentNode, limits: Limits) -> None:
    """Report every limit ``document`` exceeds."""
    counter = _Counter()
    visit(document, counter)
    if counter.aliases > limits.max_aliases:
        context.report_error(too_complex(f"The query uses more than {limits.max_aliases} aliases."))
    if counter.directives > limits.max_directives:
        context.report_error(too_complex(f"The query uses more than {limits.max_directives} directives."))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            depth = _depth(definition.selection_set, fragments, frozenset(), limits.max_depth)
            if depth > limits.max_depth:
                context.report_error(
                    too_complex(f"The query is nested deeper than {limits.max_depth} levels.")
                )
                break
