"""WEEK series through the API (issue 17, part 4): the same statements whatever the range,
``partial`` on the points, and the fast path giving what the stock executor gives."""

from __future__ import annotations

from datetime import date, timedelta

from domain.base import today_helsinki
from tests.api.test_consumption import maija_places, variables
from tests.conftest import count_statements, gql, login

WEEKS = """query($customerId: ID!, $locationOfUseId: ID!, $from: Date!, $to: Date!,
    $resolution: Resolution!) {
  customer(id: $customerId) {
    consumption(locationOfUseId: $locationOfUseId, from: $from, to: $to, resolution: $resolution) {
      totalKwh points { start kwh cost unitPrice quality partial }
    }
  }
}"""


async def test_week_series_cost_the_same_statements_whatever_the_range(client, runtime) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    yesterday = today_helsinki() - timedelta(days=1)
    counts = {}
    for days in (1, 7, 200, 3000):
        values = variables(ids, "apartment", yesterday - timedelta(days=days - 1), yesterday, "WEEK")
        with count_statements(runtime) as statements:
            result = await gql(client, WEEKS, values)
        assert result.errors == [], result.errors
        counts[days] = len(statements)
    assert len(set(counts.values())) == 1, counts
    month = {}
    for days in (40, 2000):
        values = variables(ids, "apartment", yesterday - timedelta(days=days - 1), yesterday, "MONTH")
        with count_statements(runtime) as statements:
            await gql(client, WEEKS, values)
        month[days] = len(statements)
    assert set(month.values()) == set(counts.values()), (counts, month)


async def test_weeks_and_days_agree_through_the_api(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    first, last = date(2024, 12, 28), date(2025, 4, 2)  # New Year and the spring DST week
    weeks = await gql(client, WEEKS, variables(ids, "cottage", first, last, "WEEK"))
    days = await gql(client, WEEKS, variables(ids, "cottage", first, last, "DAY"))
    assert weeks.errors == days.errors == []
    week_points = weeks.data["customer"]["consumption"]["points"]
    day_points = days.data["customer"]["consumption"]["points"]
    assert len(week_points) == 15
    assert week_points[0]["start"] == "2024-12-28T00:00:00+02:00" and week_points[0]["partial"] is True
    assert week_points[1]["start"] == "2024-12-30T00:00:00+02:00" and week_points[1]["partial"] is False
    assert week_points[-1]["start"] == "2025-03-31T00:00:00+03:00" and week_points[-1]["partial"] is True
    assert [p["partial"] for p in week_points[1:-1]] == [False] * 13
    assert not any(p["partial"] for p in day_points)
    assert round(sum(p["kwh"] or 0 for p in week_points) * 1000) == round(
        sum(p["kwh"] or 0 for p in day_points) * 1000
    )
    assert (
        weeks.data["customer"]["consumption"]["totalKwh"] == days.data["customer"]["consumption"]["totalKwh"]
    )
