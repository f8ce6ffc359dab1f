"""Numbers and dates as each language writes them on documents.

Finnish and Swedish: ``1 234,56`` and ``4.12.2026``. English: ``1,234.56`` and the ISO
date ``2026-12-04`` (unambiguous for readers used to either day-month or month-day order;
a month name would be a text of its own in every language).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.base import Language


def _separators(language: Language) -> tuple[str, str]:
    """(thousands, decimal) separators of ``language``."""
    return (",", ".") if language is Language.EN else (" ", ",")


def number(value: Decimal | int | None, places: int, language: Language) -> str:
    """``value`` rounded half up to ``places`` decimals, digits grouped by thousands."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):.{places}f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    thousands, decimal = _separators(language)
    text = thousands.join(groups)
    return f"{sign}{text}{decimal}{fraction}" if places else f"{sign}{text}"


def money(amount: Decimal | None, language: Language) -> str:
    """Euros with cents: ``1 234,56`` / ``1,234.56``; empty for ``None``."""
    return number(amount, 2, language)


def rate(value: Decimal, language: Language) -> str:
    """A percentage or price with the decimals it has (at least one): ``25,5``, ``24,0``."""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    places = max(1, -exponent) if isinstance(exponent, int) else 1
    return number(value, places, language)


def day(value: date | None, language: Language) -> str:
    """``4.12.2026`` (Finnish, Swedish) or ``2026-12-04`` (English); empty for ``None``."""
    if value is None:
        return ""
    if language is Language.EN:
        return value.isoformat()
    return f"{value.day}.{value.month}.{value.year}"
