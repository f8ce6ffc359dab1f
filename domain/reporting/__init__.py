"""Consumption reporting (SPEC 7): series from quarter-hour to year, cost, trend, similar
locations and the next invoice estimate. Plain Python over SQLAlchemy Core.

Series
    A series covers the local (Europe/Helsinki) days ``first``..``last``, both inclusive.
    Its points come from the calendar, not from the data: every quarter-hour, hour, day,
    ISO week, month or year of the range is a point (a day with the spring DST change has 23
    hourly points, one with the autumn change 25). ``WEEK``, ``MONTH`` and ``YEAR`` points
    cover the part of their week (Monday 00:00 to Monday 00:00 local time), month or year
    inside the range, start at the first instant of that part, and are ``partial`` when the
    range cuts them (``weeks``).
    Point starts carry the UTC offset in force (+02:00 or +03:00).

Aggregation
    Energy is summed in SQL in whole watt-hours, so the points of every resolution add up
    exactly to the same total. Two rollups, kept by ``refresh_daily_consumption`` when
    readings arrive (the demo data generator calls it; the migration that adds them fills
    them from the readings already stored), hold the sums by SQL ``GROUP BY``:
    ``daily_consumption`` per location and local day (energy, energy of 07-22, reading
    counts by quality, metered minutes, spot cost units) and ``hourly_consumption`` per
    hour (``ts - ts % 3600``: Finland's offsets are whole hours, so a UTC hour is a local
    hour) for the locations metered every 15 minutes. ``QUARTER_HOUR`` points, and ``HOUR``
    points of a location metered hourly, are its readings (one per point); ``HOUR`` points
    of a 15-minute location read ``hourly_consumption``; ``DAY`` points read
    ``daily_consumption``; ``WEEK``, ``MONTH`` and ``YEAR`` points group it in SQL on the
    week, or the year and month, of ``local_date`` (weeks since a Monday; ``EXTRACT``, and
    cutting the ISO date text on SQLite). The
    previous-period total and the peer comparison are sums over ``daily_consumption``. No
    reading is ever summed in Python.

Reading
    A series' statements (the 15-minute switch day; the tariffs, then the spot prices or
    the grouped rollup; the readings or rollup rows) run side by side, each on a
    connection of its own from the ``connect`` factory. Long columns come as texts of
    comma-separated integers parsed in C, and the points are built column by column (see
    the comments in ``sql`` and at ``interval_points.build_interval_points``).

Quality and completeness
    A point's readings are the metering intervals inside it: 4 per hour while the
    location is metered every 15 minutes, 1 per hour while it is metered hourly. Readings
    are expected only on days when a contract of the customer for the location is in force
    (``DayLookup.covered``); readings of other days are not the series' (in no point, total
    or cost). A point wholly outside the contracts is ``NO_CONTRACT`` (``kwh`` null). A
    point is ``MISSING`` when any of its expected readings is missing (its ``kwh`` is the sum
    of the readings that exist, ``null`` when there is none), else ``ESTIMATED`` when any is
    estimated, else ``MEASURED``. ``expectedReadings`` counts the metering intervals of the
    range's contract days before today (a day's readings arrive the next day);
    ``missingReadings`` is what of them is neither measured nor estimated.

Metering resolution
    A location metered hourly has no ``QUARTER_HOUR`` series (``BAD_USER_INPUT``). A
    location metered every 15 minutes is so from the day of its first 15-minute reading
    (hourly before that, e.g. Maija's apartment from 2025-10-01): a ``QUARTER_HOUR`` series
    must start on or after that day (``BAD_USER_INPUT`` naming the day); ``HOUR`` and
    coarser work over both periods.

Range limits
    ``last`` before ``first``, dates outside 2000-2099, or more days than
    ``MAX_DAYS[resolution]`` (400 at ``QUARTER_HOUR`` and ``HOUR``, 3,660 (about ten years)
    at ``DAY`` and ``WEEK``, 36,525 (a hundred years) at ``MONTH`` and ``YEAR``) raise
    ``ReportingInputError`` naming the limit.

Cost
    From the location's contracts of the customer in force on each day: ``FIXED_PRICE``
    energy price, ``TIME_OF_USE`` day price for local hours 07-22 and night price
    otherwise, ``SPOT`` the day-ahead price of the reading's market time unit plus the
    margin (an hourly reading in the 15-minute market era takes the mean of its four
    quarter-hour prices, a 15-minute reading in the hourly era the price of its hour:
    ``domain.billing.spot_price_for``), with the VAT rate of the day for a consumer and
    without VAT for an organisation (``vat_included_for``: one basis per customer, said by
    ``Series.vat_included``; the VAT factor of an organisation's tariffs is 1000, so costs
    stay exact integer units either way). Days before the
    cutover (the current customer system) or without a contract have no price: a point
    with readings on such a day has ``cost`` and ``unitPrice`` null, and so has the series'
    ``totalCost``. A point's ``cost`` is euros rounded half-up to 0.00001; ``unitPrice``
    is cents/kWh rounded half-up to 0.001: the single price in force
    for all of the point's readings, else (spot prices of several quarter-hours, day and
    night, a price change) the consumption-weighted mean, null when it used no energy.
    ``totalCost`` is the exact energy cost of the points plus the basic fees of the range's
    days up to yesterday (pro rata per calendar month on the same VAT basis, by
    ``compute_invoice``), rounded to the cent.

Trend, temperature, peers, estimate
    See ``comparison`` (``previous_period``, ``same_period_last_year``), ``weather``,
    ``similar_locations`` and ``next_invoice_estimate`` (its projection in ``projection``,
    its replay in ``replay``).

Modules
    ``tables`` (the rollup tables), ``results`` (what reporting gives, and the refusal),
    ``limits`` (range limits), ``local_time`` (Helsinki days, hours and DST), ``metering``
    (the 15-minute switch, readings due, a point's quality), ``tariffs`` (prices in force),
    ``costs`` (integer-unit cost and unit price), ``sql`` (shared SQL and integer-column
    fetches), ``rollup`` (rollup maintenance), ``grid`` (rows placed on points),
    ``interval_points`` (QUARTER_HOUR and HOUR points), ``calendar_points`` (DAY, WEEK, MONTH
    and YEAR points), ``weeks`` (ISO weeks, partial points), ``series``, ``trend`` (a period's
    rollup total), ``comparison`` (previous period and same period last year), ``weather``
    (daily temperatures, point means, heating degree days), ``peers``, ``projection`` (the
    estimate's energy), ``estimate``, ``replay`` (the estimate replayed day by day); ``memo``
    (a bounded memo).
    The package re-exports what the rest of the application uses.
"""

