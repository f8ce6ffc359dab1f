"""The next invoice estimate of a location's contract."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select

from domain.billing import compute_invoice
from domain.contracts import ProductKind
from domain.customers import LocationOfUse
from domain.reporting.local_time import each_day, local_midnight_ts
from domain.reporting.results import InvoiceEstimate
from domain.reporting.sql import Db
from domain.reporting.tables import DailyConsumption
from domain.reporting.tariffs import ContractPrices, load_tariffs

_D = DailyConsumption.__table__  # type: ignore[attr-defined]
#: A rollup day: (Wh, Wh of day-time energy, spot units).
_Day = tuple[int, int, int]
#: The recent days averaged when the period has no basis of its own.
_RECENT_DAYS = 28


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _one_year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _billing_period(contract: ContractPrices, interval_months: int, today: date) -> tuple[date, date]:
    """The billing period of ``contract`` containing ``today``: calendar months from its start."""
    start = contract.valid_from.replace(day=1)
    months = (today.year - start.year) * 12 + today.month - start.month
    period_start = _add_months(start, months - months % interval_months)
    period_end = _add_months(period_start, interval_months) - timedelta(days=1)
    period_start = max(period_start, contract.valid_from)
    if contract.valid_until is not None:
        period_end = min(period_end, contract.valid_until)
    return period_start, period_end


def spread(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split over ``weights`` in whole units (largest remainders), summing exactly."""
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights = [1] * len(weights)
        weight_sum = len(weights)
    shares = [total * w // weight_sum for w in weights]
    rest = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % weight_sum))
    for i in order[:rest]:
        shares[i] += 1
    return shares


async def next_invoice_estimate(
    db: Db,
    location: LocationOfUse,
    *,
    customer_id: int,
    cutover: date,
    today: date,
    language: str = "FI",
) -> InvoiceEstimate | None:
    """An estimate of the invoice of the current billing period of the location's contract.

    The period is the billing period (``billing_interval_months`` calendar months from the
    contract's first month, clipped to its validity) that contains today. Consumption so
    far is the readings of the period up to yesterday. The remaining days (today to the
    period's end) are projected, in this order of preference:

    1. ``LAST_YEAR_SCALED``: the same days one year earlier, scaled by this period's
       consumption so far against the same days one year earlier;
    2. ``DAILY_AVERAGE``: the average day so far in this period;
    3. ``LAST_YEAR``: the same days one year earlier, unscaled (first day of a period);
    4. ``RECENT_AVERAGE``: the average day of the last 28 days with readings;
    5. ``NONE``: no basis, nothing projected.

    The projection is spread over the remaining days like the basis days (evenly for the
    averages), split into day and night energy by the shares so far (last year's, or the
    last 28 days') for time-of-use, and spot energy is priced at the consumption-weighted
    mean spot price so far (else of the last 28 days). The lines come from
    ``domain.billing.compute_invoice`` with the contract's prices, basic fee and VAT, fed
    with one day energy and one night energy (or one spot) pseudo reading per day: the
    same pricing as invoicing, and the lines sum to the total. None without a contract in
    force today, before the cutover, or when the prices cannot price the period.
    """
    assert location.id is not None
    book = await load_tariffs(db, location.id, customer_id, cutover)
    contract = book.contract_on(today)
    if contract is None or today < cutover:
        return None
    period_start, period_end = _billing_period(contract, max(1, contract.billing_interval_months), today)
    yesterday = today - timedelta(days=1)
    recent_first = yesterday - timedelta(days=_RECENT_DAYS - 1)
    daily = await _daily_totals(db, location.id, period_start, period_end, recent_first, yesterday)
    elapsed_last = min(yesterday, period_end)
    remaining_first = max(today, period_start)
    elapsed = list(each_day(period_start, elapsed_last)) if elapsed_last >= period_start else []
    remaining = list(each_day(remaining_first, period_end)) if remaining_first <= period_end else []
    so_far = [daily[d] for d in elapsed if d in daily]
    recent = [v for d, v in daily.items() if recent_first <= d <= yesterday]
    projection = _project(daily, elapsed, remaining, so_far, recent)
    pseudo = _pseudo_readings(contract, daily, elapsed, remaining, projection, so_far or recent)
    if pseudo is None:
        return None
    readings, spot_prices = pseudo
    try:
        invoice = compute_invoice(
            product_kind=contract.kind,
            components=contract.components,
            period_start=period_start,
            period_end=period_end,
            readings=readings,
            spot_prices=spot_prices,
            language=language,
        )
    except ValueError:
        return None
    return InvoiceEstimate(
        period_start=period_start,
        period_end=period_end,
        consumed_wh=projection.consumed_wh,
        projected_wh=projection.consumed_wh + projection.rest_wh,
        method=projection.method,
        lines=invoice.lines,
        total=invoice.total,
    )


