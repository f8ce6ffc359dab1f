"""An execution fast path for long lists of leaf-only objects (``../shared/PERFORMANCE.md``).

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

The same plan completes a single object of such a type (``complete_object_value``): the
``Money`` of an invoice, its payment details, an address. Such small objects make up
most of a page's fields (an invoices page of 12 invoices with their lines has ~400
``Money`` objects), and graphql-core's per-field work is most of its cost. The same
rules apply: anything unusual (a ``None`` in a non-null field, a value that does not
coerce, an awaitable) and the object goes the stock way.

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
from datetime import date, datetime, timezone
from decimal import Decimal
from math import isfinite
from operator import attrgetter
from typing import Any, ClassVar

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    is_leaf_type,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.schema.types.base_scalars import isoformat as strawberry_isoformat

from domain.base import filled, null_positions

__all__ = ["FastPathExecutionContext", "column_serializer", "format_datetime"]

_SKIP_INCLUDE = frozenset({"skip", "include"})
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class _Fallback(Exception):
    """Leave the list to the stock executor."""


# --------------------------------------------------------------------------------------
# Leaf serialisation, a column at a time
# --------------------------------------------------------------------------------------

ColumnSerializer = Callable[[Sequence[Any], bool], list[Any]]

_HOURS_MINUTES = [f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
_SECONDS = [f"{s:02d}" for s in range(60)]
_DAYS: dict[int, str] = {}
_OFFSETS: dict[Any, str] = {None: ""}


def _offset_text(tz: Any) -> str | None:
    """``isoformat``'s offset suffix for a fixed-offset zone (None for other zones)."""
    found = _OFFSETS.get(tz)
    if found is None and type(tz) is timezone:
        found = datetime(2000, 1, 1, tzinfo=tz).isoformat()[19:]
        _OFFSETS[tz] = found
    return found


def format_datetime(value: datetime) -> str:
    """Exactly ``value.isoformat()``, faster for whole-second, fixed-offset (or naive) values."""
    if value.__class__ is datetime and not value.microsecond:
        offset = _OFFSETS.get(value.tzinfo)
        if offset is None:
            offset = _offset_text(value.tzinfo)
        if offset is not None:
            ordinal = value.toordinal()
            day = _DAYS.get(ordinal)
            if day is None:
                day = _DAYS[ordinal] = date.fromordinal(ordinal).isoformat()
            return day + _HOURS_MINUTES[value.hour * 60 + value.minute] + _SECONDS[value.second] + offset
    return value.isoformat()


def _generic(coerce: Callable[[Any], Any], is_awaitable: Callable[[Any], bool]) -> ColumnSerializer:
    """The leaf type's own coercion, value by value; anything odd falls back."""

    def serialize(values: Sequence[Any], nonnull: bool) -> list[Any]:
        out: list[Any] = []
        append = out.append
        for value in values:
            if value is None:
                if nonnull:
                    raise _Fallback
                append(None)
                continue
            if is_awaitable(value) or isinstance(value, Exception):
                raise _Fallback
            try:
                coerced = coerce(value)
            except Exception as error:
                raise _Fallback from error
            if coerced is None or coerced is Undefined:
                raise _Fallback
            append(coerced)
        return out

    return serialize


def _types(values: Sequence[Any]) -> set[type]:
    return set(map(type, values))


def _passthrough(
    exact: type, valid: Callable[[Any], bool] | None, generic: ColumnSerializer
) -> ColumnSerializer:
    """Values of class ``exact`` that pass ``valid`` coerce to themselves (checked column-wide)."""
    allowed = {exact, type(None)}

    def serialize(values: Sequence[Any], nonnull: bool) -> list[Any]:
        if not _types(values) <= allowed:
            return generic(values, nonnull)
        if nonnull and None in values:
            raise _Fallback
        # filter(None, ...) drops None (and zeros, which are valid Floats and Ints): all in C
        if valid is not None and not all(map(valid, filter(None, values))):
            return generic(values, nonnull)
        return list(values)

    return serialize


def _mapped(exact: type, convert: Callable[[Any], Any], generic: ColumnSerializer) -> ColumnSerializer:
    """Values of class ``exact`` coerce with ``convert``; a column with others goes ``generic``."""
    allowed = {exact, type(None)}

    def serialize(values: Sequence[Any], nonnull: bool) -> list[Any]:
        # (Nulls are found by type and identity: ``None in values`` would call Decimal.__eq__,
        # which checks numbers.Rational, an ABC, for every value.)
        types = _types(values)
        if not types <= allowed:
            return generic(values, nonnull)
        if type(None) not in types:
            return list(map(convert, values))
        if nonnull:
            raise _Fallback
        nulls = null_positions(values)
        if len(nulls) == len(values):
            return [None] * len(values)
        # A value stands in for the nulls while the column converts in C; then they come back.
        stand_in = next(value for value in values if value is not None)
        out = list(map(convert, filled(values, nulls, stand_in)))
        for at in nulls:
            out[at] = None
        return out

    return serialize


