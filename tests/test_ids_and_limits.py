"""Global IDs, cursors, languages and the document limits."""

import graphql
import pytest

from resolvers.errors import CodedError
from resolvers.ids import from_global_id, pk_of, to_global_id
from resolvers.pagination import decode_cursor, encode_cursor, page_size
from resolvers.texts import language_from_header
from schema.build import build_schema
from schema.limits import Limits, limits_rule


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
    schema = build_schema()._schema
    return graphql.validate(schema, graphql.parse(document), [limits_rule(limits)])


def test_deep_query_is_too_complex() -> None:
    deep = "query { viewer { user { id } } }"
    assert _errors(deep) == []
    nested = "query " + "{ viewer " * 20 + "{ id }" + " }" * 20
    [error] = [e for e in _errors(nested) if e.extensions]
    assert error.extensions == {"code": "QUERY_TOO_COMPLEX"}


def test_fragment_cycles_do_not_hang_the_depth_check() -> None:
    doc = "query { viewer { ...A } } fragment A on Viewer { ...B } fragment B on Viewer { ...A }"
    assert _errors(doc) == []


def test_too_many_aliases_and_directives() -> None:
    aliases = "query { " + " ".join(f"a{i}: viewer {{ user {{ id }} }}" for i in range(31)) + " }"
    assert [e.extensions["code"] for e in _errors(aliases)] == ["QUERY_TOO_COMPLEX"]
    directives = "query { viewer " + "@include(if: true) " * 31 + "{ user { id } } }"
    assert "QUERY_TOO_COMPLEX" in [(e.extensions or {}).get("code") for e in _errors(directives)]
