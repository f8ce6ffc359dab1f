"""Global IDs, cursors, languages and the document limits."""

import graphql
import pytest

from resolvers.context import language_from_header
from resolvers.errors import CodedError
from resolvers.ids import from_global_id, pk_of, to_global_id
from resolvers.pagination import decode_cursor, encode_cursor, page_size
from schema.limits import Limits, check_document


def test_global_ids_round_trip_and_reject_garbage() -> None:
    gid = to_global_id("Invoice", 42)
    assert from_global_id(gid) == ("Invoice", 42)
    assert pk_of(gid, "Invoice") == 42
    assert pk_of(gid, "Contract") is None
    for bad in ["", "abc", "!!!!", to_global_id("Invoice", 1) + "=", "SW52b2ljZTotMQ", "x" * 500]:
        assert from_global_id(bad) is None


def test_cursors() -> None:
    from datetime import date

    cursor = encode_cursor(date(2024, 7, 1), 7)
    assert decode_cursor(cursor) == ("2024-07-01", 7)
    for bad in ["nope", "W10", "WyJ4IiwxXQ", "a" * 200]:
        with pytest.raises(CodedError):
            decode_cursor(bad)
    assert page_size(None) == 20 and page_size(500) == 100 and page_size(0) == 0
    with pytest.raises(CodedError):
        page_size(-1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "FI"),
        ("sv-FI,sv;q=0.9", "SV"),
        ("de, en;q=0.5", "EN"),
        ("en;q=0.1, fi;q=0.9", "FI"),
        ("xx", "FI"),
    ],
)
def test_accept_language(header, expected) -> None:
    assert language_from_header(header).value == expected


def _errors(document: str, limits: Limits = Limits()) -> list[graphql.GraphQLError]:
    error = check_document(graphql.parse(document), limits)
    return [] if error is None else [error]


def test_deep_query_is_too_complex() -> None:
    deep = "query { viewer { user { id } } }"
    assert _errors(deep) == []
    nested = "query " + "{ viewer " * 20 + "{ id }" + " }" * 20
    [error] = _errors(nested)
    assert error.extensions == {"code": "QUERY_TOO_COMPLEX"}


def test_fragment_cycles_do_not_hang_the_depth_check() -> None:
    doc = "query { viewer { ...A } } fragment A on Viewer { ...B } fragment B on Viewer { ...A }"
    assert _errors(doc) == []


def test_too_many_aliases_and_directives() -> None:
    aliases = "query { " + " ".join(f"a{i}: viewer {{ user {{ id }} }}" for i in range(31)) + " }"
    assert [e.extensions["code"] for e in _errors(aliases)] == ["QUERY_TOO_COMPLEX"]
    spread = (
        "query { "
        + " ".join(f"v{i}: viewer @include(if: true) {{ user {{ id }} }}" for i in range(25))
        + " }"
    )
    assert _errors(spread) == []
    directives = (
        "query { "
        + " ".join(f"v{i}: viewer @include(if: true) @skip(if: false) {{ user {{ id }} }}" for i in range(16))
        + " }"
    )
    assert [e.message for e in _errors(directives)] == ["The query uses more than 30 directives."]
    on_one_field = "query { viewer " + "@include(if: true) " * 5 + "{ user { id } } }"
    assert [e.extensions["code"] for e in _errors(on_one_field)] == ["QUERY_TOO_COMPLEX"]


def _doubly_spread(n: int) -> str:
    """``query { ...F0 }`` where each fragment spreads the next one twice (2^n expansions)."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(n - 1)]
    fragments.append(f"fragment F{n - 1} on Query {{ viewer {{ user {{ id }} }} }}")
    return "query { ...F0 } " + " ".join(fragments)


def test_depth_is_measured_once_per_fragment() -> None:
    """20 doubly-spread fragments (a million expansions) are measured in linear time."""
    import time

    started = time.perf_counter()
    assert _errors(_doubly_spread(20)) == []
    assert time.perf_counter() - started < 0.5
    nested = (
        "query { ...F0 } "
        + " ".join(
            f"fragment F{i} on Customer {{ locationsOfUse {{ id }} ...F{i + 1} ...F{i + 1} }}"
            for i in range(19)
        )
        + " fragment F19 on Customer { id }"
    )
    assert _errors(nested) == []


@pytest.mark.parametrize("n", [40, 60])
def test_fragment_bombs_are_refused(n) -> None:
    [error] = _errors(_doubly_spread(n))
    assert error.message == "The query defines more than 20 fragments."


def test_repeated_fields_and_circular_introspection_are_refused() -> None:
    assert _errors("query { " + "__typename " * 5 + "}") == []
    [error] = _errors("query { " + "__typename " * 500 + "}")
    assert "more than 5 times" in error.message
    circular = "query { __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    [error] = _errors(circular)
    assert "Introspection" in error.message
    graphiql = graphql.get_introspection_query(descriptions=True)
    assert _errors(graphiql) == []


def test_inline_fragments_nested_deeply_are_refused() -> None:
    nested = "query { viewer { " + "... on Viewer { " * 60 + "user { id }" + " }" * 60 + " } }"
    [error] = _errors(nested)
    assert error.extensions == {"code": "QUERY_TOO_COMPLEX"}


def test_fragments_spread_inside_introspection_are_measured_once_too() -> None:
    import time

    fragments = [f"fragment F{i} on __Schema {{ ...F{i + 1} ...F{i + 1} }}" for i in range(19)]
    fragments.append("fragment F19 on __Schema { types { name } }")
    document = "query { __schema { ...F0 } } " + " ".join(fragments)
    started = time.perf_counter()
    assert _errors(document) == []
    assert time.perf_counter() - started < 0.5
    nested = "fragment T on __Type { fields { type { fields { type { fields { name } } } } } }"
    [error] = _errors("query { __schema { types { ...T } } } " + nested)
    assert "Introspection" in error.message
