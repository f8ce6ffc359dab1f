"""Range limits of a series: dates 2000-2099 and the longest range per resolution."""

from __future__ import annotations

from datetime import date

from domain.base import Resolution
from domain.reporting.results import ReportingInputError

#: Longest range per resolution, in days.
MAX_DAYS: dict[Resolution, int] = {
    Resolution.QUARTER_HOUR: 400,
    Resolution.HOUR: 400,
    Resolution.DAY: 3_660,
    Resolution.WEEK: 3_660,
    Resolution.MONTH: 36_525,
    Resolution.YEAR: 36_525,
}
_LIMIT_TEXT: dict[Resolution, str] = {
    Resolution.QUARTER_HOUR: "400 days",
    Resolution.HOUR: "400 days",
    Resolution.DAY: "3,660 days (about ten years)",
    Resolution.WEEK: "3,660 days (about ten years)",
    Resolution.MONTH: "36,525 days (a hundred years)",
    Resolution.YEAR: "36,525 days (a hundred years)",
}
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def validate_range(first: date, last: date, resolution: Resolution) -> None:
    """Refuse a range the rules do not allow (``ReportingInputError``)."""
    if last < first:
        raise ReportingInputError(f"`to` ({last.isoformat()}) is before `from` ({first.isoformat()}).")
    if first < EARLIEST_DATE or last > LATEST_DATE:
        raise ReportingInputError("Dates must be between 2000-01-01 and 2099-12-31.")
    days = (last - first).days + 1
    if days > MAX_DAYS[resolution]:
        raise ReportingInputError(
            f"A {resolution.value} series covers at most {_LIMIT_TEXT[resolution]}; "
            f"this range has {days} days. Ask for a shorter range or a coarser resolution."
        )
