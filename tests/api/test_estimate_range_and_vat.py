"""The estimate's range (NextInvoiceEstimateRange, issue 17 part 2) and one VAT basis per
customer (part 8) through the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.base import today_helsinki
from tests.api.test_consumption import maija_places
from tests.conftest import count_statements, gql, login, operation

RANGE = operation("NextInvoiceEstimateRange")
PLACES = "{ viewer { customers { id kind locationsOfUse { id } } } }"
BASIS = """query Basis($customerId: ID!, $locationOfUseId: ID!, $from: Date!, $to: Date!) {
  customer(id: $customerId) {
    consumption(locationOfUseId: $locationOfUseId, from: $from, to: $to, resolution: MONTH) {
      vatIncluded totalCost { amount } points { cost unitPrice }
    }
    nextInvoiceEstimate(locationOfUseId: $locationOfUseId) {
      vatIncluded estimatedTotal { amount } low { amount } high { amount }
      lines { amountExclVat { amount } amountInclVat { amount } }
    }
  }
}"""


async def test_next_invoice_estimate_range_runs_on_the_demo_data(client, runtime) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    for place in ("apartment", "cottage"):
        with count_statements(runtime) as statements:
            result = await gql(client, RANGE, {"customerId": ids["customer"], "locationOfUseId": ids[place]})
        assert result.errors == [], result.errors
        estimate = result.data["customer"]["nextInvoiceEstimate"]
        low, total, high = (Decimal(estimate[k]["amount"]) for k in ("low", "estimatedTotal", "high"))
        assert 0 < low < total < high
        assert {estimate[k]["currency"] for k in ("low", "estimatedTotal", "high")} == {"EUR"}
        assert estimate["projectionMethod"] == "LAST_YEAR_SCALED"
        assert estimate["daysOfData"] >= 14
        assert estimate["periodStart"] == today_helsinki().replace(day=1).isoformat()
        assert estimate["projectedKwh"] > estimate["consumedKwh"] > 0
        # the estimate reads the tariffs and the rollup days once each; the customer's VAT
        # basis comes from the customer the root field loaded
        assert sum("FROM daily_consumption" in s for s in statements) == 1
        assert sum("FROM contracts" in s for s in statements) == 1
        assert sum("FROM customers" in s for s in statements) == 1
        assert len(statements) <= 7, [s[:60] for s in statements]


async def _basis(client, username: str) -> list[dict]:
    await login(client, username)
    result = await gql(client, PLACES)
    assert result.errors == []
    last = today_helsinki() - timedelta(days=1)
    found = []
    for customer in result.data["viewer"]["customers"]:
        location = customer["locationsOfUse"][0]["id"]
        variables = {
            "customerId": customer["id"],
            "locationOfUseId": location,
            "from": (last.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat(),
            "to": last.isoformat(),
        }
        answer = await gql(client, BASIS, variables)
        assert answer.errors == [], answer.errors
        found.append({"kind": customer["kind"], **answer.data["customer"]})
    return found


async def test_an_organisation_sees_reporting_without_vat_and_a_consumer_with(client) -> None:
    organisations = await _basis(client, "kahvila")
    consumers = await _basis(client, "maija")
    assert {o["kind"] for o in organisations} == {"ORGANIZATION"}
    assert {c["kind"] for c in consumers} == {"PERSON"}
    for found in organisations + consumers:
        vat = found["kind"] == "PERSON"
        series, estimate = found["consumption"], found["nextInvoiceEstimate"]
        assert series["vatIncluded"] is vat and estimate["vatIncluded"] is vat
        amount = "amountInclVat" if vat else "amountExclVat"
        lines = sum(Decimal(line[amount]["amount"]) for line in estimate["lines"])
        assert lines == Decimal(estimate["estimatedTotal"]["amount"])
        assert Decimal(series["totalCost"]["amount"]) > 0
