"""The leaves of the execution fast path (``schema.fastpath``): coercing scalar and enum
values exactly as their GraphQL types do, a column or a value at a time.

Each serializer gives the type's own ``coerce_output_value`` result, with exact, faster
equivalents for the common types (``Float``, ``Int``, ``String``, ``ID``, ``Boolean``,
strawberry's ``Decimal``, ``Date``, ``DateTime`` and strawberry enums), and raises
``Fallback`` wherever the type would give an error or a null, so that the caller hands
the value to graphql-core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from math import isfinite
from typing import Any

from graphql import GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString
from graphql.pyutils import Undefined
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.schema.types.base_scalars import isoformat as strawberry_isoformat

from domain.base import filled, null_positions

__all__ = [
    "ColumnSerializer",
    "Fallback",
    "column_serializer",
    "format_datetime",
    "generic_serializer",
    "value_coercer",
]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class Fallback(Exception):
    """Leave the value (or the list, or the object) to the stock executor."""


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


def generic_serializer(coerce: Callable[[Any], Any], is_awaitable: Callable[[Any], bool]) -> ColumnSerializer:
    """The leaf type's own coercion, value by value; anything odd falls back."""

    def serialize(values: Sequence[Any], nonnull: bool) -> list[Any]:
        out: list[Any] = []
        append = out.append
        for value in values:
            if value is None:
                if nonnull:
                    raise Fallback
                append(None)
                continue
            if is_awaitable(value) or isinstance(value, Exception):
                raise Fallback
            try:
                coerced = coerce(value)
            except Exception as error:
                raise Fallback from error
            if coerced is None or coerced is Undefined:
                raise Fallback
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
            raise Fallback
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
            raise Fallback
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
                    raise Fallback
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


def _enum_names(leaf: CustomGraphQLEnumType) -> dict[Any, str]:
    """A strawberry enum's members by their GraphQL names."""
    names = {}
    for member in leaf.wrapped_cls:
        for name, value in leaf.values.items():
            if member.value == value.value:
                names[member] = name
                break
    return names


def column_serializer(leaf: Any, is_awaitable: Callable[[Any], bool]) -> ColumnSerializer:
    """How to coerce a column of values of the leaf type ``leaf`` (same results as the type)."""
    generic = generic_serializer(leaf.coerce_output_value, is_awaitable)
    if leaf is GraphQLFloat:
        return _passthrough(float, isfinite, generic)
    if leaf is GraphQLInt:
        return _passthrough(int, _int32, generic)
    if leaf is GraphQLString or leaf is GraphQLID:
        return _passthrough(str, None, generic)
    if leaf is GraphQLBoolean:
        return _passthrough(bool, None, generic)
    if isinstance(leaf, CustomGraphQLEnumType):
        return _mapped(leaf.wrapped_cls, _enum_names(leaf).__getitem__, generic)
    coerce = leaf.coerce_output_value
    if coerce is str:
        return _decimals(generic) if leaf.name == "Decimal" else generic
    if coerce is strawberry_isoformat:
        if leaf.name == "DateTime":
            return _datetimes(generic)
        if leaf.name == "Date":
            return _mapped(date, date.isoformat, generic)
    return generic


def value_coercer(leaf: Any, is_awaitable: Callable[[Any], bool]) -> Callable[[Any], Any]:
    """How to coerce one non-null value of the leaf type ``leaf`` (same results as the type;
    raises ``Fallback`` where the type would give an error or null)."""
    coerce = leaf.coerce_output_value

    def generic(value: Any) -> Any:
        if is_awaitable(value) or isinstance(value, Exception):
            raise Fallback
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Fallback
        return coerced

    def checked(valid: Callable[[Any], bool]) -> Callable[[Any], Any]:
        return lambda value: value if valid(value) else generic(value)

    exact: dict[type, Callable[[Any], Any] | None] = {}
    if leaf is GraphQLFloat:
        exact[float] = checked(isfinite)
    elif leaf is GraphQLInt:
        exact[int] = checked(_int32)
    elif leaf is GraphQLString or leaf is GraphQLID:
        exact[str] = None
    elif leaf is GraphQLBoolean:
        exact[bool] = None
    elif isinstance(leaf, CustomGraphQLEnumType):
        exact[leaf.wrapped_cls] = _enum_names(leaf).__getitem__
    elif coerce is str and leaf.name == "Decimal":
        exact[Decimal] = str
    elif coerce is strawberry_isoformat and leaf.name == "DateTime":
        exact[datetime] = format_datetime
    elif coerce is strawberry_isoformat and leaf.name == "Date":
        exact[date] = date.isoformat
    if not exact:
        return generic
    ((kind, convert),) = exact.items()
    if convert is None:
        return lambda value: value if value.__class__ is kind else generic(value)
    return lambda value: convert(value) if value.__class__ is kind else generic(value)
