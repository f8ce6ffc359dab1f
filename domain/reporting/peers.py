"""Similar locations: where a location's consumption falls among its peers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import bindparam, func, select

from domain.customers import LocationOfUse
from domain.reporting.local_time import hours_between
from domain.reporting.results import PeerComparison
from domain.reporting.sql import DAYS_IN_RANGE, Db
from domain.reporting.tables import DailyConsumption

_D = DailyConsumption.__table__  # type: ignore[attr-defined]
_L = LocationOfUse.__table__  # type: ignore[attr-defined]

#: Fewer similar locations than this give no comparison (privacy).
MIN_PEERS = 20
#: A peer counts when its readings cover at least this share of the period's time.
PEER_COVERAGE = 0.95


_PEER_TOTALS = (
    select(_D.c.location_of_use_id, func.sum(_D.c.wh), func.sum(_D.c.metered_minutes))
    .join(_L, _L.c.id == _D.c.location_of_use_id)
    .where(
        _L.c.building_type == bindparam("building_type"),
        _L.c.heating_type == bindparam("heating_type"),
        _L.c.floor_area_band == bindparam("floor_area_band"),
        *DAYS_IN_RANGE,
    )
    .group_by(_D.c.location_of_use_id)
)


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default ``linear`` method)."""
    position = (len(sorted_values) - 1) * q
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


async def similar_locations(
    db: Db, location: LocationOfUse, first: date, last: date, *, today: date
) -> PeerComparison | None:
    """This location among locations of the same building type, heating and floor-area band.

    Totals per location for the period's days before today come from one grouped query
    on ``daily_consumption``. A peer counts when its readings cover at least 95 % of that
    time; fewer than 20 peers (or no floor-area band) give None. Median and quartiles
    interpolate linearly; the percentile rank counts the peers that used less, ties half.
    """
    last = min(last, today - timedelta(days=1))
    if location.floor_area_band is None or last < first:
        return None
    period_minutes = 60 * hours_between(first, last)
    parameters = {
        "building_type": location.building_type,
        "heating_type": location.heating_type,
        "floor_area_band": location.floor_area_band,
        "first": first,
        "last": last,
    }
    rows = (await db.execute(_PEER_TOTALS, parameters)).all()
    own = None
    peers: list[int] = []
    for location_id, wh, minutes in rows:
        if location_id == location.id:
            own = int(wh)
        elif int(minutes) >= PEER_COVERAGE * period_minutes:
            peers.append(int(wh))
    if own is None or len(peers) < MIN_PEERS:
        return None
    values = sorted(wh / 1000 for wh in peers)
    below = sum(1 for wh in peers if wh < own)
    equal = sum(1 for wh in peers if wh == own)
    upper = _FLOOR_AREA_UPPER.get(location.floor_area_band)
    area = f"{location.floor_area_band}-{upper}" if upper else f"{location.floor_area_band}+"
    return PeerComparison(
        criteria=(
            f"buildingType: {location.building_type.value}",
            f"heatingType: {location.heating_type.value}",
            f"floorAreaM2: {area}",
        ),
        sample_size=len(peers),
        median_kwh=round(_quantile(values, 0.5), 3),
        p25_kwh=round(_quantile(values, 0.25), 3),
        p75_kwh=round(_quantile(values, 0.75), 3),
        percentile_rank=round(100 * (below + equal / 2) / len(peers), 1),
    )


def _floor_area_uppers() -> dict[int, int]:
    from domain.customers import FLOOR_AREA_BANDS

    return {low: high - 1 for low, high in itertools.pairwise(FLOOR_AREA_BANDS)}


_FLOOR_AREA_UPPER = _floor_area_uppers()