async def _daily_totals(
    db: Db, location_id: int, period_start: date, period_end: date, recent_first: date, yesterday: date
) -> dict[date, _Day]:
    """The location's rollup days of the period so far and of the last ``_RECENT_DAYS`` days,
    and the same period one year earlier."""
    ly_first, ly_last = _one_year_back(period_start), _one_year_back(period_end)
    rows = (
        await db.execute(
            select(_D.c.local_date, _D.c.wh, _D.c.wh_day, _D.c.spot_units, _D.c.readings).where(
                _D.c.location_of_use_id == location_id,
                or_(
                    and_(_D.c.local_date >= ly_first, _D.c.local_date <= ly_last),
                    and_(_D.c.local_date >= min(period_start, recent_first), _D.c.local_date <= yesterday),
                ),
            )
        )
    ).all()
    daily: dict[date, _Day] = {}
    for day_value, wh, wh_day, spot_units, _readings in rows:
        day = day_value if isinstance(day_value, date) else date.fromisoformat(str(day_value))
        daily[day] = (int(wh), int(wh_day), int(spot_units))
    return daily


@dataclass(frozen=True)
class _Projection:
    """The consumption so far and what the remaining days are expected to add."""

    #: ``LAST_YEAR_SCALED``, ``DAILY_AVERAGE``, ``LAST_YEAR``, ``RECENT_AVERAGE`` or ``NONE``.
    method: str
    consumed_wh: int
    #: The remaining days' consumption, spread over them by ``weights``.
    rest_wh: int
    weights: list[int]
    #: The basis days of the day/night share.
    shape: list[_Day]


def _project(
    daily: dict[date, _Day],
    elapsed: list[date],
    remaining: list[date],
    so_far: list[_Day],
    recent: list[_Day],
) -> _Projection:
    """The remaining days' consumption by the first basis that applies (see
    ``next_invoice_estimate``)."""
    consumed = sum(v[0] for v in so_far)

    def back(days: Iterable[date]) -> list[_Day | None]:
        return [daily.get(_one_year_back(d)) for d in days]

    ly_elapsed = [v for v in back(elapsed) if v is not None]
    ly_remaining = back(remaining)
    ly_remaining_known = [v for v in ly_remaining if v is not None]
    ly_elapsed_wh = sum(v[0] for v in ly_elapsed)

    method = "NONE"
    weights: list[int] = [1] * len(remaining)
    projected_rest = 0
    shape: list[_Day] = []  # basis days for the day/night share
    if remaining:
        if consumed and ly_elapsed_wh and ly_remaining_known:
            method = "LAST_YEAR_SCALED"
            ly_rest = sum(v[0] for v in ly_remaining_known)
            projected_rest = ly_rest * consumed // ly_elapsed_wh
            weights = [v[0] if v is not None else 0 for v in ly_remaining]
            shape = ly_remaining_known
        elif so_far:
            method = "DAILY_AVERAGE"
            projected_rest = consumed * len(remaining) // len(elapsed)
            shape = so_far
        elif ly_remaining_known:
            method = "LAST_YEAR"
            projected_rest = sum(v[0] for v in ly_remaining_known)
            weights = [v[0] if v is not None else 0 for v in ly_remaining]
            shape = ly_remaining_known
        elif recent:
            method = "RECENT_AVERAGE"
            projected_rest = sum(v[0] for v in recent) * len(remaining) // len(recent)
            shape = recent
    if not shape:
        shape = so_far or recent
    return _Projection(method, consumed, projected_rest, weights, shape)


def _pseudo_readings(
    contract: ContractPrices,
    daily: dict[date, _Day],
    elapsed: list[date],
    remaining: list[date],
    projection: _Projection,
    price_days: list[_Day],
) -> tuple[list[tuple[int, int]], dict[int, Decimal]] | None:
    """One day energy and one night energy (or one spot) pseudo reading per day of the
    contract in the period, and the spot price of each; None when spot energy has no price.

    Spot energy without a price of its own day is priced at the consumption-weighted mean
    spot price of ``price_days`` (the days so far, else the recent ones).
    """
    shape_wh = sum(v[0] for v in projection.shape)
    day_share = (sum(v[1] for v in projection.shape), shape_wh) if shape_wh else (1, 2)
    price_basis = [v for v in price_days if v[0]]
    spot_wh = sum(v[0] for v in price_basis)
    spot_units = sum(v[2] for v in price_basis)

    readings: list[tuple[int, int]] = []
    spot_prices: dict[int, Decimal] = {}

    def add_day(day: date, wh: int, wh_day: int, price: Decimal | None) -> None:
        noon = local_midnight_ts(day) + 12 * 3600
        midnight = local_midnight_ts(day)
        if contract.kind is ProductKind.TIME_OF_USE:
            readings.append((noon, wh_day))
            readings.append((midnight, wh - wh_day))
        else:
            readings.append((noon, wh))
        if contract.kind is ProductKind.SPOT:
            spot_prices[noon] = price if price is not None else Decimal(0)

    mean_price = None
    if spot_wh:
        mean_price = Decimal(spot_units) / (4 * 100 * spot_wh)  # EUR/MWh
    for day in elapsed:
        if day < contract.valid_from:
            continue
        wh, wh_day, units = daily.get(day, (0, 0, 0))
        price = Decimal(units) / (4 * 100 * wh) if wh else mean_price
        add_day(day, wh, wh_day, price)
    for day, wh in zip(remaining, spread(projection.rest_wh, projection.weights), strict=True):
        wh_day = wh * day_share[0] // day_share[1]
        add_day(day, wh, wh_day, mean_price)
    if contract.kind is ProductKind.SPOT and mean_price is None and any(wh for _, wh in readings):
        return None
    return readings, spot_prices
