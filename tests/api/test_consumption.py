"""Reporting through the API: Consumption, ConsumptionChart, NextInvoiceEstimate, and the fast path."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from zoneinfo import ZoneInfo

import orjson
import pytest
import strawberry
from sqlalchemy import select
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from auth.principal import Principal
from domain.base import Language, today_helsinki
from domain.reporting import local_midnight_ts
from domain.users import User, UserRole
from resolvers.context import Context
from schema.build import build_schema
from schema.fastpath import FastPathExecutionContext
from schema.leaves import format_datetime
from tests.conftest import count_statements, gql, login, operation

CONSUMPTION = operation("Consumption")
CHART = operation("ConsumptionChart")
ESTIMATE = operation("NextInvoiceEstimate")
PLACES = """{ viewer { customers { id relationship
  locationsOfUse { id meteringResolution address { city } } } } }"""


async def maija_places(client) -> dict:
    """Maija's customer ID and location IDs, seen by whoever is signed in (owner or delegate)."""
    result = await gql(client, PLACES)
    assert result.errors == [], result.errors
    [customer] = [c for c in result.data["viewer"]["customers"] if len(c["locationsOfUse"]) == 2]
    by_city = {loc["address"]["city"]: loc["id"] for loc in customer["locationsOfUse"]}
    return {"customer": customer["id"], "apartment": by_city["Helsinki"], "cottage": by_city["Porvoo"]}


def last_full_month() -> tuple[date, date]:
    last = today_helsinki().replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def variables(ids: dict, place: str, first: date, last: date, resolution: str) -> dict:
    return {
        "customerId": ids["customer"],
        "locationOfUseId": ids[place],
        "from": first.isoformat(),
        "to": last.isoformat(),
        "resolution": resolution,
    }


