"""An execution fast path: long lists of leaf-only objects, and plain nested objects
(``../shared/PERFORMANCE.md``).

graphql-core completes a list of objects item by item and field by field: for each of
35,040 consumption points and each of its five fields it builds resolve info, calls the
resolver, checks nullability and coerces the leaf, about 5 µs a leaf value. This
execution context completes such a list in one pass instead, column by column, when and
only when that cannot change the result:

* the list is a ``list``, a ``tuple`` or a columnar sequence (below) of at least
  ``fast_path_min_items`` items, not streamed (``@stream``), and no schema extension
  wraps resolvers (no middleware);
* the item type is an object type whose selected fields (as graphql-core collects them:
  fragments, aliases, ``@skip``/``@include`` applied, no ``@defer`` inside) are all leaves
  (scalars or enums, nullable or not) or ``__typename``, take no arguments, carry no
  other directive, and are resolved by strawberry's default resolver (a plain attribute
  read: no resolver function, no field extension, no permission class).

Each selected field's values are read (``getattr``, or the column a columnar sequence
keeps) and coerced by the leaf type's own ``coerce_output_value``, with exact, faster
equivalents for the common types: ``Float``, ``Int``, ``String``, ``ID``, ``Boolean``,
strawberry's ``Decimal`` (``str``), ``Date`` and ``DateTime`` (``isoformat``, formatted from
cached parts for fixed-offset datetimes) and strawberry enums (member to name). The item
dictionaries keep the order and the response keys (aliases) of the selection.

Whenever anything is unusual the whole list goes the stock way, so that errors, nulls
and their paths are exactly graphql-core's: a ``None`` item, a ``None`` in a non-null
field, a value a leaf cannot coerce, an awaitable, an attribute that raises, an object
type with ``is_type_of``. Nothing is ever half done: the fast path only reads.

Objects take a shorter way too (``collect_and_execute_subfields``). Each selected field
that strawberry's default resolver reads (no arguments, no directive but ``@skip`` and
``@include``) and whose type is a leaf, an object type without ``is_type_of`` whose own
selection is all such fields, or a list of either, is read and completed here: no resolve
info, path or per-field call of graphql-core. The other fields (resolvers such as an
invoice's ``lines``, interfaces, unions) go through graphql-core as usual, and the two
halves are merged in the selection's order. An invoices page's ``Money``, payment
details (with their ``Money``), lines and edge cursors are about nine tenths of its
fields. A field whose value is unusual (a ``None`` in a non-null position, a value that
does not coerce, an awaitable, an attribute that raises, a list that is not a ``list`` or
``tuple``) is handed to graphql-core whole, so that its errors and nulls are the stock ones.

A *columnar sequence* is a sized, iterable sequence whose type has a method
``column(name)`` returning every item's value of attribute ``name`` as a sequence of the
same length (or ``None``), equal to what ``getattr(item, name)`` gives for each item
(``domain.reporting.SeriesPoints``). The stock path iterates its items as usual. A column
of datetimes that is not a list or tuple may offer ``isoformats()``, every value's
``isoformat()`` in order (``domain.reporting.local_time.LocalTimes``, which makes no
datetime for it); one of Decimals ``texts()``, every value's ``str``
(``domain.reporting.costs.FixedPoints``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, ClassVar

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    is_leaf_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter

from schema.leaves import ColumnSerializer, Fallback, column_serializer, generic_serializer, value_coercer

__all__ = ["FastPathExecutionContext"]

_SKIP_INCLUDE = frozenset({"skip", "include"})


# --------------------------------------------------------------------------------------
# Plans: what a selection on an object type needs
# --------------------------------------------------------------------------------------

_TYPENAME, _LEAF, _OBJECT, _LIST = range(4)


class _Step:
    """How one response key of an object is completed without graphql-core's field machinery.

    ``_LEAF``: the attribute's value coerced by ``coerce`` (one value) or ``serialize`` (a
    column); ``_OBJECT``: a nested object completed by the all-fast plan ``sub``; ``_LIST``:
    a list or tuple whose items ``item`` completes; ``_TYPENAME``: the object type's name.
    """

    __slots__ = ("attribute", "coerce", "item", "key", "kind", "nonnull", "serialize", "sub", "typename")

    def __init__(self, key: str, kind: int, attribute: str | None = None, nonnull: bool = True) -> None:
        self.key = key
        self.kind = kind
        self.attribute = attribute
        self.nonnull = nonnull
        self.coerce: Callable[[Any], Any] | None = None
        self.serialize: ColumnSerializer | None = None
        self.sub: _ObjectPlan | None = None
        self.item: _Step | None = None
        self.typename: str | None = None


class _ObjectPlan:
    """A selection on an object type: the response keys completed here (``steps``) and the
    rest (``stock``, field details by response key) left to graphql-core, in the order of
    the selection (``keys``)."""

    __slots__ = ("keys", "leaves_only", "object_type", "steps", "stock")

    def __init__(
        self, object_type: GraphQLObjectType, keys: tuple[str, ...], steps: list[_Step], stock: dict[str, Any]
    ) -> None:
        self.object_type = object_type
        self.keys = keys
        self.steps = steps
        self.stock = stock
        self.leaves_only = not stock and all(s.kind in (_TYPENAME, _LEAF) for s in steps)


def _dicts(keys: tuple[str, ...], columns: list[list[Any]]) -> list[dict[str, Any]]:
    """Rows of ``columns`` as dictionaries with ``keys`` (literal displays up to eight keys)."""
    size = len(keys)
    if size == 1:
        (k0,) = keys
        return [{k0: a} for a in columns[0]]
    if size == 2:
        k0, k1 = keys
        return [{k0: a, k1: b} for a, b in zip(*columns, strict=True)]
    if size == 3:
        k0, k1, k2 = keys
        return [{k0: a, k1: b, k2: c} for a, b, c in zip(*columns, strict=True)]
    if size == 4:
        k0, k1, k2, k3 = keys
        return [{k0: a, k1: b, k2: c, k3: d} for a, b, c, d in zip(*columns, strict=True)]
    if size == 5:
        k0, k1, k2, k3, k4 = keys
        return [{k0: a, k1: b, k2: c, k3: d, k4: e} for a, b, c, d, e in zip(*columns, strict=True)]
    if size == 6:
        k0, k1, k2, k3, k4, k5 = keys
        return [{k0: a, k1: b, k2: c, k3: d, k4: e, k5: f} for a, b, c, d, e, f in zip(*columns, strict=True)]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


class FastPathExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context with the fast path (see the module doc)."""

    #: Shorter lists go the stock way (the plan is not worth it); tests lower it.
    fast_path_min_items: ClassVar[int] = 32

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[int, int], tuple[Any, _ObjectPlan | None]] = {}
        self._coercers: dict[int, tuple[Callable[[Any], Any], ColumnSerializer]] = {}

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        items: Any,
        position_context: Any,
    ) -> Any:
        try:
            size = len(items) if isinstance(items, list | tuple) or hasattr(type(items), "column") else -1
        except Exception:
            size = -1
        if size >= self.fast_path_min_items:
            completed = self._complete_fast(item_type, field_details_list, path, items, size)
            if completed is not None:
                return completed
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def collect_and_execute_subfields(
        self,
        return_type: Any,
        field_details_list: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        """An object's fields: the plan's steps here, the rest (and any step that cannot
        complete a value exactly) through graphql-core, merged in the selection's order."""
        plan = self._plan(return_type, field_details_list)
        if plan is None or not plan.steps:
            return super().collect_and_execute_subfields(
                return_type, field_details_list, path, result, position_context
            )
        done: dict[str, Any] = {}
        failed = False
        for step in plan.steps:
            try:
                done[step.key] = self._step_value(step, result)
            except Exception:  # Fallback, or an attribute that raises: graphql-core reports it
                failed = True
        if not failed and not plan.stock:
            return done
        stock = plan.stock
        if failed:
            grouped = self.collect_subfields(return_type, field_details_list).grouped_field_set
            stock = {key: details for key, details in grouped.items() if key not in done}
        executed = self.execute_fields(return_type, result, path, stock, position_context)
        keys = plan.keys

        def merged(rest: dict[str, Any]) -> dict[str, Any]:
            return {
                key: done[key] if key in done else rest[key] for key in keys if key in done or key in rest
            }

        if self.is_awaitable(executed):

            async def later() -> dict[str, Any]:
                return merged(await executed)

            return later()
        return merged(executed)

    # -- planning ---------------------------------------------------------------------

    def _plan(self, object_type: Any, field_details_list: Any) -> _ObjectPlan | None:
        key = (id(object_type), id(field_details_list))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan = self._make_plan(object_type, field_details_list)
        # Keep the details list alive with its plan, so that its id is not reused.
        self._plans[key] = (field_details_list, plan)
        return plan

    def _make_plan(self, object_type: Any, field_details_list: Any) -> _ObjectPlan | None:
        if not isinstance(object_type, GraphQLObjectType):
            return None
        manager = self.middleware_manager
        if manager is not None and manager.middlewares:
            return None
        collected = self.collect_subfields(object_type, field_details_list)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return None
        steps: list[_Step] = []
        stock: dict[str, Any] = {}
        for response_key, details in collected.grouped_field_set.items():
            step = self._make_step(object_type, response_key, details)
            if step is None:
                stock[response_key] = details
            else:
                steps.append(step)
        return _ObjectPlan(object_type, tuple(collected.grouped_field_set), steps, stock)

    def _make_step(self, object_type: GraphQLObjectType, key: str, details: Any) -> _Step | None:
        """The step for one response key, or None when graphql-core must execute it."""
        for detail in details:
            node = detail.node
            if node.arguments or any(d.name.value not in _SKIP_INCLUDE for d in node.directives or ()):
                return None
        name = details[0].node.name.value
        if name == "__typename":
            step = _Step(key, _TYPENAME)
            step.typename = object_type.name
            return step
        field_def = self.schema.get_field(object_type, name)
        if field_def is None:
            return None  # the stock executor leaves unknown fields out
        definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if (
            definition is None
            or field_def.resolve is None
            or not getattr(field_def.resolve, "_is_default", False)
            or not getattr(definition, "is_basic_field", False)
            or getattr(definition, "default_resolver", None) is not getattr
        ):
            return None
        step = self._value_step(key, field_def.type, details)
        if step is not None:
            step.attribute = definition.python_name
        return step

    def _value_step(self, key: str, graphql_type: Any, details: Any) -> _Step | None:
        """How a value of ``graphql_type`` completes: a leaf, an object whose selection is
        all steps, or a list of either; None for anything else (abstract types, lists of
        lists, objects with ``is_type_of`` or with fields graphql-core must execute)."""
        nonnull = isinstance(graphql_type, GraphQLNonNull)
        inner = graphql_type.of_type if nonnull else graphql_type
        if is_leaf_type(inner):
            step = _Step(key, _LEAF, nonnull=nonnull)
            step.coerce, step.serialize = self._coercer(inner)
            return step
        if isinstance(inner, GraphQLObjectType):
            if inner.is_type_of is not None:
                return None
            sub = self._plan(inner, details)
            if sub is None or sub.stock:
                return None
            step = _Step(key, _OBJECT, nonnull=nonnull)
            step.sub = sub
            return step
        if isinstance(inner, GraphQLList) and not isinstance(
            inner.of_type.of_type if isinstance(inner.of_type, GraphQLNonNull) else inner.of_type, GraphQLList
        ):
            item = self._value_step(key, inner.of_type, details)
            if item is None:
                return None
            step = _Step(key, _LIST, nonnull=nonnull)
            step.item = item
            return step
        return None

    def _coercer(self, leaf: Any) -> tuple[Callable[[Any], Any], ColumnSerializer]:
        """One value's and one column's coercion for the leaf type (made once per type)."""
        found = self._coercers.get(id(leaf))
        if found is None:
            if isinstance(leaf, GraphQLEnumType) and not isinstance(leaf, CustomGraphQLEnumType):
                serialize = generic_serializer(leaf.coerce_output_value, self.is_awaitable)
            else:
                serialize = column_serializer(leaf, self.is_awaitable)
            found = self._coercers[id(leaf)] = (value_coercer(leaf, self.is_awaitable), serialize)
        return found

    # -- completing -------------------------------------------------------------------

    def _step_value(self, step: _Step, source: Any) -> Any:
        kind = step.kind
        if kind == _TYPENAME:
            return step.typename
        value = getattr(source, step.attribute)  # type: ignore[arg-type]
        if value is None:
            if step.nonnull:
                raise Fallback
            return None
        if kind == _LEAF:
            return step.coerce(value)  # type: ignore[misc]
        return self._complete_value(step, value)

    def _complete_value(self, step: _Step, value: Any) -> Any:
        """A non-null value of an object or list step."""
        if step.kind == _OBJECT:
            if self.is_awaitable(value) or isinstance(value, Exception):
                raise Fallback
            return {s.key: self._step_value(s, value) for s in step.sub.steps}  # type: ignore[union-attr]
        if value.__class__ is not list and value.__class__ is not tuple:
            raise Fallback
        item = step.item
        assert item is not None
        if item.kind == _LEAF:
            return item.serialize(value, item.nonnull)  # type: ignore[misc]
        out = []
        for element in value:
            if element is None:
                if item.nonnull:
                    raise Fallback
                out.append(None)
            else:
                out.append(self._complete_value(item, element))
        return out

    def _complete_fast(
        self, item_type: Any, field_details_list: Any, path: Any, items: Any, size: int
    ) -> list[Any] | None:
        """A long list of leaf-only objects, column by column."""
        if self.get_stream_usage(field_details_list, path) is not None:
            return None
        nonnull_items = isinstance(item_type, GraphQLNonNull)
        object_type = item_type.of_type if nonnull_items else item_type
        if not isinstance(object_type, GraphQLObjectType) or object_type.is_type_of is not None:
            return None
        plan = self._plan(object_type, field_details_list)
        if plan is None or not plan.leaves_only:
            return None
        column_of = getattr(items, "column", None) if not isinstance(items, list | tuple) else None
        try:
            if column_of is None:
                self._check_items(items)
            columns: list[list[Any]] = []
            for step in plan.steps:
                if step.kind == _TYPENAME:
                    columns.append([step.typename] * size)
                    continue
                assert step.attribute is not None and step.serialize is not None
                values = column_of(step.attribute) if column_of is not None else None
                if values is None or len(values) != size:
                    values = list(map(attrgetter(step.attribute), items))
                columns.append(step.serialize(values, step.nonnull))
        except Fallback:
            return None
        except Exception:
            return None  # e.g. an attribute that raises: the stock path reports it
        if not columns:
            return [{} for _ in range(size)]
        return _dicts(tuple(step.key for step in plan.steps), columns)

    def _check_items(self, items: Sequence[Any]) -> None:
        """Rows must be plain objects: no None (its nullability is the stock path's), no awaitables."""
        seen: set[type] = set()
        for item in items:
            kind = item.__class__
            if kind in seen:
                continue
            if item is None or isinstance(item, Exception) or self.is_awaitable(item):
                raise Fallback
            seen.add(kind)
