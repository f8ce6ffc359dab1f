"""How much a billing period will use: the projection behind the next invoice estimate.

Pure: it sees a location's rollup days (only those before the as-of day count) and
answers the energy of the period's days still to come, with the method's name and the
relative uncertainty of that part. See ``project`` for the method and README "The next
invoice estimate holds" for how well it holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from domain.base import StrEnum

#: A rollup day: (Wh, Wh of day-time energy, spot units).
Day = tuple[int, int, int]

#: "The same days last year" are 52 weeks back, so that weekdays (and weekends at the
#: cottage) line up.
YEAR_BACK = timedelta(days=364)
#: The recent days whose level against last year scales last year's days.
RECENT_DAYS = 28
#: At least this many recent days with readings this year and last year for scaling (a
#: fortnight: two of each weekday).
MIN_DAYS = 14
#: The earlier years averaged: a single year's same weeks can be far from typical (a
#: week at the cottage, a cold spell), three years' mean much less so.
YEARS = 3
#: The scaling factor is damped (its square root): the recent weeks' level against
#: earlier years carries over to the rest of the period only in part (replay, see README).
DAMPING = 0.5
#: The scaling factor is kept within these bounds (a recent fortnight at ten times last
#: year's level says little about the rest of the period).
MIN_RATIO, MAX_RATIO = 0.5, 2.0


class ProjectionMethod(StrEnum):
    """How the days of the period without readings were projected (first that applies)."""

    #: The same days of up to three earlier years (52, 104 and 156 weeks back) averaged,
    #: scaled by the last 28 days' consumption against the same days in those years (at
    #: least 14 days with readings this year and then): the square root of that ratio,
    #: kept within 0.5..2.
    LAST_YEAR_SCALED = "LAST_YEAR_SCALED"
    #: The earlier years' same days averaged, unscaled (fewer than 14 comparable days).
    LAST_YEAR = "LAST_YEAR"
    #: No last year: the average day of the last 28 days (at least 14 days with readings).
    RECENT_AVERAGE = "RECENT_AVERAGE"
    #: No history: the location profile's annual consumption estimate, per day.
    ANNUAL_ESTIMATE = "ANNUAL_ESTIMATE"
    #: Fewer than 14 recent days and no annual estimate: their average day.
    SHORT_AVERAGE = "SHORT_AVERAGE"
    #: Nothing to go by (or nothing left to project): the remaining days count as zero.
    NONE = "NONE"


#: The least relative uncertainty of the projected energy, by method: ``low`` and ``high``
#: price the projection scaled by 1 - u and 1 + u (calibrated on the 2025 replay, README).
UNCERTAINTY: dict[ProjectionMethod, float] = {
    ProjectionMethod.LAST_YEAR_SCALED: 0.2,
    ProjectionMethod.LAST_YEAR: 0.25,
    ProjectionMethod.RECENT_AVERAGE: 0.3,
    ProjectionMethod.ANNUAL_ESTIMATE: 0.5,
    ProjectionMethod.SHORT_AVERAGE: 0.5,
    ProjectionMethod.NONE: 0.0,
}
#: With several earlier years, the uncertainty is at least this many times the spread of
#: their totals of the projected days (their standard deviation over their mean): how much
#: the same days have differed from year to year says how far this year may go.
SPREAD_FACTOR = 2.2
MAX_UNCERTAINTY = 0.9


@dataclass(frozen=True)
class Projection:
    """The period's readings so far and what its other days are expected to use."""

    method: ProjectionMethod
    #: Energy of the period's days with readings before the as-of day.
    consumed_wh: int
    #: The projected days (those of the period without readings before the as-of day).
    projected_days: list[date]
    #: The projected energy of each of ``projected_days``.
    projected_wh: list[int]
    #: Days of the location's own readings the projection's level was taken from.
    days_of_data: int
    #: Basis days of the day-time share of the projected energy.
    shape: list[Day]
    #: Relative uncertainty of the projected energy (``low``/``high`` scale it by 1 -/+ this).
    uncertainty: float = 0.0

    @property
    def rest_wh(self) -> int:
        return sum(self.projected_wh)


def _each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


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


def _spread(total: float, weights: Sequence[int]) -> list[int]:
    """``total`` Wh, rounded to whole Wh (at least 0), over ``weights``."""
    return spread(max(0, round(total)), weights)