def _own_texts(values: Sequence[Any], method: str, nonnull: bool) -> list[Any] | None:
    """The texts a column offers for its values (``isoformats``, ``texts``), if it does."""
    own = getattr(values, method, None)
    if own is None or isinstance(values, list | tuple):
        return None
    texts: list[Any] = own()
    if len(texts) != len(values) or (nonnull and None in texts):
        return None
    return texts


def _decimals(generic: ColumnSerializer) -> ColumnSerializer:
    """``str`` over a column of Decimals; a column that offers ``texts()`` formats itself."""
    mapped = _mapped(Decimal, str, generic)

    def serialize(values: Sequence[Any], nonnull: bool) -> list[Any]:
        texts = _own_texts(values, "texts", nonnull)
        return texts if texts is not None else mapped(values, nonnull)

    return serialize


def _datetimes(generic: ColumnSerializer) -> ColumnSerializer:
    """``format_datetime`` over a column, inlined (a year of quarter-hours is 35,040 values);
    a column that offers ``isoformats()`` (every value's ``isoformat()``) formats itself."""

    def serialize(values: Sequence[Any], nonnull: bool) -> list[Any]:
        texts = _own_texts(values, "isoformats", nonnull)
        if texts is not None:
            return texts
        out: list[Any] = []
        append = out.append
        offsets, hours_minutes = _OFFSETS, _HOURS_MINUTES
        last_ordinal, day = -1, ""
        for value in values:
            if value is None:
                if nonnull:
                    raise _Fallback
                append(None)
            elif value.__class__ is datetime:
                if value.microsecond or value.second:
                    append(value.isoformat())
                    continue
                offset = offsets.get(value.tzinfo)
                if offset is None:
                    offset = _offset_text(value.tzinfo)
                    if offset is None:
                        append(value.isoformat())
                        continue
                ordinal = value.toordinal()
                if ordinal != last_ordinal:
                    last_ordinal, day = ordinal, date.fromordinal(ordinal).isoformat()
                append(f"{day}{hours_minutes[value.hour * 60 + value.minute]}00{offset}")
            else:
                return generic(values, nonnull)
        return out

    return serialize


def _int32(value: int) -> bool:
    return _INT_MIN <= value <= _INT_MAX


def column_serializer(leaf: Any, is_awaitable: Callable[[Any], bool]) -> ColumnSerializer:
    """How to coerce a column of values of the leaf type ``leaf`` (same results as the type)."""
    generic = _generic(leaf.coerce_output_value, is_awaitable)
    if leaf is GraphQLFloat:
        return _passthrough(float, isfinite, generic)
    if leaf is GraphQLInt:
        return _passthrough(int, _int32, generic)
    if leaf is GraphQLString or leaf is GraphQLID:
        return _passthrough(str, None, generic)
    if leaf is GraphQLBoolean:
        return _passthrough(bool, None, generic)
    if isinstance(leaf, CustomGraphQLEnumType):
        names = {}
        for member in leaf.wrapped_cls:
            for name, value in leaf.values.items():
                if member.value == value.value:
                    names[member] = name
                    break
        return _mapped(leaf.wrapped_cls, names.__getitem__, generic)
    coerce = leaf.coerce_output_value
    if coerce is str:
        return _decimals(generic) if leaf.name == "Decimal" else generic
    if coerce is strawberry_isoformat:
        if leaf.name == "DateTime":
            return _datetimes(generic)
        if leaf.name == "Date":
            return _mapped(date, date.isoformat, generic)
    return generic


# --------------------------------------------------------------------------------------
# Plans: what a list of a given selection needs
# --------------------------------------------------------------------------------------


class _FieldPlan:
    __slots__ = ("attribute", "key", "nonnull", "serialize", "typename")

    def __init__(
        self,
        key: str,
        attribute: str | None,
        nonnull: bool,
        serialize: ColumnSerializer | None,
        typename: str | None = None,
    ) -> None:
        self.key = key
        self.attribute = attribute
        self.nonnull = nonnull
        self.serialize = serialize
        self.typename = typename


