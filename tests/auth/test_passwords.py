"""Password hashing and the password rules of SPEC 4 (NIST SP 800-63B-4)."""

from __future__ import annotations

import gzip
import importlib.util
import math

import pytest

from auth import passwords
from auth.passwords import (
    COMMON_PASSWORDS_PATH,
    MAX_LENGTH,
    MIN_LENGTH,
    BloomFilter,
    common_passwords,
    hash_password,
    is_common_password,
    password_problems,
    verify_password,
)
from tests.conftest import ROOT

GOOD = "kahvi ja pulla iltapäivällä"


def test_a_long_enough_uncommon_password_has_no_problems() -> None:
    assert password_problems(GOOD) == []
    assert password_problems(GOOD, username="maija", email="maija@example.fi") == []


def test_at_least_15_characters() -> None:
    assert MIN_LENGTH == 15
    assert password_problems("kissa ja koira") == ["PASSWORD_TOO_SHORT"]  # 14
    assert password_problems("kissa ja koirat") == []  # 15


def test_no_composition_rules() -> None:
    # Only lower-case letters and spaces, no digits or symbols: fine.
    assert password_problems("sammakko hyppii lammessa") == []
    assert password_problems("ÄÄKKÖSIÄ ON PALJON TÄSSÄ") == []


def test_length_counts_code_points_after_nfkc() -> None:
    # "e" + combining acute is two code points that NFKC composes into one "é".
    composed = "caf\u00e9 " + "x" * 10  # 15 code points
    decomposed = "cafe\u0301 " + "x" * 10  # 16 code points, 15 after NFKC
    assert password_problems(composed) == []
    assert password_problems(decomposed) == []
    assert password_problems("cafe\u0301 " + "x" * 9) == ["PASSWORD_TOO_SHORT"]  # 15 raw, 14 normalised
    # The "ﬁ" ligature is one code point that NFKC expands into two.
    assert len("\ufb01" + "y" * 13) == 14
    assert password_problems("\ufb01" + "y" * 13) == []


def test_any_unicode_is_accepted_and_normalised() -> None:
    password = "ｔäｍä ｏｎ ｌｅｖｅäｔä 🔒 ℌ"  # full-width letters, emoji, a math letter
    assert password_problems(password) == []
    hashed = hash_password(password)
    # The same password typed with ordinary letters matches after NFKC normalisation.
    assert verify_password(hashed, "tämä on leveätä 🔒 H")
    assert not verify_password(hashed, "tämä on leveätä 🔒 h")


def test_64_and_more_characters_are_accepted_and_never_truncated() -> None:
    long = "ääretön salasana " * 8  # 136 characters
    assert len(long) > 72  # bcrypt would ignore everything after 72 bytes
    assert password_problems(long) == []
    hashed = hash_password(long)
    assert verify_password(hashed, long)
    assert not verify_password(hashed, long[:72])
    assert not verify_password(hashed, long[:-1] + "X")


def test_at_most_1024_characters() -> None:
    assert MAX_LENGTH == 1024
    longest = ("pitkä lause " * 100)[:1024]
    assert password_problems(longest) == []
    assert verify_password(hash_password(longest), longest)
    assert password_problems(longest + "x") == ["PASSWORD_TOO_LONG"]
    assert password_problems("x" * 100_000) == ["PASSWORD_TOO_LONG"]
    # A password that NFKC expands past the limit is too long as well.
    assert password_problems("\ufb01" * 600) == ["PASSWORD_TOO_LONG"]


@pytest.mark.parametrize(
    "password",
    ["qazwsxedcrfvtgb", "1qaz2wsx3edc4rfv", "passwordpassword", "1234567890qwerty", "qwertyuiop12345"],
)
def test_long_passwords_from_the_breach_list_are_refused(password: str) -> None:
    assert password_problems(password) == ["PASSWORD_TOO_COMMON"]


def test_list_lookups_ignore_case_and_width() -> None:
    assert password_problems("QazWsxEdcRfvTgb") == ["PASSWORD_TOO_COMMON"]
    assert password_problems("ＱＡＺＷＳＸＥＤＣＲＦＶＴＧＢ") == ["PASSWORD_TOO_COMMON"]  # full-width


def test_short_common_passwords_get_both_reasons() -> None:
    for password in ("123456", "password", "qwerty", "iloveyou", "Password"):
        assert password_problems(password) == ["PASSWORD_TOO_SHORT", "PASSWORD_TOO_COMMON"]


def test_the_username_or_email_is_refused() -> None:
    username, email = "maija.meikalainen85", "maija.meikalainen@example.fi"
    assert password_problems("Maija.Meikalainen85", username=username) == [
        "PASSWORD_SAME_AS_USERNAME_OR_EMAIL"
    ]
    assert password_problems("MAIJA.MEIKALAINEN@EXAMPLE.FI", email=email) == [
        "PASSWORD_SAME_AS_USERNAME_OR_EMAIL"
    ]
    assert password_problems(email + "!", username=username, email=email) == []


def test_the_shipped_list_has_at_least_100000_entries() -> None:
    assert COMMON_PASSWORDS_PATH.is_file()
    raw = COMMON_PASSWORDS_PATH.read_bytes()
    assert len(raw) < 4_000_000  # compact: about 3.6 bytes per password
    bloom = BloomFilter.from_bytes(gzip.decompress(raw))
    assert bloom.entries >= 100_000
    assert bloom.entries == 961_927
    assert bloom.false_positive_rate() <= 1.5e-6
    # Half of the bits set is what an optimally sized filter looks like when full.
    ones = sum(bin(b).count("1") for b in bloom.array[:200_000])
    assert 0.45 < ones / (200_000 * 8) < 0.55


def test_the_list_is_loaded_once() -> None:
    assert common_passwords() is common_passwords()


def test_passwords_not_in_the_list_pass() -> None:
    # Deterministic strings: at 1e-6 expected false positives, 20,000 give none.
    hits = sum(is_common_password(f"ei listalla oleva salasana {i}") for i in range(20_000))
    assert hits == 0


def test_the_build_script_makes_a_filter_that_holds_its_keys() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_common_passwords", ROOT / "scripts/build_common_passwords.py"
    )
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    keys = script.keys_of(b"Secret123\nsecret123\nqwerty\r\n\xef\xbd\x91werty\n")
    assert keys == ["secret123", "qwerty"]  # case folded, NFKC, de-duplicated
    bloom = script.build([f"key {i}" for i in range(1000)], rate=1e-4)
    assert all(f"key {i}" in bloom for i in range(1000))
    assert sum(f"other {i}" in bloom for i in range(10_000)) <= 5
    assert bloom.hashes == round(bloom.bits / 1000 * math.log(2))
    again = BloomFilter.from_bytes(bloom.to_bytes())
    assert "key 5" in again and again.entries == 1000


def test_a_missing_user_costs_a_hash_verification() -> None:
    assert verify_password(None, "anything at all here") is False
    assert passwords._dummy_hash().startswith("$argon2id$")