from domain.reporting.comparison import (
    last_year_range,
    period_cost,
    previous_period,
    previous_range,
    same_period_last_year,
)
from domain.reporting.estimate import next_invoice_estimate
from domain.reporting.limits import MAX_DAYS, validate_range
from domain.reporting.local_time import local_midnight_ts
from domain.reporting.metering import data_available_until, quarter_hour_metering_from
from domain.reporting.peers import similar_locations
from domain.reporting.projection import ProjectionMethod
from domain.reporting.results import (
    Completeness,
    InvoiceEstimate,
    PeerComparison,
    PeriodTotal,
    ReportingInputError,
    Series,
    SeriesPoint,
    SeriesPoints,
)
from domain.reporting.rollup import refresh_daily_consumption, refresh_daily_consumption_sync
from domain.reporting.series import consumption_series
from domain.reporting.tables import DailyConsumption, HourlyConsumption
from domain.reporting.tariffs import vat_included_for
from domain.reporting.weather import (
    DailyTemperature,
    fetch_temperatures,
    heating_degree_days,
    series_temperatures,
    upsert_daily_temperatures,
)

__all__ = [
    "MAX_DAYS",
    "Completeness",
    "DailyConsumption",
    "DailyTemperature",
    "HourlyConsumption",
    "InvoiceEstimate",
    "PeerComparison",
    "PeriodTotal",
    "ProjectionMethod",
    "ReportingInputError",
    "Series",
    "SeriesPoint",
    "SeriesPoints",
    "consumption_series",
    "data_available_until",
    "fetch_temperatures",
    "heating_degree_days",
    "last_year_range",
    "local_midnight_ts",
    "next_invoice_estimate",
    "period_cost",
    "previous_period",
    "previous_range",
    "quarter_hour_metering_from",
    "refresh_daily_consumption",
    "refresh_daily_consumption_sync",
    "same_period_last_year",
    "series_temperatures",
    "similar_locations",
    "upsert_daily_temperatures",
    "validate_range",
    "vat_included_for",
]
