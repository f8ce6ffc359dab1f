"""Contact information rules: E.164 phone numbers, email addresses, Finnish postal codes."""

from __future__ import annotations

import pytest

from domain.contact import PhoneKind, normalise_email, parse_phone_number, valid_finnish_postal_code


@pytest.mark.parametrize(
    ("raw", "e164", "kind"),
    [
        ("040 123 4567", "+358401234567", PhoneKind.MOBILE),
        ("+358 40 1234567", "+358401234567", PhoneKind.MOBILE),
        ("00358401234567", "+358401234567", PhoneKind.MOBILE),
        ("09 1234 5678", "+358912345678", PhoneKind.LANDLINE),
        ("+46 70 123 45 67", "+46701234567", PhoneKind.MOBILE),
    ],
)
def test_valid_numbers_are_normalised_to_e164(raw: str, e164: str, kind: PhoneKind) -> None:
    parsed = parse_phone_number(raw)
    assert parsed is not None
    assert (parsed.e164, parsed.kind) == (e164, kind)
    assert parse_phone_number(raw, PhoneKind.WORK).kind is PhoneKind.WORK


@pytest.mark.parametrize("raw", ["", "12345", "040", "+358 40", "abc", "+999 123 456 789", "0" * 50])
def test_invalid_numbers_are_refused(raw: str) -> None:
    assert parse_phone_number(raw) is None


def test_email_addresses() -> None:
    assert normalise_email("  Maija.Meikalainen@Example.FI ") == "maija.meikalainen@example.fi"
    for bad in ("", "maija", "maija@", "@example.fi", "maija@@example.fi", "maija@example", "a b@example.fi"):
        assert normalise_email(bad) is None, bad


def test_finnish_postal_codes() -> None:
    assert valid_finnish_postal_code("00100")
    for bad in ("0010", "001000", "00 100", "ABCDE", ""):
        assert not valid_finnish_postal_code(bad)
