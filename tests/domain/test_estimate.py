"""The next invoice estimate (issue 17, part 2): the projection on its own, and the replay of
2025 on the demo data against the band promised in README "The next invoice estimate holds"."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain import reporting
from domain.base import Resolution, today_helsinki
from domain.billing import Price
from domain.contracts import PriceKind, PriceUnit, ProductKind
from domain.customers import Customer, CustomerKind, LocationOfUse
from domain.reporting.estimate import estimate_period
from domain.reporting.projection import YEAR_BACK, ProjectionMethod, project
from domain.reporting.replay import replay_estimates
from domain.reporting.tariffs import ContractPrices

MAIJA_HETU = "150585-902R"


PERIOD = (date(2025, 3, 1), date(2025, 3, 31))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def history(level_then: int, level_now: int, as_of: date) -> dict[date, tuple[int, int, int]]:
    """Three earlier years at ``level_then`` Wh a day, this year at ``level_now`` up to ``as_of``
    and (what the estimate must not see) ten times that from ``as_of`` on."""
    daily = {d: (level_then, level_then // 2, 0) for d in days(date(2021, 12, 1), date(2024, 12, 31))}
    daily.update(
        {d: (level_now, level_now // 2, 0) for d in days(date(2025, 1, 1), as_of - timedelta(days=1))}
    )
    daily.update({d: (10 * level_now, 0, 0) for d in days(as_of, date(2025, 6, 30))})
    return daily


def test_the_estimate_sees_only_the_days_before_its_as_of_day() -> None:
    as_of = date(2025, 3, 10)
    seen = project(history(10_000, 12_000, as_of), *PERIOD, as_of, None)
    blind = {d: v for d, v in history(10_000, 12_000, as_of).items() if d < as_of}
    assert seen == project(blind, *PERIOD, as_of, None)
    assert seen.consumed_wh == 9 * 12_000
    assert seen.projected_days == days(as_of, PERIOD[1])


def test_earlier_years_scaled_by_the_damped_recent_level() -> None:
    as_of = date(2025, 3, 10)
    found = project(history(10_000, 14_400, as_of), *PERIOD, as_of, None)
    assert found.method is ProjectionMethod.LAST_YEAR_SCALED
    assert found.days_of_data == 28
    # recent level 1.44 x the earlier years': the square root, 1.2, carries over
    assert found.rest_wh == 22 * 12_000
    # a level ten times that is held to twice, damped to sqrt(2)
    wild = project(history(10_000, 100_000, as_of), *PERIOD, as_of, None)
    assert wild.rest_wh == round(22 * 10_000 * 2**0.5)


def test_the_first_day_of_a_period_reaches_across_its_boundary() -> None:
    as_of = PERIOD[0]
    found = project(history(10_000, 14_400, as_of), *PERIOD, as_of, None)
    assert found.method is ProjectionMethod.LAST_YEAR_SCALED and found.consumed_wh == 0
    assert found.rest_wh == 31 * 12_000


def test_fallbacks_without_enough_history() -> None:
    as_of = date(2025, 3, 10)
    # earlier years, but fewer than 14 recent days to compare: unscaled
    sparse = {d: v for d, v in history(10_000, 30_000, as_of).items() if d < date(2025, 1, 1)}
    sparse.update({d: (30_000, 0, 0) for d in days(date(2025, 2, 28), as_of - timedelta(days=1))})
    found = project(sparse, *PERIOD, as_of, None)
    assert found.method is ProjectionMethod.LAST_YEAR and found.days_of_data == 0
    assert found.rest_wh == 22 * 10_000
    # no earlier years: the recent average day (at least 14 days)
    new = {d: (8_000, 0, 0) for d in days(date(2025, 2, 1), as_of - timedelta(days=1))}
    found = project(new, *PERIOD, as_of, 3650)
    assert found.method is ProjectionMethod.RECENT_AVERAGE and found.rest_wh == 22 * 8_000
    # under 14 days: the profile's annual estimate
    newer = {d: (8_000, 0, 0) for d in days(date(2025, 3, 1), as_of - timedelta(days=1))}
    found = project(newer, *PERIOD, as_of, 3650)
    assert found.method is ProjectionMethod.ANNUAL_ESTIMATE and found.rest_wh == 22 * 10_000
    assert found.days_of_data == 0
    # ... or, without one, those few days
    assert project(newer, *PERIOD, as_of, None).method is ProjectionMethod.SHORT_AVERAGE
    assert project({}, *PERIOD, as_of, None).method is ProjectionMethod.NONE


def test_the_range_widens_with_the_earlier_years_spread() -> None:
    as_of = date(2025, 3, 10)
    steady = project(history(10_000, 10_000, as_of), *PERIOD, as_of, None)
    uneven = history(10_000, 10_000, as_of)
    for d in days(PERIOD[0], PERIOD[1]):
        uneven[d - YEAR_BACK] = (20_000, 0, 0)
    varied = project(uneven, *PERIOD, as_of, None)
    assert steady.uncertainty == 0.2 < varied.uncertainty


FIXED = ContractPrices(
    contract_id=1,
    kind=ProductKind.FIXED_PRICE,
    valid_from=date(2020, 1, 1),
    valid_until=None,
    billing_interval_months=1,
    components=(
        Price(PriceKind.ENERGY, Decimal("10.00000"), PriceUnit.CENTS_PER_KWH, date(2020, 1, 1), None),
        Price(PriceKind.BASIC_FEE, Decimal("4.00"), PriceUnit.EUR_PER_MONTH, date(2020, 1, 1), None),
    ),
)


def test_the_estimate_is_priced_like_an_invoice_with_a_range_on_the_customers_vat_basis() -> None:
    as_of = date(2025, 3, 10)
    daily = history(10_000, 10_000, as_of)
    with_vat = estimate_period(FIXED, *PERIOD, daily, as_of=as_of, annual_kwh=None, vat_included=True)
    without = estimate_period(FIXED, *PERIOD, daily, as_of=as_of, annual_kwh=None, vat_included=False)
    assert with_vat is not None and without is not None
    # 310 kWh at 10 c/kWh plus a 4 EUR basic fee, VAT 25.5 %
    assert without.total == Decimal("35.00") == sum(line.amount_excl_vat for line in without.lines)
    assert with_vat.total == Decimal("43.93") == sum(line.amount_incl_vat for line in with_vat.lines)
    assert with_vat.vat_included and not without.vat_included
    # the projected 220 kWh -/+ 20 %, the consumed 90 kWh and the fee fixed
    assert (without.low, without.high) == (Decimal("30.60"), Decimal("39.40"))
    assert with_vat.low < with_vat.total < with_vat.high


# --------------------------------------------------------------------------------------
# The replay of 2025 on the demo data (README "The next invoice estimate holds")
# --------------------------------------------------------------------------------------

#: The band: (share of days, within this fraction of the actual total); see the README for
#: why the cottage's is 30 % and not the 20 % first promised.
BAND = {"apartment": (0.8, 0.2), "cottage": (0.8, 0.3)}


@pytest.mark.parametrize("place", ["apartment", "cottage"])
async def test_the_estimate_holds_on_every_day_of_2025(runtime, maija, place) -> None:
    async with runtime.read_connections() as db:
        replay = await replay_estimates(
            db,
            maija[place],
            customer_id=maija["customer_id"],
            cutover=runtime.rules.cutover_date,
            first=date(2025, 1, 1),
            last=date(2025, 12, 31),
            vat_included=True,
        )
    assert len(replay) == 365
    share, within = BAND[place]
    assert sum(abs(d.error) <= within for d in replay) >= share * len(replay)
    assert sum(d.inside for d in replay) >= 0.8 * len(replay)
    assert all(d.estimate.low <= d.estimate.total <= d.estimate.high for d in replay)
    # it converges: on the periods' last days (one day projected) it errs less than on their
    # first days
    firsts = [abs(d.error) for d in replay if d.as_of.day == 1]
    lasts = [abs(d.error) for d in replay if (d.as_of + timedelta(days=1)).day == 1]
    assert len(firsts) == len(lasts) == 12 and sum(lasts) < sum(firsts) / 2


async def test_an_organisation_sees_costs_without_vat(runtime) -> None:
    async with runtime.sessions() as db:
        location = (
            await db.execute(
                select(LocationOfUse)
                .join(Customer, Customer.id == LocationOfUse.customer_id)
                .where(Customer.kind == CustomerKind.ORGANIZATION)
                .order_by(LocationOfUse.id)
                .limit(1)
            )
        ).scalar_one()
    assert reporting.vat_included_for(CustomerKind.ORGANIZATION) is False
    assert reporting.vat_included_for(CustomerKind.PERSON) is True
    last = today_helsinki() - timedelta(days=1)
    first = last.replace(day=1) - timedelta(days=40)
    found = {}
    for vat in (True, False):
        found[vat] = await reporting.consumption_series(
            runtime.read_connections,
            location,
            first,
            last,
            Resolution.DAY,
            customer_id=location.customer_id,
            cutover=runtime.rules.cutover_date,
            today=today_helsinki(),
            vat_included=vat,
        )
    incl, excl = found[True], found[False]
    assert incl.vat_included and not excl.vat_included
    priced = [(a, b) for a, b in zip(incl.points, excl.points, strict=True) if a.cost is not None]
    assert len(priced) > 30
    for a, b in priced:
        # VAT 25.5 %: the same exact units, rounded once either way
        assert abs(a.cost - b.cost * Decimal("1.255")) <= Decimal("0.00001")
        assert abs(a.unit_price - b.unit_price * Decimal("1.255")) <= Decimal("0.0012")
    assert incl.total_cost is not None and excl.total_cost is not None
    assert abs(incl.total_cost - excl.total_cost * Decimal("1.255")) <= Decimal("0.02")