def project(
    daily: Mapping[date, Day],
    period_start: date,
    period_end: date,
    as_of: date,
    annual_kwh: int | None,
) -> Projection:
    """The projection of ``period_start``..``period_end`` as known on ``as_of``.

    Only ``daily`` days before ``as_of`` are read (a replay sees what was known the day
    before). The period's days with readings are consumption so far; its other days
    (today and later, and any earlier day without readings yet) are projected by the
    first ``ProjectionMethod`` that applies.
    """
    known = {d: v for d, v in daily.items() if d < as_of and v[0] >= 0}
    days = _each_day(period_start, period_end)
    so_far = [known[d] for d in days if d in known]
    consumed = sum(v[0] for v in so_far)
    projected_days = [d for d in days if d not in known]
    recent_days = _each_day(as_of - timedelta(days=RECENT_DAYS), as_of - timedelta(days=1))
    recent = [known[d] for d in recent_days if d in known]
    if not projected_days:
        return Projection(ProjectionMethod.NONE, consumed, [], [], 0, so_far)

    basis, pairs = _earlier_years(known, projected_days, recent_days)
    if basis:
        # the mean of the earlier years' same days
        weights = [round(sum(v[0] for v in column) / len(column)) for column in zip(*basis, strict=True)]
        shape = [v for year in basis for v in year]
        compared = {d for d, _, _ in pairs}
        then_wh = sum(b for _, _, b in pairs)
        if len(compared) >= MIN_DAYS and then_wh > 0:
            ratio = min(MAX_RATIO, max(MIN_RATIO, sum(a for _, a, _ in pairs) / then_wh)) ** DAMPING
            method = ProjectionMethod.LAST_YEAR_SCALED
            return Projection(
                method,
                consumed,
                projected_days,
                _spread(sum(weights) * ratio, weights),
                len(compared),
                shape,
                _uncertainty(method, basis),
            )
        method = ProjectionMethod.LAST_YEAR
        return Projection(method, consumed, projected_days, weights, 0, shape, _uncertainty(method, basis))
    flat = [1] * len(projected_days)
    if len(recent) >= MIN_DAYS:
        total = sum(v[0] for v in recent) * len(projected_days) / len(recent)
        return Projection(
            ProjectionMethod.RECENT_AVERAGE,
            consumed,
            projected_days,
            _spread(total, flat),
            len(recent),
            recent,
            UNCERTAINTY[ProjectionMethod.RECENT_AVERAGE],
        )
    if annual_kwh:
        total = annual_kwh * 1000 * len(projected_days) / 365
        return Projection(
            ProjectionMethod.ANNUAL_ESTIMATE,
            consumed,
            projected_days,
            _spread(total, flat),
            0,
            so_far or recent,
            UNCERTAINTY[ProjectionMethod.ANNUAL_ESTIMATE],
        )
    if recent:
        total = sum(v[0] for v in recent) * len(projected_days) / len(recent)
        return Projection(
            ProjectionMethod.SHORT_AVERAGE,
            consumed,
            projected_days,
            _spread(total, flat),
            len(recent),
            recent,
            UNCERTAINTY[ProjectionMethod.SHORT_AVERAGE],
        )
    return Projection(ProjectionMethod.NONE, consumed, projected_days, [0] * len(projected_days), 0, [])


def _uncertainty(method: ProjectionMethod, basis: list[list[Day]]) -> float:
    """The method's least uncertainty, or ``SPREAD_FACTOR`` x the spread of the earlier
    years' totals when that is more (at most ``MAX_UNCERTAINTY``)."""
    least = UNCERTAINTY[method]
    totals = [sum(v[0] for v in year) for year in basis]
    if len(totals) < 2 or not sum(totals):
        return least
    mean = sum(totals) / len(totals)
    spread_ = math.sqrt(sum((t - mean) ** 2 for t in totals) / len(totals)) / mean
    return min(MAX_UNCERTAINTY, max(least, SPREAD_FACTOR * spread_))


def _earlier_years(
    known: Mapping[date, Day], projected_days: list[date], recent_days: list[date]
) -> tuple[list[list[Day]], list[tuple[date, int, int]]]:
    """The projected days in each of up to ``YEARS`` earlier years that has readings of some
    of them (a day without readings taken as that year's average day), and the pairs
    (recent day, its Wh, the Wh of the same day that year) for scaling."""
    basis: list[list[Day]] = []
    pairs: list[tuple[date, int, int]] = []
    for years in range(1, YEARS + 1):
        back = YEAR_BACK * years
        then = [known.get(d - back) for d in projected_days]
        found = [v for v in then if v is not None]
        if not found:
            continue
        count = len(found)
        average = (
            sum(v[0] for v in found) // count,
            sum(v[1] for v in found) // count,
            sum(v[2] for v in found) // count,
        )
        basis.append([v if v is not None else average for v in then])
        pairs.extend(
            (d, known[d][0], known[d - back][0]) for d in recent_days if d in known and d - back in known
        )
    return basis, pairs


def scaled(projection: Projection, factor: float) -> list[int]:
    """The projected days' energy times ``factor`` (whole Wh, the same shape)."""
    return _spread(projection.rest_wh * factor, projection.projected_wh)
