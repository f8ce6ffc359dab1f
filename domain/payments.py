"""Payment identifiers and money arithmetic of Finnish invoices: pure functions, no I/O.

* Finnish national reference numbers (viitenumero, 7-3-1 check digit), as in
  Finance Finland's "Kotimaisen viitteen rakenneohje".
* ISO 11649 RF creditor references built from a national reference.
* The 54-digit virtual bank barcode (virtuaaliviivakoodi) of Finance Finland's
  "Pankkiviivakoodi-opas" / "Bank Bar Code Guide", version 5.3: symbol version 4
  (national reference) and symbol version 5 (RF reference), and its inverse.
* The VAT rate of electricity sold in mainland Finland on a given day.
* Half-up rounding to the cent.

Only the standard library and ``stdnum`` are used.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from stdnum import iban as stdnum_iban
from stdnum import iso11649

__all__ = [
    "VAT_PERIODS",
    "VatPeriod",
    "add_vat",
    "format_reference",
    "is_valid_national_reference",
    "is_valid_rf_reference",
    "national_reference",
    "parse_virtual_barcode",
    "rf_reference",
    "round_cents",
    "vat_of",
    "vat_periods_between",
    "vat_rate_on",
    "virtual_barcode",
]

_DIGITS = frozenset("0123456789")
_WEIGHTS = (7, 3, 1)
CENT = Decimal("0.01")
#: The largest amount the barcode's euro (6 digits) and cent (2 digits) fields hold.
MAX_BARCODE_AMOUNT = Decimal("999999.99")


def _is_digits(text: str) -> bool:
    """True when ``text`` is non-empty and made only of ASCII digits 0-9."""
    return bool(text) and all(ch in _DIGITS for ch in text)


def _to_decimal(x: Decimal | int, name: str) -> Decimal:
    """``x`` as a ``Decimal``; floats (inexact) and bools are refused with TypeError."""
    if isinstance(x, bool) or not isinstance(x, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, got {type(x).__name__}")
    return Decimal(x)


def _compact(text: str) -> str:
    """``text`` without any whitespace, in upper case."""
    return "".join(text.split()).upper()


# --------------------------------------------------------------------------------------
# National reference number (viitenumero)
# --------------------------------------------------------------------------------------


def _check_digit_731(base: str) -> int:
    """The 7-3-1 check digit of a string of digits.

    The digits are multiplied from right to left by the weights 7, 3, 1, 7, 3, 1, ...;
    the check digit is what takes the sum up to the next multiple of ten.
    """
    total = sum(int(digit) * _WEIGHTS[i % 3] for i, digit in enumerate(reversed(base)))
    return (10 - total % 10) % 10


def national_reference(base: str) -> str:
    """The Finnish national reference number (viitenumero) of ``base``.

    ``base`` (e.g. a customer or invoice number) must be 3-19 ASCII digits and must
    not start with ``0``: banks drop leading zeros of a reference, so a base with
    them would print as a different, possibly too short, reference. The 7-3-1 check
    digit is appended; the result is 4-20 digits, without spaces.

    >>> national_reference("123456")
    '1234561'
    """
    if not isinstance(base, str) or not _is_digits(base) or not 3 <= len(base) <= 19:
        raise ValueError(f"reference base must be 3-19 digits, got {base!r}")
    if base[0] == "0":
        raise ValueError(f"reference base must not start with 0, got {base!r}")
    return base + str(_check_digit_731(base))


def is_valid_national_reference(ref: str) -> bool:
    """Whether ``ref`` is a valid Finnish national reference number.

    Spaces are ignored (the printed form ``'12 34561'`` is accepted). The reference
    must be 4-20 digits whose last digit is the 7-3-1 check digit of the others.
    Leading zeros (the machine-readable, zero-padded form) are allowed but do not
    count towards the minimum: at least 4 significant digits are required.
    """
    if not isinstance(ref, str):
        return False
    digits = _compact(ref)
    if not _is_digits(digits) or not 4 <= len(digits) <= 20:
        return False
    if len(digits.lstrip("0")) < 4:
        return False
    return _check_digit_731(digits[:-1]) == int(digits[-1])


def _clean_national(ref: str) -> str:
    """A valid national reference in compact form without leading zeros."""
    if not is_valid_national_reference(ref):
        raise ValueError(f"not a valid Finnish reference number: {ref!r}")
    return _compact(ref).lstrip("0")


# --------------------------------------------------------------------------------------
# RF creditor reference (ISO 11649)
# --------------------------------------------------------------------------------------


def _rf_check_digits(reference: str) -> str:
    """ISO 7064 mod 97-10 check digits of an RF reference whose part is ``reference``.

    ``'RF00'`` is moved to the end, letters become numbers (A=10 ... Z=35, so R=27
    and F=15) and the check digits are ``98 - n % 97``, zero-padded to two digits.
    """
    rearranged = reference.upper() + "RF00"
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{98 - int(number) % 97:02d}"


def rf_reference(national: str) -> str:
    """The ISO 11649 RF creditor reference built from a Finnish national reference.

    ``national`` must be a valid national reference (spaces and leading zeros are
    allowed and dropped). Returns the compact form ``'RF' + check digits + ref``,
    e.g. ``'RF09868516259619897'`` for ``'86851 62596 19897'``.
    """
    reference = _clean_national(national)
    result = f"RF{_rf_check_digits(reference)}{reference}"
    if not iso11649.is_valid(result):  # pragma: no cover - defensive, cannot happen
        raise ValueError(f"computed an invalid RF reference: {result!r}")
    return result


def is_valid_rf_reference(ref: str) -> bool:
    """Whether ``ref`` is a valid ISO 11649 RF creditor reference (spaces allowed)."""
    return isinstance(ref, str) and bool(iso11649.is_valid(ref))


def _is_rf(ref: str) -> bool:
    return _compact(ref).startswith("RF")


def format_reference(ref: str) -> str:
    """The printed form of a national or RF reference.

    * National: leading zeros dropped, groups of five digits from the right separated
      by a space (``'1234561'`` -> ``'12 34561'``).
    * RF: groups of four characters from the left (``'RF09868516259619897'`` ->
      ``'RF09 8685 1625 9619 897'``).

    Raises ``ValueError`` when ``ref`` is neither a valid national nor RF reference.
    """
    if not isinstance(ref, str):
        raise TypeError(f"not a reference: {ref!r}")
    if _is_rf(ref):
        if not is_valid_rf_reference(ref):
            raise ValueError(f"not a valid RF creditor reference: {ref!r}")
        compact = _compact(ref)
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    digits = _clean_national(ref)
    head = len(digits) % 5
    groups = [digits[:head]] if head else []
    groups += [digits[i : i + 5] for i in range(head, len(digits), 5)]
    return " ".join(groups)


# --------------------------------------------------------------------------------------
# Virtual bank barcode (virtuaaliviivakoodi)
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _finnish_iban(iban: str) -> str:
    """The compact form of a valid Finnish (``FI``) IBAN, else ``ValueError``.

    ``stdnum``'s ``ValidationError`` subclasses ``ValueError``. Remembered: every invoice
    carries the retailer's same account, and validating it (country tables, checksum) cost
    ~0.2 ms a page of 12 invoices.
    """
    if not isinstance(iban, str):
        raise TypeError(f"IBAN must be a string, got {iban!r}")
    compact = stdnum_iban.validate(iban)
    if not compact.startswith("FI") or len(compact) != 18:
        raise ValueError(f"the bank barcode needs a Finnish (FI) IBAN, got {iban!r}")
    return compact


def _amount_field(amount: Decimal | int) -> str:
    """Euros (6 digits) and cents (2 digits) of ``amount``.

    All zeros when the amount does not fit (over 999 999.99) or is negative; the
    payer then types the amount in.
    """
    value = _to_decimal(amount, "amount")
    if not value.is_finite():
        raise ValueError(f"amount must be a finite number, got {amount!r}")
    if value != value.quantize(CENT):
        raise ValueError(f"amount must have at most 2 decimals, got {amount!r}")
    if value < 0 or value > MAX_BARCODE_AMOUNT:
        return "0" * 8
    cents = int(value * 100)
    return f"{cents // 100:06d}{cents % 100:02d}"


def _due_field(due_on: date | None) -> str:
    """The due date as YYMMDD, or ``'000000'`` when there is none."""
    if due_on is None:
        return "000000"
    if not isinstance(due_on, date):
        raise TypeError(f"due date must be a date, got {type(due_on).__name__}")
    if not 2000 <= due_on.year <= 2099:
        raise ValueError(f"due date must be in 2000-2099, got {due_on.isoformat()}")
    return due_on.strftime("%y%m%d")


def virtual_barcode(iban: str, amount: Decimal, reference: str, due_on: date | None) -> str:
    """The 54-digit Finnish virtual bank barcode (virtuaaliviivakoodi).

    Symbol version 4 is used when ``reference`` is a national reference, version 5
    when it is an RF creditor reference (``'RF...'``). Layout (Bank Bar Code Guide):

    ======== ===== =========================================================
    position width content
    ======== ===== =========================================================
    1        1     version, ``4`` or ``5``
    2-17     16    the IBAN's digits after ``FI`` (check digits + BBAN)
    18-23    6     euros, zero-padded
    24-25    2     cents
    26-28    3     v4: reserve ``000``; v5 (26-27): the RF check digits
    29-48    20    v4: the national reference, right-aligned, zero-padded
    28-48    21    v5: the RF reference after ``RFxx``, right-aligned, zero-padded
    49-54    6     due date YYMMDD, ``000000`` when there is none
    ======== ===== =========================================================

    The amount must be a ``Decimal`` (or ``int``) with at most 2 decimals; when it is
    negative or over 999 999.99 the euro and cent fields are zeros. The IBAN must be
    a valid Finnish IBAN; the reference must be valid (check digits) and, for RF,
    numeric, since the barcode only carries digits. ``ValueError`` otherwise.
    """
    account = _finnish_iban(iban)[2:]
    money = _amount_field(amount)
    due = _due_field(due_on)
    if not isinstance(reference, str):
        raise TypeError(f"reference must be a string, got {reference!r}")
    if _is_rf(reference):
        if not is_valid_rf_reference(reference):
            raise ValueError(f"not a valid RF creditor reference: {reference!r}")
        rf = _compact(reference)
        check, body = rf[2:4], rf[4:].lstrip("0")
        if not _is_digits(body) or len(body) > 21:
            raise ValueError(
                f"the barcode needs a numeric RF reference part of 1-21 digits, got {reference!r}"
            )
        code = f"5{account}{money}{check}{body:0>21}{due}"
    else:
        national = _clean_national(reference)
        code = f"4{account}{money}000{national:0>20}{due}"
    if len(code) != 54:  # pragma: no cover - defensive, fields are fixed-width
        raise AssertionError(f"barcode has {len(code)} digits, expected 54")
    return code


def parse_virtual_barcode(code: str) -> dict[str, Any]:
    """Decode a 54-digit virtual bank barcode of version 4 or 5.

    Returns a dict with:

    * ``version``: 4 or 5;
    * ``iban``: the compact Finnish IBAN (``'FI' + 16 digits``), its check digits
      verified;
    * ``amount``: ``Decimal`` with two decimals (``Decimal('0.00')`` when the code
      leaves the amount to the payer);
    * ``reference``: national reference digits without leading zeros (v4) or the
      compact RF reference (v5);
    * ``due_on``: ``date`` (years taken as 20YY) or ``None`` for ``000000``.

    Raises ``ValueError`` on any malformed or invalid field.
    """
    if not isinstance(code, str):
        raise TypeError(f"barcode must be a string, got {code!r}")
    code = code.strip()
    if len(code) != 54 or not _is_digits(code):
        raise ValueError(f"barcode must be 54 digits, got {code!r}")
    version = int(code[0])
    if version not in (4, 5):
        raise ValueError(f"unsupported barcode version {version}, expected 4 or 5")

    iban = _finnish_iban("FI" + code[1:17])
    amount = Decimal(f"{int(code[17:23])}.{code[23:25]}")

    if version == 4:
        if code[25:28] != "000":
            raise ValueError(f"reserve field of a version 4 barcode must be 000: {code}")
        reference = code[28:48].lstrip("0")
        if not is_valid_national_reference(reference):
            raise ValueError(f"invalid national reference in barcode: {code}")
    else:
        reference = f"RF{code[25:27]}{code[27:48].lstrip('0')}"
        if not is_valid_rf_reference(reference):
            raise ValueError(f"invalid RF reference in barcode: {code}")

    due_field = code[48:54]
    if due_field == "000000":
        due_on = None
    else:
        try:
            due_on = date(2000 + int(due_field[:2]), int(due_field[2:4]), int(due_field[4:]))
        except ValueError as exc:
            raise ValueError(f"invalid due date {due_field!r} in barcode") from exc

    return {
        "version": version,
        "iban": iban,
        "amount": amount,
        "reference": reference,
        "due_on": due_on,
    }


# --------------------------------------------------------------------------------------
# VAT on electricity
# --------------------------------------------------------------------------------------


class VatPeriod(NamedTuple):
    """A span of days with one VAT rate; ``end`` is inclusive, ``None`` = open."""

    start: date
    end: date | None
    rate: Decimal


#: VAT rates (percent) on electricity in mainland Finland, oldest first. The general
#: 24 % rate is in force from 2013-01-01 (it was 23 % before); electricity had a
#: temporary 10 % rate from 2022-12-01 to 2023-04-30; the general rate is 25.5 % from
#: 2024-09-01. Days before the first period are not covered.
VAT_PERIODS: tuple[VatPeriod, ...] = (
    VatPeriod(date(2013, 1, 1), date(2022, 11, 30), Decimal(24)),
    VatPeriod(date(2022, 12, 1), date(2023, 4, 30), Decimal(10)),
    VatPeriod(date(2023, 5, 1), date(2024, 8, 31), Decimal(24)),
    VatPeriod(date(2024, 9, 1), None, Decimal("25.5")),
)


def vat_rate_on(day: date) -> Decimal:
    """The VAT rate (percent, e.g. ``Decimal('25.5')``) on electricity on ``day``.

    Raises ``ValueError`` for days before 2013-01-01, which ``VAT_PERIODS`` does not
    cover.
    """
    for period in VAT_PERIODS:
        if period.start <= day and (period.end is None or day <= period.end):
            return period.rate
    raise ValueError(f"no electricity VAT rate known for {day.isoformat()}")


def vat_periods_between(start: date, end: date) -> list[tuple[date, date, Decimal]]:
    """The pieces of ``start``..``end`` (both inclusive) that have one VAT rate each.

    Returns ``(piece start, piece end inclusive, rate)`` tuples in date order, e.g. a
    range from 2022-11-15 to 2022-12-15 gives two pieces (24 % then 10 %). Raises
    ``ValueError`` when ``end`` is before ``start`` or the range begins before the
    first known period.
    """
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    if start < VAT_PERIODS[0].start:
        raise ValueError(f"no electricity VAT rate known for {start.isoformat()}")
    pieces: list[tuple[date, date, Decimal]] = []
    for period in VAT_PERIODS:
        piece_start = max(start, period.start)
        piece_end = end if period.end is None else min(end, period.end)
        if piece_start <= piece_end:
            pieces.append((piece_start, piece_end, period.rate))
    return pieces


# --------------------------------------------------------------------------------------
# Rounding and VAT arithmetic
# --------------------------------------------------------------------------------------


def round_cents(x: Decimal) -> Decimal:
    """``x`` rounded to the cent, halves away from zero (``ROUND_HALF_UP``).

    ``Decimal('0.125')`` -> ``Decimal('0.13')``; ``Decimal('-0.125')`` ->
    ``Decimal('-0.13')``. Floats are refused (``TypeError``): they are inexact.
    """
    return _to_decimal(x, "x").quantize(CENT, rounding=ROUND_HALF_UP)


def vat_of(amount_excl: Decimal, rate: Decimal) -> Decimal:
    """The VAT on ``amount_excl`` at ``rate`` percent, rounded half-up to the cent."""
    amount = _to_decimal(amount_excl, "amount_excl")
    return round_cents(amount * _to_decimal(rate, "rate") / 100)


def add_vat(amount_excl: Decimal, rate: Decimal) -> Decimal:
    """``amount_excl`` plus VAT at ``rate`` percent, rounded half-up to the cent.

    The gross amount is rounded once; for an ``amount_excl`` already in whole cents it
    equals ``amount_excl + vat_of(amount_excl, rate)``.
    """
    amount = _to_decimal(amount_excl, "amount_excl")
    return round_cents(amount * (100 + _to_decimal(rate, "rate")) / 100)
