"""Limits on what one GraphQL document may ask, checked before anything else looks at it.

The document limits (tokens, fragments, aliases, directives, repeated fields, depth) are
checked once over the parsed document, in time linear in its size: every fragment's
depth is computed once and remembered, however often it is spread (a document whose
fragments each spread the next one twice would otherwise cost 2^N). They run before
graphql-core's own validation rules and before the cost (``schema.cost``) is computed;
a document that breaks one is refused with one ``QUERY_TOO_COMPLEX`` error and goes no
further, so a field with a hundred unknown directives gives one error, not a hundred.

Introspection subtrees (``__schema``, ``__type``) do not count towards the depth
(GraphiQL's own query is deep by design; introspection is off in production), but
their lists (``types``, ``fields``, ``args`` ...) may nest at most three deep, which
GraphiQL's query needs and a circular introspection query exceeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

from resolvers.errors import ErrorCode


@dataclass(frozen=True)
class Limits:
    """The numbers; the defaults fit every client operation with room to spare (README)."""

    #: Nesting of fields (introspection excluded).
    max_depth: int = 12
    #: Aliased fields in the whole document.
    max_aliases: int = 30
    #: Directives in the whole document, and on one field, fragment or operation.
    max_directives: int = 30
    max_directives_per_location: int = 4
    #: Lexical tokens (strawberry's ``MaxTokensLimiter``, while parsing).
    max_tokens: int = 4000
    #: Fragment definitions.
    max_fragments: int = 20
    #: Times one response key may be selected in one selection set.
    max_repeated_field: int = 5
    #: Nesting of introspection lists (``types { fields { args ... } } }``).
    max_introspection_lists: int = 3
    #: The static cost of one operation (``schema.cost``).
    max_cost: int = 10_000


DEFAULT_LIMITS = Limits()

#: Introspection fields that return lists.
_INTROSPECTION_LISTS = frozenset(
    {"types", "fields", "args", "inputFields", "interfaces", "possibleTypes", "enumValues", "directives"}
)


def too_complex(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value})


def _selections(selection_set: SelectionSetNode | None) -> Iterator[Any]:
    return iter(selection_set.selections) if selection_set is not None else iter(())


class _DocumentCheck:
    """One pass over a document; ``error`` is the first limit it breaks (or ``None``)."""

    def __init__(self, document: DocumentNode, limits: Limits) -> None:
        self.limits = limits
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        #: Per fragment (and whether spread inside introspection): (field depth, introspection
        #: list depth), each capped at its limit + 1.
        self._measured: dict[tuple[str, bool], tuple[int, int]] = {}
        self._visiting: set[str] = set()
        self.aliases = 0
        self.directives = 0
        self.error: GraphQLError | None = None
        self._check(document)

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = too_complex(message)

    def _check(self, document: DocumentNode) -> None:
        limits = self.limits
        if len(self.fragments) > limits.max_fragments:
            self._fail(f"The query defines more than {limits.max_fragments} fragments.")
            return
        for definition in document.definitions:
            self._count_directives(definition)
            if isinstance(definition, FragmentDefinitionNode | OperationDefinitionNode):
                self._walk_counts(definition.selection_set)
            if self.error:
                return
        if self.aliases > limits.max_aliases:
            self._fail(f"The query uses more than {limits.max_aliases} aliases.")
        elif self.directives > limits.max_directives:
            self._fail(f"The query uses more than {limits.max_directives} directives.")
        if self.error:
            return
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                depth, lists = self._measure(definition.selection_set, 0)
                if depth > limits.max_depth:
                    self._fail(f"The query is nested deeper than {limits.max_depth} levels.")
                elif lists > limits.max_introspection_lists:
                    self._fail(
                        f"Introspection lists are nested deeper than {limits.max_introspection_lists} levels."
                    )
                if self.error:
                    return

    def _count_directives(self, node: Any) -> None:
        directives = getattr(node, "directives", None) or ()
        self.directives += len(directives)
        if len(directives) > self.limits.max_directives_per_location:
            self._fail(
                f"A field or fragment carries more than {self.limits.max_directives_per_location} directives."
            )

    def _walk_counts(self, selection_set: SelectionSetNode | None) -> None:
        """Aliases, directives and repeated fields over the written document (not expanded)."""
        stack = [selection_set]
        max_repeated = self.limits.max_repeated_field
        while stack and not self.error:
            current = stack.pop()
            seen: dict[str, int] = {}
            for selection in _selections(current):
                self._count_directives(selection)
                if isinstance(selection, FieldNode):
                    key = (selection.alias or selection.name).value
                    seen[key] = seen.get(key, 0) + 1
                    if seen[key] > max_repeated:
                        self._fail(f"The query selects `{key}` more than {max_repeated} times in one place.")
                        return
                    if selection.alias is not None:
                        self.aliases += 1
                if not isinstance(selection, FragmentSpreadNode) and selection.selection_set is not None:
                    stack.append(selection.selection_set)

    def _fragment(self, name: str, inside: bool) -> tuple[int, int]:
        key = (name, inside)
        measured = self._measured.get(key)
        if measured is not None:
            return measured
        fragment = self.fragments.get(name)
        if fragment is None or name in self._visiting:
            return (0, 0)  # unknown or cyclic fragments are reported by the standard rules
        self._visiting.add(name)
        measured = self._measure(fragment.selection_set, 0, inside)
        self._visiting.discard(name)
        self._measured[key] = measured
        return measured

    def _measure(
        self, selection_set: SelectionSetNode | None, nesting: int, inside: bool = False
    ) -> tuple[int, int]:
        """(depth of fields, depth of introspection lists) under ``selection_set``, capped.

        ``inside`` an introspection subtree fields add no depth, but its lists count.
        """
        limits = self.limits
        cap_depth, cap_lists = limits.max_depth + 1, limits.max_introspection_lists + 1
        if nesting > 3 * cap_depth:  # inline fragments nested in inline fragments ...
            return (cap_depth, 0)
        depth = lists = 0
        for selection in _selections(selection_set):
            if isinstance(selection, FieldNode):
                name = selection.name.value
                enters = inside or name in ("__schema", "__type")
                if selection.selection_set is None:
                    if not enters and not name.startswith("__"):
                        depth = max(depth, 1)
                    continue
                below, below_lists = self._measure(selection.selection_set, nesting + 1, enters)
                if enters:
                    lists = max(lists, below_lists + (name in _INTROSPECTION_LISTS))
                else:
                    depth, lists = max(depth, 1 + below), max(lists, below_lists)
            elif isinstance(selection, InlineFragmentNode):
                below, below_lists = self._measure(selection.selection_set, nesting + 1, inside)
                depth, lists = max(depth, below), max(lists, below_lists)
            elif isinstance(selection, FragmentSpreadNode):
                below, below_lists = self._fragment(selection.name.value, inside)
                depth, lists = max(depth, below), max(lists, below_lists)
            if depth >= cap_depth or lists >= cap_lists:
                return (min(depth, cap_depth), min(lists, cap_lists))
        return (depth, lists)


def check_document(document: DocumentNode, limits: Limits = DEFAULT_LIMITS) -> GraphQLError | None:
    """The first limit ``document`` breaks, as a ``QUERY_TOO_COMPLEX`` error; ``None`` if none."""
    return _DocumentCheck(document, limits).error


def validator(
    limits: Limits, cache_size: int = 256
) -> Callable[[GraphQLSchema, DocumentNode, tuple[type[ValidationRule], ...]], list[GraphQLError]]:
    """Validation with the limits first: a document over a limit gets that one error only.

    Results are remembered per (schema, document, rules): the parser cache hands out the
    same document object for the same text, so a repeated query is validated once.
    """
    from strawberry.schema.schema import validate_document

    @lru_cache(maxsize=cache_size)
    def validate(
        schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ValidationRule], ...]
    ) -> list[GraphQLError]:
        error = check_document(document, limits)
        if error is not None:
            return [error]
        return validate_document(schema, document, list(rules))

    return validate


class DocumentValidation(SchemaExtension):
    """Validates each operation's document: the limits, then graphql-core's rules (cached).

    Takes the place of strawberry's ``ValidationCache`` (which would run the standard
    rules whatever the limits say); strawberry skips its own validation when an
    extension has set the errors.
    """

    def __init__(self, validate: Callable[..., list[GraphQLError]]) -> None:
        super().__init__()
        self.validate = validate

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = self.validate(
            context.schema._schema, context.graphql_document, tuple(context.validation_rules)
        )
        yield
