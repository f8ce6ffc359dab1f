"""The static cost of an operation, the per-operation cost limit, and the principal's budget.

Before an operation runs (after its variables are coerced, since page sizes and date
ranges come from them), its cost is computed over the selection as the executor will
see it: fragments expanded, fields of one response key merged, ``@skip``/``@include``
applied. The rules (README, "Limits and cost"):

- every object field (a field whose type is an object, interface or union) costs 1, and
  a leaf field 0; a mutation field costs ``MUTATION_COST`` besides;
- a connection multiplies the cost of its ``edges``/``nodes`` by its page size
  (``first``, default 20, at most 100); a plain list of objects multiplies its items'
  cost by the list's assumed size (``LIST_SIZES``; ``DEFAULT_LIST_SIZE`` otherwise);
  nested lists multiply through;
- a consumption series costs its points: days x points per day at the resolution x the
  leaf fields selected on a point, per ``POINT_VALUES_PER_COST`` (a point's leaf is
  built column-wise, ~200 times cheaper than a resolved object); its parts with reads of
  their own (``similarLocations``, ``previousPeriod``, ``samePeriodLastYear`` and their
  ``totalCost``, ``heatingDegreeDays``, ``dataAvailableUntil``) and the invoice estimate cost
  their reads (``READ_COSTS``); a consumption export costs the points of its series with the
  six columns of its rows (``EXPORT_COLUMNS``), the work its download does;
- a field of an abstract type costs what its most expensive possible type costs;
- introspection is answered from memory: ``__schema`` costs twice the schema's elements
  (types, fields, arguments, enum values: ~1,450 here, about five Dashboards, as measured)
  whatever it selects, ``__type`` ``TYPE_INTROSPECTION_COST``; their circular forms are
  refused by the document limits before (``schema.limits``).

An operation over the limit is refused unrun with ``MAX_COST_EXCEEDED``. Otherwise its
cost is charged to its principal's budget (``auth.budget``); over budget it is refused
with ``RATE_LIMITED``, ``extensions.retryAfterSeconds`` and HTTP 429. Every response
carries ``extensions.cost = {requested, limit, remaining, restorePerSecond}``.

The computation stops as soon as a partial sum passes the limit, so its work is bounded
by the limit whatever the document (each field visited adds at least 1).
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import AsyncIterator
from datetime import date
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values, get_directive_values, get_variable_values
from graphql.type import (
    GraphQLIncludeDirective,
    GraphQLSkipDirective,
    SchemaMetaFieldDef,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
)
from graphql.utilities import get_operation_ast, type_from_ast
from strawberry.extensions import SchemaExtension

from auth.budget import Budget, Charge
from domain.base import Language
from domain.reporting import MAX_DAYS
from domain.texts import text
from resolvers.errors import ErrorCode
from resolvers.pagination import page_size

log = logging.getLogger("energy_portal.cost")

#: Assumed sizes of plain lists of objects, by (type, field).
LIST_SIZES: dict[tuple[str, str], int] = {
    ("Viewer", "customers"): 10,
    ("Customer", "locationsOfUse"): 10,
    ("Customer", "accessGrants"): 20,
    ("Customer", "access"): 5,
    ("AccessGrant", "permissions"): 5,
    ("Customer", "apiTokens"): 20,
    ("ApiToken", "permissions"): 5,
    ("ApiToken", "locationsOfUse"): 10,
    ("Invoice", "lines"): 10,
    ("Invoice", "payments"): 5,
    ("InvoiceEstimate", "lines"): 10,
    ("Contract", "prices"): 10,
    ("MessageThread", "messages"): 30,
    ("Message", "attachments"): 5,
    ("ContactInformation", "phoneNumbers"): 5,
    ("ContactInformation", "emailAddresses"): 5,
    ("Query", "bulletins"): 20,
    ("AttachCustomersToUserPayload", "grants"): 20,
}
DEFAULT_LIST_SIZE = 10
#: A mutation field's own cost (a write and its checks), besides its payload's.
MUTATION_COST = 10
#: Leaf values of consumption points that cost as much as one object field.
POINT_VALUES_PER_COST = 100
#: Points a day per resolution (a DST autumn day has more; the range limits bound it).
POINTS_PER_DAY = {"QUARTER_HOUR": 96, "HOUR": 24, "DAY": 1, "WEEK": 1 / 7, "MONTH": 1 / 28, "YEAR": 1 / 365}
#: Values of one row of a consumption export (``domain.reporting.export``).
EXPORT_COLUMNS = 6
#: ``__type(name:)``: one type's fields and arguments, from memory.
TYPE_INTROSPECTION_COST = 50
#: Fields that read the database on their own besides their object.
READ_COSTS: dict[tuple[str, str], int] = {
    ("ConsumptionSeries", "similarLocations"): 20,
    ("ConsumptionSeries", "previousPeriod"): 5,
    ("ConsumptionSeries", "samePeriodLastYear"): 5,
    ("ConsumptionSeries", "heatingDegreeDays"): 2,
    ("PeriodComparison", "totalCost"): 4,
    ("ConsumptionSeries", "dataAvailableUntil"): 2,
    ("Customer", "nextInvoiceEstimate"): 10,
    ("Customer", "consumption"): 4,
    ("Customer", "consumptionExport"): 4,
}


class _OverLimit(Exception):
    """A partial sum passed the limit; ``cost`` is that sum (a lower bound of the whole)."""

    def __init__(self, cost: float) -> None:
        super().__init__(cost)
        self.cost = cost


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


class CostCalculator:
    """The cost of one operation of a document, given its coerced variables."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Any, limit: int):
        self.schema = schema
        self.variables = variables
        self.limit = limit
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    # -- selections ------------------------------------------------------------------

    def _included(self, node: Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def _applies(self, condition: Any, runtime_type: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        condition_type = type_from_ast(self.schema, condition)
        if condition_type is runtime_type:
            return True
        return is_abstract_type(condition_type) and self.schema.is_sub_type(condition_type, runtime_type)

    def collect(
        self, runtime_type: GraphQLObjectType, selection_sets: list[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """Fields by response key, as graphql-core's executor collects them."""
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()

        def walk(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if not self._included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    fields.setdefault((selection.alias or selection.name).value, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    if self._applies(selection.type_condition, runtime_type):
                        walk(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name in visited or fragment is None:
                        continue
                    visited.add(name)
                    if self._applies(fragment.type_condition, runtime_type):
                        walk(fragment.selection_set)

        for selection_set in selection_sets:
            walk(selection_set)
        return fields

    # -- costs -----------------------------------------------------------------------

    def _check(self, cost: float) -> float:
        if cost > self.limit:
            raise _OverLimit(cost)
        return cost

    def operation_cost(self, operation: OperationDefinitionNode) -> int:
        """The cost of ``operation``; past the limit, the first partial sum that passed it
        (a lower bound: the computation stops there)."""
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        try:
            cost = self.selection_cost(root, [operation.selection_set])
            if operation.operation is OperationType.MUTATION:
                fields = self.collect(root, [operation.selection_set])
                cost += MUTATION_COST * sum(1 for key in fields if not key.startswith("__"))
            return math.ceil(self._check(cost))
        except _OverLimit as over:
            return math.ceil(over.cost)

    def selection_cost(
        self,
        parent: GraphQLObjectType,
        selection_sets: list[SelectionSetNode],
        *,
        page: int | None = None,
    ) -> float:
        total = 0.0
        for nodes in self.collect(parent, selection_sets).values():
            total = self._check(total + self.field_cost(parent, nodes, page=page))
        return total

    def _field_definition(self, parent: GraphQLObjectType, name: str) -> Any:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is self.schema.query_type:
            if name == "__schema":
                return SchemaMetaFieldDef
            if name == "__type":
                return TypeMetaFieldDef
        return parent.fields.get(name)

    def _arguments(self, definition: Any, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(definition, node, self.variables)
        except GraphQLError:
            return {}

    def field_cost(
        self,
        parent: GraphQLObjectType,
        nodes: list[FieldNode],
        *,
        page: int | None = None,
    ) -> float:
        name = nodes[0].name.value
        if name == "__schema":
            return _schema_introspection_cost(self.schema)
        if name == "__type":
            return TYPE_INTROSPECTION_COST
        definition = self._field_definition(parent, name)
        if definition is None:
            return 0
        key = (parent.name, name)
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return READ_COSTS.get(key, 0)
        sub_sets = [n.selection_set for n in nodes if n.selection_set is not None]
        arguments = self._arguments(definition, nodes[0])
        if named.name == "ConsumptionSeries":
            return 1 + READ_COSTS.get(key, 0) + self._series_cost(named, sub_sets, arguments)
        if key == ("Customer", "consumptionExport"):
            rows = math.ceil(_series_points(arguments) * EXPORT_COLUMNS / POINT_VALUES_PER_COST)
            return self._check(1 + READ_COSTS[key] + rows)
        child_page = None
        if named.name.endswith("Connection") and "first" in definition.args:
            child_page = _page_size(arguments.get("first"))
        size = self._list_size(parent, name, definition, arguments, page)
        runtime_types = self.schema.get_possible_types(named) if is_abstract_type(named) else [named]
        child = max(
            (self.selection_cost(t, sub_sets, page=child_page) for t in runtime_types),
            default=0.0,
        )
        return self._check(1 + READ_COSTS.get(key, 0) + max(size, 1) * child)

    def _list_size(
        self,
        parent: GraphQLObjectType,
        name: str,
        definition: Any,
        arguments: dict[str, Any],
        page: int | None,
    ) -> int:
        if not isinstance(_unwrap(definition.type), GraphQLList):
            return 1
        if page is not None and name in ("edges", "nodes"):
            return page
        ids = arguments.get("ids")
        if isinstance(ids, list):
            return len(ids)
        return LIST_SIZES.get((parent.name, name), DEFAULT_LIST_SIZE)

    def _series_cost(
        self, series_type: Any, sub_sets: list[SelectionSetNode], arguments: dict[str, Any]
    ) -> float:
        points = _series_points(arguments)
        total = 0.0
        for nodes in self.collect(series_type, sub_sets).values():
            name = nodes[0].name.value
            if name == "points":
                point_type = get_named_type(series_type.fields["points"].type)
                point_sets = [n.selection_set for n in nodes if n.selection_set is not None]
                leaves = sum(1 for key in self.collect(point_type, point_sets) if key != "__typename")
                total += math.ceil(points * max(leaves, 1) / POINT_VALUES_PER_COST)
            else:
                total += self.field_cost(series_type, nodes)
            self._check(total)
        return total


def _page_size(first: Any) -> int:
    """The page a connection's ``first`` asks for (``resolvers.pagination.page_size``; a
    negative one, which the resolver refuses, costs a page of one)."""
    if isinstance(first, int) and first < 0:
        return 1
    return page_size(first if isinstance(first, int) else None)


def _series_points(arguments: dict[str, Any]) -> int:
    """Points a series asks for: days x points per day (the range limits refuse longer ones)."""
    start, end = arguments.get("from_", arguments.get("from")), arguments.get("to")
    resolution = arguments.get("resolution")
    resolution = str(getattr(resolution, "value", resolution))
    if isinstance(start, date) and isinstance(end, date) and end >= start:
        longest = MAX_DAYS.get(resolution, max(MAX_DAYS.values()))
        days = min((end - start).days + 1, longest)
    else:
        days = 1
    return math.ceil(days * POINTS_PER_DAY.get(resolution, 1))


@lru_cache(maxsize=8)
def _schema_introspection_cost(schema: GraphQLSchema) -> int:
    """Twice the elements of ``schema`` that ``__schema`` describes."""
    types = list(schema.type_map.values())
    fields = [f for t in types for f in (getattr(t, "fields", None) or {}).values()]
    arguments = sum(len(getattr(f, "args", None) or {}) for f in fields)
    values = sum(len(getattr(t, "values", None) or {}) for t in types)
    return 2 * (len(types) + len(fields) + arguments + values)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    raw_variables: dict[str, Any] | None,
    limit: int,
) -> int | None:
    """The static cost of the operation to run; ``None`` when its variables do not coerce
    (the executor then reports them) or there is no such operation."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    variables = get_variable_values(schema, operation.variable_definitions or (), raw_variables or {})
    if isinstance(variables, list):
        return None
    return CostCalculator(schema, document, variables, limit).operation_cost(operation)


class CostCache:
    """Costs already computed, by document, operation and variables (shared by requests).

    The parser cache hands out the same document object for the same text, so a client
    operation sent again with the same variables (the Dashboard, a page of invoices) is
    costed once. Entries hold their document, so an id is never mistaken for another's.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, str | None, bytes], tuple[DocumentNode, int | None]] = (
            OrderedDict()
        )

    def cost(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        raw_variables: dict[str, Any] | None,
        limit: int,
    ) -> int | None:
        try:
            variables_key = orjson.dumps(raw_variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # an upload, or anything orjson cannot write: not cached
            return operation_cost(schema, document, operation_name, raw_variables, limit)
        key = (id(document), operation_name, variables_key)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is document:
            self._entries.move_to_end(key)
            return entry[1]
        cost = operation_cost(schema, document, operation_name, raw_variables, limit)
        self._entries[key] = (document, cost)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return cost


def _coded(code: ErrorCode, message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value, **extensions})


class CostLimit(SchemaExtension):
    """Computes the operation's cost; refuses it over the limit or over the principal's budget.

    Reports ``extensions.cost`` on every response, refusals and invalid documents
    included (``requested`` is 0 when the document never reached execution).
    """

    def __init__(self, limit: int, cache: CostCache | None = None) -> None:
        super().__init__()
        self.limit = limit
        self.cache = cache or CostCache(0)
        self.requested = 0
        self.charge: Charge | None = None

    def _refuse(self, error: GraphQLError) -> None:
        from graphql import ExecutionResult

        self.execution_context.result = ExecutionResult(data=None, errors=[error])

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        language = getattr(context, "language", Language.FI)
        cost = self.cache.cost(
            execution.schema._schema,
            execution.graphql_document,
            execution.operation_name,
            execution.variables,
            self.limit,
        )
        self.requested = cost or 0
        budget: Budget | None = getattr(context, "budget", None)
        if cost is not None and cost > self.limit:
            message = text("limits.max_cost_exceeded", language, limit=self.limit)
            self._refuse(_coded(ErrorCode.MAX_COST_EXCEEDED, message, cost=cost, limit=self.limit))
        elif budget is not None:
            self.charge = await budget.charge(context.principal, context.client_address, self.requested)
            if not self.charge.allowed:
                seconds = self.charge.retry_after
                response = getattr(context, "response", None)
                if response is not None:
                    response.status_code = 429
                    response.headers["Retry-After"] = str(seconds)
                message = text("limits.query_rate_limited", language, seconds=seconds)
                self._refuse(_coded(ErrorCode.RATE_LIMITED, message, retryAfterSeconds=seconds))
        yield

    async def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        budget: Budget | None = getattr(context, "budget", None)
        restore = remaining = None
        if budget is not None:
            principal = getattr(context, "principal", None)
            restore = budget.policy.bucket(principal).restore_per_second
            if self.charge is None:
                try:
                    self.charge = await budget.peek(principal, context.client_address)
                except Exception:  # the report must not fail a response the store cannot see
                    log.warning("cost budget unavailable for the report", exc_info=True)
            if self.charge is not None:
                remaining = self.charge.remaining
        return {
            "cost": {
                "requested": self.requested,
                "limit": self.limit,
                "remaining": remaining,
                "restorePerSecond": restore,
            }
        }
