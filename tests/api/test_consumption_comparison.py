"""The ConsumptionComparison operation (issue 17, parts 1 and 6) on the demo data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.base import today_helsinki
from domain.reporting import last_year_range
from tests.api.test_consumption import CONSUMPTION, last_full_month, maija_places, variables
from tests.conftest import count_statements, gql, login, operation

COMPARISON = operation("ConsumptionComparison")


async def total_cost(client, ids: dict, place: str, first: date, last: date) -> Decimal | None:
    result = await gql(client, CONSUMPTION, variables(ids, place, first, last, "DAY"))
    assert result.errors == [], result.errors
    cost = result.data["customer"]["consumption"]["totalCost"]
    return None if cost is None else Decimal(cost["amount"])


async def test_calendar_year_2024_compares_with_2023(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    result = await gql(
        client, COMPARISON, variables(ids, "cottage", date(2024, 1, 1), date(2024, 12, 31), "MONTH")
    )
    assert result.errors == [], result.errors
    series = result.data["customer"]["consumption"]
    previous, last_year = series["previousPeriod"], series["samePeriodLastYear"]
    assert (previous["from"], previous["to"]) == ("2023-01-01", "2023-12-31")
    assert (last_year["from"], last_year["to"]) == ("2023-01-01", "2023-12-31")
    assert previous == last_year
    # the comparison's totals are what a series of 2023 shows
    shown = await gql(
        client, CONSUMPTION, variables(ids, "cottage", date(2023, 1, 1), date(2023, 12, 31), "DAY")
    )
    shown_series = shown.data["customer"]["consumption"]
    assert previous["totalKwh"] == shown_series["totalKwh"]
    assert previous["totalCost"] == shown_series["totalCost"] and previous["totalCost"]["currency"] == "EUR"
    assert previous["changePercent"] == round(
        (series["totalKwh"] - previous["totalKwh"]) * 100 / previous["totalKwh"], 1
    )
    # temperatures: every month has one, winter colder than summer; the degree days add up
    points = series["points"]
    assert len(points) == 12 and all(p["temperatureC"] is not None for p in points)
    assert points[1]["temperatureC"] < points[6]["temperatureC"] - 10
    assert 3000 < series["heatingDegreeDays"] < 6000
    months = []
    for month in (1, 7):
        first = date(2024, month, 1)
        last = date(2024, month + 1, 1) - timedelta(days=1)
        found = await gql(client, COMPARISON, variables(ids, "cottage", first, last, "DAY"))
        months.append(found.data["customer"]["consumption"])
    january, july = months
    assert len(january["points"]) == 31 and all(p["temperatureC"] is not None for p in january["points"])
    mean = sum(p["temperatureC"] for p in january["points"]) / 31
    assert abs(mean - points[0]["temperatureC"]) <= 0.051
    assert january["heatingDegreeDays"] > july["heatingDegreeDays"] >= 0


async def test_a_month_compares_with_the_previous_month_and_last_year(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    first, last = last_full_month()
    result = await gql(client, COMPARISON, variables(ids, "apartment", first, last, "DAY"))
    assert result.errors == [], result.errors
    series = result.data["customer"]["consumption"]
    before = first - timedelta(days=1)
    assert (series["previousPeriod"]["from"], series["previousPeriod"]["to"]) == (
        before.replace(day=1).isoformat(),
        before.isoformat(),
    )
    last_year = series["samePeriodLastYear"]
    a_year_before = date(first.year - 1, first.month, 1)
    assert (last_year["from"], last_year["to"]) == tuple(d.isoformat() for d in last_year_range(first, last))
    assert last_year["from"] == a_year_before.isoformat()
    assert Decimal(last_year["totalCost"]["amount"]) == await total_cost(
        client, ids, "apartment", date.fromisoformat(last_year["from"]), date.fromisoformat(last_year["to"])
    )
    # a range of days keeps the same number of days just before
    result = await gql(
        client, COMPARISON, variables(ids, "apartment", first + timedelta(days=1), last, "HOUR")
    )
    series = result.data["customer"]["consumption"]
    assert series["previousPeriod"]["to"] == first.isoformat()
    days = (last - first).days
    assert date.fromisoformat(series["previousPeriod"]["from"]) == first - timedelta(days=days - 1)
    # hours have no temperature, the series has its degree days all the same
    assert (
        all(p["temperatureC"] is None for p in series["points"]) and series["heatingDegreeDays"] is not None
    )


async def test_a_comparison_without_readings_is_null(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    result = await gql(
        client, COMPARISON, variables(ids, "cottage", date(2001, 1, 1), date(2001, 12, 31), "YEAR")
    )
    assert result.errors == [], result.errors
    series = result.data["customer"]["consumption"]
    assert series["previousPeriod"] is None and series["samePeriodLastYear"] is None
    assert series["heatingDegreeDays"] is None and series["points"][0]["temperatureC"] is None


TEMPERATURE_PARTS = """query($customerId: ID!, $locationOfUseId: ID!, $from: Date!, $to: Date!) {
  customer(id: $customerId) {
    consumption(locationOfUseId: $locationOfUseId, from: $from, to: $to, resolution: DAY) { totalKwh %s }
  }
}"""


async def test_temperatures_are_one_statement_read_only_when_selected(client, runtime) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    yesterday = today_helsinki() - timedelta(days=1)
    counts: dict[tuple[str, int], int] = {}
    for parts in (
        "",
        "heatingDegreeDays",
        "points { temperatureC }",
        "heatingDegreeDays points { kwh temperatureC }",
    ):
        for days in (7, 1000):
            values = variables(ids, "apartment", yesterday - timedelta(days=days - 1), yesterday, "DAY")
            with count_statements(runtime) as statements:
                result = await gql(client, TEMPERATURE_PARTS % parts, values)
            assert result.errors == [], result.errors
            counts[(parts, days)] = len([s for s in statements if "daily_temperatures" in s])
    assert counts == {key: 0 if not key[0] else 1 for key in counts}


async def test_comparison_statements_do_not_grow_with_the_range(client, runtime) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    yesterday = today_helsinki() - timedelta(days=1)
    counts = set()
    for days in (31, 366, 1500):
        values = variables(ids, "apartment", yesterday - timedelta(days=days - 1), yesterday, "DAY")
        with count_statements(runtime) as statements:
            result = await gql(client, COMPARISON, values)
        assert result.errors == [], result.errors
        counts.add(len(statements))
    assert len(counts) == 1, counts
