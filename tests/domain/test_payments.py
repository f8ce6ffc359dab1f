"""Unit tests of domain.payments: references, virtual bank barcode, VAT, rounding.

The barcode examples are the nine test invoices of Finance Finland's
"Pankkiviivakoodi-opas" / "Bank Bar Code Guide" version 5.3 (corrected 21 October
2019), each in symbol version 4 (national reference) and 5 (RF reference).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from stdnum import iso11649

from domain.payments import (
    VAT_PERIODS,
    add_vat,
    format_reference,
    is_valid_national_reference,
    is_valid_rf_reference,
    national_reference,
    parse_virtual_barcode,
    rf_reference,
    round_cents,
    vat_of,
    vat_periods_between,
    vat_rate_on,
    virtual_barcode,
)

# --------------------------------------------------------------------------------------
# National reference number
# --------------------------------------------------------------------------------------


def test_national_reference_check_digit_computed_by_hand() -> None:
    # Base 123456, digits from the right 6 5 4 3 2 1 weighted 7 3 1 7 3 1:
    # 42 + 15 + 4 + 21 + 6 + 1 = 89; next multiple of ten is 90 -> check digit 1.
    assert national_reference("123456") == "1234561"
    # Base 1234: 4*7 + 3*3 + 2*1 + 1*7 = 46 -> 50 - 46 = 4.
    assert national_reference("1234") == "12344"
    # Base 130: 0*7 + 3*3 + 1*1 = 10, already a multiple of ten -> check digit 0.
    assert national_reference("130") == "1300"
    # Finance Finland's RF guide example: national reference 2348236.
    assert national_reference("234823") == "2348236"


@pytest.mark.parametrize(
    "reference",
    [
        "868516259619897",
        "559582243294671",
        "69875672083435364",
        "7758474790647489",
        "78777679656628687",
        "868624",
        "92125374252539897737",
        "590738390",
        "1357914",
    ],
)
def test_national_reference_reproduces_guide_references(reference: str) -> None:
    assert national_reference(reference[:-1]) == reference
    assert is_valid_national_reference(reference)


def test_national_reference_length_limits() -> None:
    assert national_reference("100") == "1009"  # 3 digits: the minimum base
    longest = national_reference("1" * 19)
    assert len(longest) == 20
    assert is_valid_national_reference(longest)


@pytest.mark.parametrize(
    "base",
    ["", "12", "1" * 20, "12a4", "12 34", " 123", "-123", "１２３", "0123", "000"],
)
def test_national_reference_rejects_bad_base(base: str) -> None:
    with pytest.raises(ValueError):
        national_reference(base)


def test_national_reference_rejects_non_string() -> None:
    with pytest.raises(ValueError):
        national_reference(123456)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("1234561", True),
        ("12 34561", True),  # printed form with spaces
        ("86851 62596 19897", True),
        ("00000000000001234561", True),  # machine-readable, zero-padded to 20
        ("1300", True),
        ("1234560", False),  # wrong check digit
        ("1234562", False),
        ("123", False),  # too short
        ("000000000000001234561", False),  # 21 digits
        ("0000", False),  # no significant digits
        ("0130", False),  # only 3 significant digits
        ("12345A1", False),
        ("", False),
        ("RF341234561", False),
    ],
)
def test_is_valid_national_reference(ref: str, expected: bool) -> None:
    assert is_valid_national_reference(ref) is expected


def test_is_valid_national_reference_non_string() -> None:
    assert is_valid_national_reference(None) is False  # type: ignore[arg-type]
    assert is_valid_national_reference(1234561) is False  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# RF creditor reference
# --------------------------------------------------------------------------------------


def test_rf_reference_computed_by_hand() -> None:
    # 1234561 + "RF00" moved to the end with R=27, F=15: 1234561271500.
    # 1234561271500 mod 97 = 64 and 98 - 64 = 34.
    assert rf_reference("1234561") == "RF341234561"
    # Finance Finland's RF guide example: 2348236 -> RF33 2348 236.
    assert rf_reference("2348236") == "RF332348236"


@pytest.mark.parametrize(
    ("national", "rf"),
    [
        # The pairs of the Bank Bar Code Guide's test invoices (v4 vs v5).
        ("86851 62596 19897", "RF09868516259619897"),
        ("55958 22432 94671", "RF06559582243294671"),
        ("69875 67208 39", "RF61698756720839"),
        ("7 75847 47906 47489", "RF847758474790647489"),
        ("78 77767 96566 28687", "RF6078777679656628687"),
        ("8 68624", "RF10868624"),
        ("92125 37425 25398 97737", "RF7192125374252539897737"),
        ("5907 38390", "RF66590738390"),
        ("13 57914", "RF951357914"),
    ],
)
def test_rf_reference_matches_guide(national: str, rf: str) -> None:
    result = rf_reference(national)
    assert result == rf
    assert iso11649.is_valid(result)
    assert is_valid_rf_reference(result)


def test_rf_reference_drops_leading_zeros_of_padded_national() -> None:
    assert rf_reference("00000000000001234561") == "RF341234561"


@pytest.mark.parametrize("bad", ["1234560", "123", "12a4561", "", "RF341234561"])
def test_rf_reference_rejects_invalid_national(bad: str) -> None:
    with pytest.raises(ValueError):
        rf_reference(bad)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("RF09868516259619897", True),
        ("RF09 8685 1625 9619 897", True),
        ("rf09 8685 1625 9619 897", True),  # stdnum accepts lower case
        ("RF18 5390 0754 7034", True),  # the ISO 11649 standard's example
        ("RF18 5390 0754 7035", False),
        ("RF19 5390 0754 7034", False),
        ("RF47ABC123", True),  # alphanumeric references are valid RF
        ("1234561", False),
        ("", False),
    ],
)
def test_is_valid_rf_reference(ref: str, expected: bool) -> None:
    assert is_valid_rf_reference(ref) is expected


def test_is_valid_rf_reference_non_string() -> None:
    assert is_valid_rf_reference(None) is False  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Printed form
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "printed"),
    [
        ("1234561", "12 34561"),
        ("12 34561", "12 34561"),
        ("00000000000001234561", "12 34561"),  # leading zeros are not printed
        ("1300", "1300"),
        ("12344", "12344"),
        ("868516259619897", "86851 62596 19897"),
        ("69875672083435364", "69 87567 20834 35364"),
        ("7758474790647489", "7 75847 47906 47489"),
        ("868624", "8 68624"),
        ("92125374252539897737", "92125 37425 25398 97737"),
        ("RF09868516259619897", "RF09 8685 1625 9619 897"),
        ("rf09 8685 16259619897", "RF09 8685 1625 9619 897"),
        ("RF341234561", "RF34 1234 561"),
        ("RF10868624", "RF10 8686 24"),
        ("RF7192125374252539897737", "RF71 9212 5374 2525 3989 7737"),
    ],
)
def test_format_reference(ref: str, printed: str) -> None:
    assert format_reference(ref) == printed


@pytest.mark.parametrize("bad", ["1234560", "RF35 1234 561", "abc", ""])
def test_format_reference_rejects_invalid(bad: str) -> None:
    with pytest.raises(ValueError):
        format_reference(bad)


# --------------------------------------------------------------------------------------
# Virtual bank barcode: the guide's nine test invoices, versions 4 and 5
# --------------------------------------------------------------------------------------

# (IBAN, amount, national reference, RF reference, due date, v4 code, v5 code)
GUIDE_INVOICES = [
    (
        "FI79 4405 2020 0360 82",
        "4883.15",
        "86851 62596 19897",
        "RF09 8685 1625 9619 897",
        date(2010, 6, 12),
        None,
        "479440520200360820048831500000000868516259619897100612",
        "579440520200360820048831509000000868516259619897100612",
    ),
    (
        "FI58 1017 1000 0001 22",
        "482.99",
        "55958 22432 94671",
        "RF06 5595 8224 3294 671",
        date(2012, 1, 31),
        date(2010, 1, 31),  # the guide's version 5 example uses 31.1.2010
        "458101710000001220004829900000000559582243294671120131",
        "558101710000001220004829906000000559582243294671100131",
    ),
    (
        "FI02 5000 4640 0013 02",
        "693.80",
        "69 87567 20834 35364",
        "RF61 6987 5672 0839",
        date(2011, 7, 24),
        None,
        "402500046400013020006938000000069875672083435364110724",
        "502500046400013020006938061000000000698756720839110724",
    ),
    (
        "FI15 6601 0001 5306 41",
        "7444.54",
        "7 75847 47906 47489",
        "RF84 7758 4747 9064 7489",
        date(2019, 12, 19),
        None,
        "415660100015306410074445400000007758474790647489191219",
        "515660100015306410074445484000007758474790647489191219",
    ),
    (
        "FI16 8000 1400 0502 67",
        "935.85",
        "78 77767 96566 28687",
        "RF60 7877 7679 6566 2868 7",
        None,  # no due date
        None,
        "416800014000502670009358500000078777679656628687000000",
        "516800014000502670009358560000078777679656628687000000",
    ),
    (
        "FI73 3131 3001 0000 58",
        "0.00",  # no amount: the payer types it in
        "8 68624",
        "RF10 8686 24",
        date(2013, 8, 9),
        None,
        "473313130010000580000000000000000000000000868624130809",
        "573313130010000580000000010000000000000000868624130809",
    ),
    (
        "FI83 3301 0001 1007 75",
        "150000.20",
        "92125 37425 25398 97737",
        "RF71 9212 5374 2525 3989 7737",
        date(2016, 5, 25),
        None,
        "483330100011007751500002000092125374252539897737160525",
        "583330100011007751500002071092125374252539897737160525",
    ),
    (
        "FI39 3636 3002 0924 92",
        "1.03",
        "5907 38390",
        "RF66 5907 3839 0",
        date(2023, 3, 11),
        None,
        "439363630020924920000010300000000000000590738390230311",
        "539363630020924920000010366000000000000590738390230311",
    ),
    (
        "FI92 3939 0001 0033 91",
        "0.02",
        "13 57914",
        "RF95 1357 914",
        date(2099, 12, 24),
        None,
        "492393900010033910000000200000000000000001357914991224",
        "592393900010033910000000295000000000000001357914991224",
    ),
]

V4_CASES = [(i, a, n, d, c4) for i, a, n, _r, d, _d5, c4, _c5 in GUIDE_INVOICES]
V5_CASES = [(i, a, r, d5 or d, c5) for i, a, _n, r, d, d5, _c4, c5 in GUIDE_INVOICES]


@pytest.mark.parametrize(("iban", "amount", "ref", "due", "code"), V4_CASES)
def test_virtual_barcode_version4_guide_examples(
    iban: str, amount: str, ref: str, due: date | None, code: str
) -> None:
    assert virtual_barcode(iban, Decimal(amount), ref, due) == code


@pytest.mark.parametrize(("iban", "amount", "ref", "due", "code"), V5_CASES)
def test_virtual_barcode_version5_guide_examples(
    iban: str, amount: str, ref: str, due: date | None, code: str
) -> None:
    assert virtual_barcode(iban, Decimal(amount), ref, due) == code


@pytest.mark.parametrize(("iban", "amount", "ref", "due", "code"), V4_CASES + V5_CASES)
def test_parse_virtual_barcode_guide_examples(
    iban: str, amount: str, ref: str, due: date | None, code: str
) -> None:
    parsed = parse_virtual_barcode(code)
    assert parsed == {
        "version": int(code[0]),
        "iban": iban.replace(" ", ""),
        "amount": Decimal(amount),
        "reference": ref.replace(" ", ""),
        "due_on": due,
    }
    # Round trip: encoding the decoded fields gives the same code back.
    again = virtual_barcode(parsed["iban"], parsed["amount"], parsed["reference"], parsed["due_on"])
    assert again == code


def test_virtual_barcode_field_positions_version4() -> None:
    code = virtual_barcode(
        "FI79 4405 2020 0360 82",
        Decimal("4883.15"),
        "86851 62596 19897",
        date(2010, 6, 12),
    )
    assert len(code) == 54
    assert code[0] == "4"  # version
    assert code[1:17] == "7944052020036082"  # IBAN digits after FI
    assert code[17:23] == "004883"  # euros
    assert code[23:25] == "15"  # cents
    assert code[25:28] == "000"  # reserve
    assert code[28:48] == "00000868516259619897"  # reference, right-aligned
    assert code[48:54] == "100612"  # due date YYMMDD


def test_virtual_barcode_field_positions_version5() -> None:
    code = virtual_barcode(
        "FI79 4405 2020 0360 82",
        Decimal("4883.15"),
        "RF09 8685 1625 9619 897",
        date(2010, 6, 12),
    )
    assert len(code) == 54
    assert code[0] == "5"
    assert code[1:17] == "7944052020036082"
    assert code[17:23] == "004883"
    assert code[23:25] == "15"
    assert code[25:27] == "09"  # RF check digits
    assert code[27:48] == "000000868516259619897"  # RF reference part, 21 digits
    assert code[48:54] == "100612"


IBAN = "FI79 4405 2020 0360 82"
REF = "86851 62596 19897"
DUE = date(2010, 6, 12)


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        (Decimal("999999.99"), "99999999"),  # the largest amount that fits
        (Decimal("1000000.00"), "00000000"),  # does not fit -> zeros
        (Decimal("1234567.89"), "00000000"),
        (Decimal("-0.01"), "00000000"),  # negative -> zeros
        (Decimal(-100), "00000000"),
        (Decimal(0), "00000000"),
        (Decimal("0.5"), "00000050"),
        (Decimal("4883.150"), "00488315"),  # trailing zero is not a third decimal
        (35, "00003500"),  # an int is an exact amount too
    ],
)
def test_virtual_barcode_amount_field(amount: Decimal, field: str) -> None:
    assert virtual_barcode(IBAN, amount, REF, DUE)[17:25] == field
    assert virtual_barcode(IBAN, amount, "RF09868516259619897", DUE)[17:25] == field


def test_virtual_barcode_amount_too_large_parses_as_zero() -> None:
    code = virtual_barcode(IBAN, Decimal(1000000), REF, DUE)
    assert parse_virtual_barcode(code)["amount"] == Decimal("0.00")


@pytest.mark.parametrize("amount", [Decimal("1.001"), Decimal("0.005"), Decimal("NaN"), Decimal("Infinity")])
def test_virtual_barcode_rejects_bad_amount(amount: Decimal) -> None:
    with pytest.raises(ValueError):
        virtual_barcode(IBAN, amount, REF, DUE)


@pytest.mark.parametrize("amount", [12.5, True, "12.50"])
def test_virtual_barcode_rejects_non_decimal_amount(amount: object) -> None:
    with pytest.raises(TypeError):
        virtual_barcode(IBAN, amount, REF, DUE)  # type: ignore[arg-type]


def test_virtual_barcode_without_due_date() -> None:
    code = virtual_barcode(IBAN, Decimal(10), REF, None)
    assert code.endswith("000000")
    assert parse_virtual_barcode(code)["due_on"] is None


@pytest.mark.parametrize("due", [date(1999, 12, 31), date(2100, 1, 1)])
def test_virtual_barcode_rejects_due_date_outside_two_digit_years(due: date) -> None:
    with pytest.raises(ValueError):
        virtual_barcode(IBAN, Decimal(10), REF, due)


@pytest.mark.parametrize(
    "iban",
    [
        "FI79 4405 2020 0360 83",  # wrong IBAN check digits
        "FI79 4405 2020 0360 8",  # too short
        "DE89 3704 0044 0532 0130 00",  # valid, but not Finnish
        "SE45 5000 0000 0583 9825 7466",  # valid, but not Finnish
        "AX2112345600000785",  # Åland: not an FI IBAN
        "not an iban",
        "",
    ],
)
def test_virtual_barcode_rejects_bad_or_foreign_iban(iban: str) -> None:
    with pytest.raises(ValueError):
        virtual_barcode(iban, Decimal(10), REF, DUE)


@pytest.mark.parametrize(
    "ref",
    [
        "86851 62596 19890",  # wrong 7-3-1 check digit
        "123",  # too short
        "RF08 8685 1625 9619 897",  # wrong RF check digits
        "RF47ABC123",  # valid RF, but letters cannot go in the barcode
        "",
    ],
)
def test_virtual_barcode_rejects_bad_reference(ref: str) -> None:
    with pytest.raises(ValueError):
        virtual_barcode(IBAN, Decimal(10), ref, DUE)


def test_virtual_barcode_built_from_generated_references_round_trips() -> None:
    national = national_reference("2024000123")
    rf = rf_reference(national)
    for ref, version in ((national, 4), (rf, 5)):
        code = virtual_barcode("FI1657413620406956", Decimal("59.90"), ref, DUE)
        parsed = parse_virtual_barcode(code)
        assert parsed["version"] == version
        assert parsed["reference"] == ref
        assert parsed["amount"] == Decimal("59.90")
        assert parsed["iban"] == "FI1657413620406956"


@pytest.mark.parametrize(
    "code",
    [
        "47944052020036082004883150000000086851625961989710061",  # 53 digits
        "4794405202003608200488315000000008685162596198971006120",  # 55 digits
        "47944052020036082004883150000000086851625961989710061X",
        # version 2 is obsolete
        "279440520200360820048831500000000868516259619897100612",
        # reserve of version 4 not 000
        "479440520200360820048831500100000868516259619897100612",
        # IBAN check digits broken (80 instead of 79)
        "480440520200360820048831500000000868516259619897100612",
        # national reference check digit broken
        "479440520200360820048831500000000868516259619896100612",
        # RF check digits broken (08 instead of 09)
        "579440520200360820048831508000000868516259619897100612",
        # month 13
        "479440520200360820048831500000000868516259619897101312",
        # 30 February
        "479440520200360820048831500000000868516259619897100230",
        # no reference at all
        "479440520200360820048831500000000000000000000000100612",
    ],
)
def test_parse_virtual_barcode_rejects_malformed(code: str) -> None:
    with pytest.raises(ValueError):
        parse_virtual_barcode(code)


def test_parse_virtual_barcode_ignores_surrounding_whitespace() -> None:
    code = " 479440520200360820048831500000000868516259619897100612\n"
    assert parse_virtual_barcode(code)["reference"] == "868516259619897"


# --------------------------------------------------------------------------------------
# VAT on electricity
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2013, 1, 1), Decimal(24)),
        (date(2022, 11, 30), Decimal(24)),
        (date(2022, 12, 1), Decimal(10)),
        (date(2023, 4, 30), Decimal(10)),
        (date(2023, 5, 1), Decimal(24)),
        (date(2024, 8, 31), Decimal(24)),
        (date(2024, 9, 1), Decimal("25.5")),
        (date(2030, 1, 1), Decimal("25.5")),
    ],
)
def test_vat_rate_on_boundaries(day: date, rate: Decimal) -> None:
    assert vat_rate_on(day) == rate


def test_vat_rate_on_returns_exact_decimal() -> None:
    rate = vat_rate_on(date(2024, 9, 1))
    assert isinstance(rate, Decimal)
    assert str(rate) == "25.5"


def test_vat_rate_before_known_periods_raises() -> None:
    with pytest.raises(ValueError):
        vat_rate_on(date(2012, 12, 31))


def test_vat_periods_are_contiguous_and_open_ended() -> None:
    assert VAT_PERIODS[0][0] == date(2013, 1, 1)
    for previous, following in pairwise(VAT_PERIODS):
        assert previous[1] is not None
        assert previous[1] + timedelta(days=1) == following[0]
    assert VAT_PERIODS[-1][1] is None
    assert [tuple(p) for p in VAT_PERIODS] == [
        (date(2013, 1, 1), date(2022, 11, 30), Decimal(24)),
        (date(2022, 12, 1), date(2023, 4, 30), Decimal(10)),
        (date(2023, 5, 1), date(2024, 8, 31), Decimal(24)),
        (date(2024, 9, 1), None, Decimal("25.5")),
    ]


def test_vat_periods_between_inside_one_period() -> None:
    assert vat_periods_between(date(2024, 1, 1), date(2024, 1, 31)) == [
        (date(2024, 1, 1), date(2024, 1, 31), Decimal(24)),
    ]


def test_vat_periods_between_single_day() -> None:
    assert vat_periods_between(date(2022, 12, 1), date(2022, 12, 1)) == [
        (date(2022, 12, 1), date(2022, 12, 1), Decimal(10)),
    ]


def test_vat_periods_between_crossing_a_boundary() -> None:
    assert vat_periods_between(date(2024, 8, 15), date(2024, 9, 14)) == [
        (date(2024, 8, 15), date(2024, 8, 31), Decimal(24)),
        (date(2024, 9, 1), date(2024, 9, 14), Decimal("25.5")),
    ]


def test_vat_periods_between_crossing_all_boundaries() -> None:
    assert vat_periods_between(date(2022, 11, 15), date(2024, 9, 2)) == [
        (date(2022, 11, 15), date(2022, 11, 30), Decimal(24)),
        (date(2022, 12, 1), date(2023, 4, 30), Decimal(10)),
        (date(2023, 5, 1), date(2024, 8, 31), Decimal(24)),
        (date(2024, 9, 1), date(2024, 9, 2), Decimal("25.5")),
    ]


def test_vat_periods_between_rejects_reversed_range() -> None:
    with pytest.raises(ValueError):
        vat_periods_between(date(2024, 2, 1), date(2024, 1, 31))


def test_vat_periods_between_rejects_unknown_start() -> None:
    with pytest.raises(ValueError):
        vat_periods_between(date(2012, 12, 1), date(2013, 1, 31))


# --------------------------------------------------------------------------------------
# Rounding and VAT arithmetic
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("0.125", "0.13"),  # half up (banker's rounding would give 0.12)
        ("0.124", "0.12"),
        ("0.135", "0.14"),
        ("0.005", "0.01"),
        ("0.0049999", "0.00"),
        ("2.675", "2.68"),
        ("-0.125", "-0.13"),  # halves go away from zero
        ("10", "10.00"),
        ("1.1", "1.10"),
    ],
)
def test_round_cents_half_up(value: str, rounded: str) -> None:
    result = round_cents(Decimal(value))
    assert result == Decimal(rounded)
    assert str(result) == rounded  # always exactly two decimals


def test_round_cents_rejects_float() -> None:
    with pytest.raises(TypeError):
        round_cents(0.125)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("excl", "rate", "vat", "gross"),
    [
        ("10.00", "25.5", "2.55", "12.55"),
        ("100.00", "24", "24.00", "124.00"),
        ("0.10", "25.5", "0.03", "0.13"),  # 0.0255 -> 0.03; 0.1255 -> 0.13
        ("1.05", "10", "0.11", "1.16"),  # 0.105 -> 0.11; 1.155 -> 1.16 (half up)
        ("0.50", "25.5", "0.13", "0.63"),  # 0.1275 -> 0.13; 0.6275 -> 0.63
        ("12.345", "24", "2.96", "15.31"),  # 2.9628; 15.3078
        ("0", "24", "0.00", "0.00"),
    ],
)
def test_vat_of_and_add_vat(excl: str, rate: str, vat: str, gross: str) -> None:
    assert vat_of(Decimal(excl), Decimal(rate)) == Decimal(vat)
    assert add_vat(Decimal(excl), Decimal(rate)) == Decimal(gross)
    assert str(add_vat(Decimal(excl), Decimal(rate))) == gross


def test_add_vat_equals_net_plus_vat_for_whole_cents() -> None:
    for cents in range(0, 2000, 7):
        net = Decimal(cents) / 100
        for rate in (Decimal(10), Decimal(24), Decimal("25.5")):
            assert add_vat(net, rate) == net + vat_of(net, rate)


def test_vat_with_rate_of_the_day() -> None:
    net = Decimal("80.00")
    assert add_vat(net, vat_rate_on(date(2023, 1, 15))) == Decimal("88.00")
    assert add_vat(net, vat_rate_on(date(2024, 9, 1))) == Decimal("100.40")