async def test_consumption_of_maijas_apartment_for_a_month(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    first, last = last_full_month()
    result = await gql(client, CONSUMPTION, variables(ids, "apartment", first, last, "HOUR"))
    assert result.errors == [], result.errors
    series = result.data["customer"]["consumption"]
    assert series["resolution"] == "HOUR"
    assert (series["from"], series["to"]) == (first.isoformat(), last.isoformat())
    assert series["timezone"] == "Europe/Helsinki" and series["unit"] == "kWh"
    points = series["points"]
    assert (
        points[0]["start"]
        == datetime(first.year, first.month, first.day, tzinfo=ZoneInfo("Europe/Helsinki")).isoformat()
    )
    assert abs(sum(p["kwh"] or 0 for p in points) - series["totalKwh"]) < 1e-6
    assert {p["quality"] for p in points} <= {"MEASURED", "ESTIMATED", "MISSING"}
    assert all(
        Decimal(p["cost"]) == Decimal(p["cost"]).quantize(Decimal("0.00001")) for p in points if p["cost"]
    )
    assert series["totalCost"]["currency"] == "EUR" and Decimal(series["totalCost"]["amount"]) > 0
    done = series["completeness"]
    assert (
        done["expectedReadings"]
        == done["measuredReadings"] + done["estimatedReadings"] + done["missingReadings"]
    )
    assert done["expectedReadings"] == 4 * len(points)
    assert series["dataAvailableUntil"].startswith(today_helsinki().isoformat())
    previous = series["previousPeriod"]
    assert previous["to"] == (first - timedelta(days=1)).isoformat()
    similar = series["similarLocations"]
    assert similar["sampleSize"] >= 20
    assert similar["p25Kwh"] <= similar["medianKwh"] <= similar["p75Kwh"]
    assert len(similar["criteria"]) == 3


async def test_consumption_chart_on_the_dst_days(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    found: dict[int, date] = {}
    day = today_helsinki() - timedelta(days=1)
    while len(found) < 2:
        hours = (local_midnight_ts(day + timedelta(days=1)) - local_midnight_ts(day)) // 3600
        if hours != 24:
            found.setdefault(hours, day)
        day -= timedelta(days=1)
    for hours, dst_day in found.items():
        for place in ("apartment", "cottage"):
            result = await gql(client, CHART, variables(ids, place, dst_day, dst_day, "HOUR"))
            assert result.errors == []
            assert len(result.data["customer"]["consumption"]["points"]) == hours


async def test_next_invoice_estimate_lines_sum_to_the_total(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    for place in ("apartment", "cottage"):
        result = await gql(
            client,
            ESTIMATE,
            {"customerId": ids["customer"], "locationOfUseId": ids[place]},
            **{"Accept-Language": "en"},
        )
        assert result.errors == [], result.errors
        estimate = result.data["customer"]["nextInvoiceEstimate"]
        total = Decimal(estimate["estimatedTotal"]["amount"])
        assert sum(Decimal(line["amountInclVat"]["amount"]) for line in estimate["lines"]) == total > 0
        assert estimate["projectedKwh"] >= estimate["consumedKwh"] > 0
        assert estimate["periodStart"] == today_helsinki().replace(day=1).isoformat()
        assert any(line["description"].startswith("Basic fee") for line in estimate["lines"])


async def test_matti_as_reporting_delegate_sees_maijas_consumption(client) -> None:
    await login(client, "matti")
    ids = await maija_places(client)
    first, last = last_full_month()
    result = await gql(client, CHART, variables(ids, "cottage", first, last, "DAY"))
    assert result.errors == []
    assert len(result.data["customer"]["consumption"]["points"]) == (last - first).days + 1
    result = await gql(client, ESTIMATE, {"customerId": ids["customer"], "locationOfUseId": ids["apartment"]})
    assert result.errors == [] and result.data["customer"]["nextInvoiceEstimate"]["lines"]


async def test_liisa_gets_nothing_of_maijas_consumption(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    await gql(client, "mutation { logout { errors { code } } }")
    await login(client, "liisa")
    first, last = last_full_month()
    result = await gql(client, CONSUMPTION, variables(ids, "apartment", first, last, "DAY"))
    assert result.data == {"customer": None}
    assert result.codes() == ["NOT_FOUND"]
    # through her own customer, Maija's location is not found either
    own = (await gql(client, "{ viewer { customers { id } } }")).data["viewer"]["customers"][0]["id"]
    for query, extra in (
        (CHART, {"from": first.isoformat(), "to": last.isoformat(), "resolution": "DAY"}),
        (ESTIMATE, {}),
    ):
        result = await gql(client, query, {"customerId": own, "locationOfUseId": ids["apartment"], **extra})
        assert result.codes() == ["NOT_FOUND"]
        field = "consumption" if query is CHART else "nextInvoiceEstimate"
        assert result.data["customer"][field] is None


async def test_refused_requests_are_bad_user_input_naming_the_limit(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    yesterday = today_helsinki() - timedelta(days=1)
    cases = [
        (variables(ids, "cottage", yesterday, yesterday, "QUARTER_HOUR"), "metered hourly"),
        (variables(ids, "apartment", date(2025, 9, 1), date(2025, 10, 5), "QUARTER_HOUR"), "2025-10-01"),
        (variables(ids, "cottage", yesterday, yesterday - timedelta(days=2), "DAY"), "before"),
        (variables(ids, "cottage", yesterday - timedelta(days=400), yesterday, "HOUR"), "400 days"),
    ]
    for values, words in cases:
        result = await gql(client, CHART, values)
        assert result.codes() == ["BAD_USER_INPUT"], result
        assert words in result.errors[0]["message"]
        assert result.data == {"customer": {"consumption": None}}


async def test_statements_do_not_grow_with_the_range(client, runtime) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    yesterday = today_helsinki() - timedelta(days=1)
    counts = {}
    for resolution, spans in (
        ("HOUR", (1, 31, 365)),
        ("QUARTER_HOUR", (1, 31)),
        ("DAY", (7, 1000)),
        ("MONTH", (40, 2000)),
    ):
        for days in spans:
            values = variables(ids, "apartment", yesterday - timedelta(days=days - 1), yesterday, resolution)
            with count_statements(runtime) as statements:
                result = await gql(client, CONSUMPTION, values)
            assert result.errors == [], result.errors
            counts[(resolution, days)] = len(statements)
    for resolution in ("HOUR", "QUARTER_HOUR", "DAY", "MONTH"):
        assert len({n for (r, _), n in counts.items() if r == resolution}) == 1, counts
    assert max(counts.values()) <= 14


AHEAD = """query($customerId: ID!, $locationOfUseId: ID!, $from: Date!, $to: Date!, $skip: Boolean!) {
  customer(id: $customerId) {
    a: consumption(locationOfUseId: $locationOfUseId, from: $from, to: $to, resolution: DAY) {
      ...Parts
      until: dataAvailableUntil @skip(if: $skip)
    }
    b: consumption(locationOfUseId: $locationOfUseId, from: $to, to: $from, resolution: DAY) {
      ...Parts
    }
  }
}
fragment Parts on ConsumptionSeries {
  totalKwh
  ... on ConsumptionSeries { similarLocations { sampleSize medianKwh } }
  previousPeriod { from to totalKwh changePercent }
}"""


async def test_parts_read_ahead_are_the_parts_read_when_resolved(client, monkeypatch) -> None:
    import schema.reporting

    await login(client, "maija")
    ids = await maija_places(client)
    first, last = last_full_month()
    values = {
        "customerId": ids["customer"],
        "locationOfUseId": ids["apartment"],
        "from": first.isoformat(),
        "to": last.isoformat(),
    }
    ahead = await gql(client, AHEAD, {**values, "skip": False})
    skipped = await gql(client, AHEAD, {**values, "skip": True})  # read ahead in vain, not shown
    monkeypatch.setattr(schema.reporting, "_READ_AHEAD", {})
    after = await gql(client, AHEAD, {**values, "skip": False})
    assert ahead == after
    series = ahead.data["customer"]["a"]
    assert series["similarLocations"]["sampleSize"] >= 20 and series["until"] is not None
    assert series["previousPeriod"]["to"] == (first - timedelta(days=1)).isoformat()
    # the refused series (to before from) is BAD_USER_INPUT, its parts read ahead are dropped
    assert ahead.codes() == ["BAD_USER_INPUT"] and ahead.data["customer"]["b"] is None
    assert "until" not in skipped.data["customer"]["a"]
    assert skipped.data["customer"]["a"]["previousPeriod"] == series["previousPeriod"]


async def test_concurrent_consumption_requests(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    first, last = last_full_month()
    values = variables(ids, "apartment", first, last, "DAY")
    expected = await gql(client, CONSUMPTION, values)
    results = await asyncio.gather(*[gql(client, CONSUMPTION, values) for _ in range(8)])
    assert all(r.errors == [] and r.data == expected.data for r in results)


# --------------------------------------------------------------------------------------
# The fast path against the stock executor
# --------------------------------------------------------------------------------------


class _EveryList(FastPathExecutionContext):
    """The fast path on every list (the server uses it from 32 items), counting its uses."""

    fast_path_min_items = 1
    used = 0

    def _complete_fast(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        completed = super()._complete_fast(*args, **kwargs)
        if completed is not None:
            type(self).used += 1
        return completed


def result_of(result) -> tuple:
    errors = [(e.message, tuple(e.path or ())) for e in result.errors or []]
    return result.data, sorted(errors)


async def maija_context(runtime) -> Context:
    async with runtime.sessions() as db:
        user = (await db.execute(select(User).where(User.username == "maija"))).scalar_one()
    return Context(
        sessions=runtime.sessions,
        rules=runtime.rules,
        principal=Principal(user_id=user.id, role=UserRole.CUSTOMER),
        today=today_helsinki(),
        language=Language.FI,
    )


async def test_fast_path_gives_what_the_stock_executor_gives(client, runtime) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    stock = build_schema(fast_path=False)
    fast = build_schema()
    assert stock.execution_context_class is StrawberryGraphQLCoreExecutionContext
    assert fast.execution_context_class is FastPathExecutionContext
    fast.execution_context_class = _EveryList
    yesterday = today_helsinki() - timedelta(days=1)
    aliased = """query($customerId: ID!, $locationOfUseId: ID!, $from: Date!, $to: Date!,
                       $resolution: Resolution!, $withCost: Boolean!) {
      customer(id: $customerId) { consumption(locationOfUseId: $locationOfUseId, from: $from, to: $to,
                                              resolution: $resolution) {
        points { at: start __typename ...P cost @include(if: $withCost) kWh: kwh quality kwh } } } }
      fragment P on ConsumptionPoint { quality unitPrice price: unitPrice @skip(if: $withCost) }"""
    runs = [
        (CONSUMPTION, variables(ids, "apartment", yesterday - timedelta(days=6), yesterday, "QUARTER_HOUR")),
        (CONSUMPTION, variables(ids, "apartment", date(2025, 9, 25), date(2025, 10, 5), "HOUR")),
        (CONSUMPTION, variables(ids, "cottage", date(2021, 12, 1), date(2022, 3, 31), "DAY")),
        (CHART, variables(ids, "apartment", date(2019, 9, 1), yesterday, "MONTH")),
        (CHART, variables(ids, "apartment", date(2019, 9, 1), yesterday, "YEAR")),
        (aliased, {**variables(ids, "apartment", yesterday, yesterday, "HOUR"), "withCost": True}),
        (aliased, {**variables(ids, "cottage", yesterday, yesterday, "HOUR"), "withCost": False}),
    ]
    context = await maija_context(runtime)
    _EveryList.used = 0
    for query, values in runs:
        expected = await stock.execute(query, variable_values=values, context_value=context)
        found = await fast.execute(query, variable_values=values, context_value=context)
        assert expected.errors is None
        assert result_of(found) == result_of(expected)
    assert _EveryList.used >= len(runs)


@strawberry.enum
class Color(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    size: float | None
    when: datetime
    price: Decimal | None
    color: Color
    count: int
    day: date | None = None

    @strawberry.field
    def double(self) -> int:
        return self.count * 2


@dataclass
class Row:
    """A plain object resolved by attribute, like the domain's rows."""

    name: str | None
    size: object
    when: object
    price: object
    color: object
    count: object
    day: object = None


class Columns(Sequence):
    """A columnar sequence (not a list): items plus ``column(name)``."""

    def __init__(self, items: list) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self.items[index]

    def column(self, name: str):  # type: ignore[no-untyped-def]
        return [getattr(item, name) for item in self.items]


def rows(kind: str) -> list:
    helsinki = ZoneInfo("Europe/Helsinki")
    base = [
        Row(
            f"n{i}",
            i / 3,
            datetime(2026, 3, 29, i % 24, 15 * (i % 4), tzinfo=timezone(timedelta(hours=2))),
            Decimal(i).scaleb(-5),
            Color.RED if i % 2 else Color.BLUE,
            i,
            date(2026, 1, 1) + timedelta(days=i),
        )
        for i in range(40)
    ]
    if kind == "zones":
        for i, row in enumerate(base):
            row.when = [
                datetime(2026, 10, 25, 3, 30, tzinfo=helsinki),
                datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC),
                datetime(2026, 1, 1, 12, 0, 7),
                datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
                datetime(2026, 7, 1, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=45), "X")),
            ][i % 5]
    elif kind == "null_in_non_null":
        base[7].name = None
    elif kind == "bad_float":
        base[3].size = math.inf
    elif kind == "big_int":
        base[9].count = 2**40
    elif kind == "int_as_float":
        base[9].size = 3
    elif kind == "bad_enum":
        base[5].color = "green"
    elif kind == "none_item":
        base[4] = None  # type: ignore[call-overload]
    elif kind == "str_price":
        base[2].price = "1.5"
    if kind == "columns":
        return Columns(base)
    return base


@strawberry.type
class SyntheticQuery:
    @strawberry.field
    def items(self, kind: str = "ok") -> list[Item]:
        return rows(kind)  # type: ignore[return-value]

    @strawberry.field
    def maybe(self, kind: str = "ok") -> list[Item | None] | None:
        return rows(kind)  # type: ignore[return-value]


SYNTHETIC = [
    "{ items { name size when price color count day __typename } }",
    "{ a: items { n: name s: size w: when } b: items { count, ...F } } fragment F on Item { color price }",
    "{ items { name double } }",  # a field with a resolver: the stock path completes the list
    "query($on: Boolean!) { items { name @include(if: $on) size @skip(if: $on) count } }",
]
KINDS = [
    "ok",
    "zones",
    "null_in_non_null",
    "bad_float",
    "big_int",
    "int_as_float",
    "bad_enum",
    "none_item",
    "str_price",
    "columns",
]


@pytest.mark.parametrize("kind", KINDS)
def test_fast_path_matches_stock_on_odd_values(kind) -> None:
    stock = strawberry.Schema(query=SyntheticQuery)
    fast = strawberry.Schema(query=SyntheticQuery, execution_context_class=_EveryList)
    for text in SYNTHETIC:
        for field in ("items", "maybe"):
            query = text.replace("items", f'{field}(kind: "{kind}")')
            for on in (True, False):
                expected = stock.execute_sync(query, variable_values={"on": on})
                found = fast.execute_sync(query, variable_values={"on": on})
                assert result_of(found) == result_of(expected), (kind, query)


def test_fast_path_is_taken_for_plain_lists_and_columns() -> None:
    fast = strawberry.Schema(query=SyntheticQuery, execution_context_class=_EveryList)
    _EveryList.used = 0
    for kind in ("ok", "zones", "columns"):
        assert fast.execute_sync(f'{{ items(kind: "{kind}") {{ name when }} }}').errors is None
    assert _EveryList.used == 3
    for kind in ("null_in_non_null", "none_item"):
        fast.execute_sync(f'{{ items(kind: "{kind}") {{ name }} }}')
    fast.execute_sync("{ items { name double } }")
    assert _EveryList.used == 3  # fell back


def test_format_datetime_is_isoformat() -> None:
    zones = [
        None,
        UTC,
        timezone(timedelta(hours=2)),
        timezone(timedelta(hours=-9, minutes=-30)),
        ZoneInfo("Europe/Helsinki"),
    ]
    start = datetime(2025, 3, 30, 0, 0)
    for zone in zones:
        for minutes in range(0, 60 * 30, 7):
            value = (start + timedelta(minutes=minutes, seconds=minutes % 3)).replace(tzinfo=zone)
            assert format_datetime(value) == value.isoformat()
            micro = value.replace(microsecond=minutes)
            assert format_datetime(micro) == micro.isoformat()


class _Counting(FastPathExecutionContext):
    """The server's fast path, counting the nested objects and lists it completes itself."""

    objects = 0

    def _complete_value(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        completed = super()._complete_value(*args, **kwargs)
        type(self).objects += 1
        return completed


async def test_single_objects_complete_as_the_stock_executor_completes_them(runtime) -> None:
    """The everyday pages (Money, payment details, addresses, ...) through both executors."""
    invoices_page = """query($customerId: ID!) { customer(id: $customerId) { invoices(first: 12) {
      totalCount edges { cursor node { id invoiceNumber issuedOn dueOn status detailLevel
        total { amount currency } vatAmount { amount currency }
        lines { description quantity unit unitPrice { amount currency } vatRate
                amountExclVat { amount currency } amountInclVat { amount currency } }
        payment { referenceNumber iban bic recipientName amountDue { amount currency } dueOn virtualBarcode }
      } } pageInfo { hasNextPage endCursor } } } }"""
    stock = build_schema(fast_path=False)
    fast = build_schema()
    fast.execution_context_class = _Counting
    context = await maija_context(runtime)
    found = await stock.execute(
        "{ viewer { customers { id invoices(first: 3) { edges { node { id } } } } } }", context_value=context
    )
    customer = found.data["viewer"]["customers"][0]
    invoice = customer["invoices"]["edges"][0]["node"]["id"]
    runs = [
        (operation("Dashboard"), {"language": "FI"}),
        (operation("Home"), {}),
        (invoices_page, {"customerId": customer["id"]}),
        (operation("InvoiceDetail"), {"invoiceId": invoice}),
        (operation("Contracts"), {"customerId": customer["id"], "first": 50}),
        (operation("MessageThreads"), {"customerId": customer["id"]}),
        (operation("MyInformation"), {"customerId": customer["id"]}),
        (operation("AccessRights"), {"customerId": customer["id"]}),
        (ESTIMATE, {"customerId": customer["id"], "locationOfUseId": "TG9jYXRpb25PZlVzZTox"}),
        # aliases, __typename, fragments and @skip on a leaf-only object
        (
            """query($id: ID!, $skip: Boolean!) { node(id: $id) { ... on Invoice {
                 t: total { __typename ...M amount @skip(if: $skip) }
                 vatAmount { currency } payment { amountDue { a: amount amount } } } } }
               fragment M on Money { currency c2: currency }""",
            {"id": invoice, "skip": True},
        ),
    ]

    def unsigned(value):  # type: ignore[no-untyped-def]
        """File URLs are signed with the time: the same file, a second apart, differs."""
        if isinstance(value, dict):
            return {k: unsigned(v) for k, v in value.items()}
        if isinstance(value, list):
            return [unsigned(v) for v in value]
        if isinstance(value, str) and "/files/" in value:
            return value.split("/files/")[0] + "/files/..."
        return value

    _Counting.objects = 0
    for query, values in runs:
        expected = await stock.execute(query, variable_values=values, context_value=context)
        got = await fast.execute(query, variable_values=values, context_value=context)
        assert expected.data is not None and not expected.errors, query[:60]
        assert sorted(map(str, got.errors or [])) == sorted(map(str, expected.errors or []))
        # the same data, keys in the same order
        assert orjson.dumps(unsigned(got.data)) == orjson.dumps(unsigned(expected.data)), query[:60]
    assert _Counting.objects > 100


@strawberry.type
class Pair:
    amount: Decimal
    note: str | None


async def test_a_single_object_with_a_bad_value_goes_the_stock_way() -> None:
    """A None in a non-null leaf: the stock executor's error and null, not the fast path's."""

    @strawberry.type
    class Query:
        @strawberry.field
        def good(self) -> Pair:
            return Pair(amount=Decimal("1.50"), note=None)

        @strawberry.field
        def bad(self) -> Pair | None:
            return Pair(amount=None, note="x")  # type: ignore[arg-type]

    query = "{ good { amount note } bad { amount note } }"
    stock = strawberry.Schema(query=Query)
    fast = strawberry.Schema(query=Query, execution_context_class=FastPathExecutionContext)
    expected, got = await stock.execute(query), await fast.execute(query)
    assert result_of(got) == result_of(expected)
    assert got.data == {"good": {"amount": "1.50", "note": None}, "bad": None}
    assert [e.path for e in got.errors] == [["bad", "amount"]]


@strawberry.type
class Leaf:
    value: int
    label: str | None


@strawberry.type
class Branch:
    name: str
    leaf: Leaf | None
    leaves: list[Leaf | None]
    strict: list[Leaf]
    tags: list[str]

    @strawberry.field
    async def later(self) -> str:
        return f"later {self.name}"

    @strawberry.field
    def broken(self) -> Leaf | None:
        raise ValueError("broken on purpose")


async def test_nested_objects_and_resolvers_merge_as_the_stock_executor_merges_them() -> None:
    """Fast and stock fields interleaved, nested lists, bad values deep inside: same result,
    same errors, same key order as graphql-core alone."""

    @strawberry.type
    class Query:
        @strawberry.field
        def branches(self) -> list[Branch | None]:
            good = Leaf(value=1, label=None)
            return [
                Branch(name="a", leaf=good, leaves=[good, None], strict=[good], tags=["x", "y"]),
                # a None in a non-null list item and a string where an Int belongs
                Branch(
                    name="b",
                    leaf=Leaf(value="two", label="l"),  # type: ignore[arg-type]
                    leaves=[],
                    strict=[None],  # type: ignore[list-item]
                    tags=(),  # type: ignore[arg-type]
                ),
                # a generator is iterable: graphql-core takes it, the fast path hands it over
                Branch(name="c", leaf=None, leaves=(x for x in [good]), strict=[], tags=["z"]),  # type: ignore[arg-type]
            ]

    query = """{ branches { later name leaf { value label __typename } broken { value }
                  ls: leaves { value } strict { label value } tags n2: name } }"""
    stock = strawberry.Schema(query=Query)
    fast = strawberry.Schema(query=Query, execution_context_class=_Counting)
    _Counting.objects = 0
    expected, got = await stock.execute(query), await fast.execute(query)
    assert result_of(got) == result_of(expected)
    assert orjson.dumps(got.data) == orjson.dumps(expected.data)
    assert got.data is not None and got.data["branches"][0] == {
        "later": "later a",
        "name": "a",
        "leaf": {"value": 1, "label": None, "__typename": "Leaf"},
        "broken": None,
        "ls": [{"value": 1}, None],
        "strict": [{"label": None, "value": 1}],
        "tags": ["x", "y"],
        "n2": "a",
    }
    assert {tuple(e.path) for e in got.errors} >= {
        ("branches", 1, "leaf", "value"),
        ("branches", 0, "broken"),
    }
    assert _Counting.objects > 3