class _ListPlan:
    __slots__ = ("fields", "keys", "nonnull_items", "object_type")

    def __init__(self, object_type: GraphQLObjectType, nonnull_items: bool, fields: list[_FieldPlan]) -> None:
        self.object_type = object_type
        self.nonnull_items = nonnull_items
        self.fields = fields
        self.keys = tuple(f.key for f in fields)


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
    """strawberry's execution context with the list fast path (see the module doc)."""

    #: Shorter lists go the stock way (the plan is not worth it); tests lower it.
    fast_path_min_items: ClassVar[int] = 32

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._list_plans: dict[tuple[int, int], tuple[Any, _ListPlan | None]] = {}

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

    def complete_object_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if return_type.is_type_of is None and not self.is_awaitable(result):
            completed = self._complete_one(return_type, field_details_list, result)
            if completed is not None:
                return completed
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    # -- planning ---------------------------------------------------------------------

    def _plan(self, item_type: Any, field_details_list: Any) -> _ListPlan | None:
        key = (id(item_type), id(field_details_list))
        cached = self._list_plans.get(key)
        if cached is not None:
            return cached[1]
        plan = self._make_plan(item_type, field_details_list)
        # Keep the details list alive with its plan, so that its id is not reused.
        self._list_plans[key] = (field_details_list, plan)
        return plan

    def _make_plan(self, item_type: Any, field_details_list: Any) -> _ListPlan | None:
        nonnull_items = isinstance(item_type, GraphQLNonNull)
        object_type = item_type.of_type if nonnull_items else item_type
        if not isinstance(object_type, GraphQLObjectType) or object_type.is_type_of is not None:
            return None
        manager = self.middleware_manager
        if manager is not None and manager.middlewares:
            return None
        collected = self.collect_subfields(object_type, field_details_list)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return None
        fields: list[_FieldPlan] = []
        for response_key, details in collected.grouped_field_set.items():
            for detail in details:
                node = detail.node
                if node.arguments or node.selection_set is not None:
                    return None
                if any(d.name.value not in _SKIP_INCLUDE for d in node.directives or ()):
                    return None
            name = details[0].node.name.value
            if name == "__typename":
                fields.append(_FieldPlan(response_key, None, True, None, typename=object_type.name))
                continue
            field_def = self.schema.get_field(object_type, name)
            if field_def is None:
                continue  # the stock executor leaves unknown fields out as well
            definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if (
                definition is None
                or field_def.resolve is None
                or not getattr(field_def.resolve, "_is_default", False)
                or not getattr(definition, "is_basic_field", False)
                or getattr(definition, "default_resolver", None) is not getattr
            ):
                return None
            return_type = field_def.type
            nonnull = isinstance(return_type, GraphQLNonNull)
            leaf = return_type.of_type if nonnull else return_type
            if not is_leaf_type(leaf):
                return None
            if isinstance(leaf, GraphQLEnumType) and not isinstance(leaf, CustomGraphQLEnumType):
                serialize = _generic(leaf.coerce_output_value, self.is_awaitable)
            else:
                serialize = column_serializer(leaf, self.is_awaitable)
            fields.append(_FieldPlan(response_key, definition.python_name, nonnull, serialize))
        return _ListPlan(object_type, nonnull_items, fields)

    # -- completing -------------------------------------------------------------------

    def _complete_fast(
        self, item_type: Any, field_details_list: Any, path: Any, items: Any, size: int
    ) -> list[Any] | None:
        if self.get_stream_usage(field_details_list, path) is not None:
            return None
        plan = self._plan(item_type, field_details_list)
        if plan is None:
            return None
        column_of = getattr(items, "column", None) if not isinstance(items, list | tuple) else None
        try:
            if column_of is None:
                self._check_items(items)
            columns: list[list[Any]] = []
            for field in plan.fields:
                if field.typename is not None:
                    columns.append([field.typename] * size)
                    continue
                assert field.attribute is not None and field.serialize is not None
                values = column_of(field.attribute) if column_of is not None else None
                if values is None or len(values) != size:
                    values = list(map(attrgetter(field.attribute), items))
                columns.append(field.serialize(values, field.nonnull))
        except _Fallback:
            return None
        except Exception:
            return None  # e.g. an attribute that raises: the stock path reports it
        if not columns:
            return [{} for _ in range(size)]
        return _dicts(plan.keys, columns)

    def _complete_one(self, object_type: Any, field_details_list: Any, result: Any) -> dict[str, Any] | None:
        """One object of a leaf-only selection as its dictionary, or ``None`` (the stock way)."""
        plan = self._plan(object_type, field_details_list)
        if plan is None or result is None or isinstance(result, Exception):
            return None
        completed: dict[str, Any] = {}
        try:
            for field in plan.fields:
                if field.typename is not None:
                    completed[field.key] = field.typename
                    continue
                assert field.attribute is not None and field.serialize is not None
                completed[field.key] = field.serialize([getattr(result, field.attribute)], field.nonnull)[0]
        except _Fallback:
            return None
        except Exception:
            return None  # e.g. an attribute that raises: the stock path reports it
        return completed

    def _check_items(self, items: Sequence[Any]) -> None:
        """Rows must be plain objects: no None (its nullability is the stock path's), no awaitables."""
        seen: set[type] = set()
        for item in items:
            kind = item.__class__
            if kind in seen:
                continue
            if item is None or isinstance(item, Exception) or self.is_awaitable(item):
                raise _Fallback
            seen.add(kind)
