"""Replaying the next invoice estimate: what it said on each day of a range, against the
invoice of the period as it turned out (README "The next invoice estimate holds")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.customers import LocationOfUse
from domain.reporting.estimate import billing_period, daily_rows, estimate_period
from domain.reporting.results import InvoiceEstimate
from domain.reporting.sql import Db
from domain.reporting.tariffs import load_tariffs


@dataclass(frozen=True)
class ReplayDay:
    """The estimate made on ``as_of`` and the actual total of its period."""

    as_of: date
    estimate: InvoiceEstimate
    actual_total: Decimal
    actual_wh: int

    @property
    def error(self) -> float:
        """The estimate's relative error against the actual total (0.1 is 10 % over)."""
        return float(self.estimate.total / self.actual_total - 1) if self.actual_total else 0.0

    @property
    def inside(self) -> bool:
        """Whether the actual total lies between ``low`` and ``high``."""
        return self.estimate.low <= self.actual_total <= self.estimate.high


async def replay_estimates(
    db: Db,
    location: LocationOfUse,
    *,
    customer_id: int,
    cutover: date,
    first: date,
    last: date,
    vat_included: bool,
) -> list[ReplayDay]:
    """The estimate of every day ``first``..``last`` (as of that day: the readings and prices
    of the days before it) against its billing period's actual invoice, for the days with a
    contract in force after the cutover in a period with readings on every day (two
    statements: the tariffs and the rollup days)."""
    assert location.id is not None
    book = await load_tariffs(db, location.id, customer_id, cutover, vat_included=vat_included)
    daily = await daily_rows(
        db, location.id, first - timedelta(days=3 * 364 + 100), last + timedelta(days=400)
    )
    out: list[ReplayDay] = []
    actuals: dict[tuple[date, date], tuple[Decimal, int] | None] = {}
    day = first
    while day <= last:
        contract = book.contract_on(day)
        if contract is not None and day >= cutover:
            start, end = billing_period(contract, max(1, contract.billing_interval_months), day)
            key = (start, end)
            if key not in actuals and any(
                start + timedelta(days=k) not in daily for k in range((end - start).days + 1)
            ):
                actuals[key] = None  # the period is not wholly read: no actual to compare with
            if key not in actuals:
                done = estimate_period(
                    contract,
                    start,
                    end,
                    daily,
                    as_of=end + timedelta(days=1),
                    annual_kwh=location.annual_consumption_estimate_kwh,
                    vat_included=vat_included,
                )
                actuals[key] = None if done is None else (done.total, done.projected_wh)
            actual = actuals[key]
            estimate = estimate_period(
                contract,
                start,
                end,
                daily,
                as_of=day,
                annual_kwh=location.annual_consumption_estimate_kwh,
                vat_included=vat_included,
            )
            if actual is not None and estimate is not None:
                out.append(ReplayDay(day, estimate, actual[0], actual[1]))
        day += timedelta(days=1)
    return out
