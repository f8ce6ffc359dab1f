"""Password hashing with Argon2id (argon2-cffi) and the password rules of SPEC 4.

The rules (``password_problems``), after NIST SP 800-63B-4 for a password that is the
only factor:

- at least ``MIN_LENGTH`` (15) characters, counted as Unicode code points after NFKC
  normalisation, and at most ``MAX_LENGTH`` (1024); nothing is ever truncated;
- any characters, no composition rules (no "one digit, one capital");
- not in the list of common and breached passwords shipped with the project
  (``auth/data/common-passwords.bloom.gz``, see ``scripts/build_common_passwords.py``),
  compared case-insensitively after normalisation;
- not the account's own username or email address.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import struct
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: OWASP's recommended Argon2id setting: 19 MiB of memory, 2 iterations, 1 lane.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def normalise_password(password: str) -> str:
    """Unicode NFKC normalisation, so that the same typed password always matches."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An Argon2id hash of the normalised password."""
    return _HASHER.hash(normalise_password(password))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash("a password that nobody has, used to spend equal time")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``.

    With no hash (an unknown user) a dummy hash is verified instead, so that a missing
    user costs the same time as a wrong password.
    """
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), normalise_password(password)) and (
            password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)


# --------------------------------------------------------------------------------------
# The password rules

MIN_LENGTH = 15
MAX_LENGTH = 1024

COMMON_PASSWORDS_PATH = Path(__file__).resolve().parent / "data" / "common-passwords.bloom.gz"
BLOOM_MAGIC = b"EPBLOOM1"
_HEADER = struct.Struct(">8sQQI")


def list_key(value: str) -> str:
    """How a password (or username, email) is compared with the list: NFKC, case folded.

    Case folding can leave a string that is not in NFKC form, so it is normalised again.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


@dataclass
class BloomFilter:
    """A Bloom filter over ``list_key`` strings.

    File format (big-endian): the 8 bytes ``EPBLOOM1``, the number of entries (u64),
    the number of bits ``m`` (u64), the number of hash functions ``k`` (u32), then the
    ``m / 8`` bytes of the bit array (bit ``i`` is ``byte[i // 8] >> (i % 8) & 1``).
    A key's positions are ``(h1 + i * h2) mod m`` for ``i < k``, where ``h1`` and ``h2``
    are the first two big-endian 64-bit words of the SHA-256 of the key's UTF-8
    (``h2`` made odd): Kirsch-Mitzenmacher double hashing.
    """

    entries: int
    bits: int
    hashes: int
    array: bytearray | bytes

    def _positions(self, key: str) -> list[int]:
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        h1 = int.from_bytes(digest[:8], "big")
        h2 = int.from_bytes(digest[8:16], "big") | 1
        return [(h1 + i * h2) % self.bits for i in range(self.hashes)]

    def add(self, key: str) -> None:
        array = self.array
        assert isinstance(array, bytearray)
        for position in self._positions(key):
            array[position >> 3] |= 1 << (position & 7)

    def __contains__(self, key: str) -> bool:
        array = self.array
        return all(array[p >> 3] >> (p & 7) & 1 for p in self._positions(key))

    def false_positive_rate(self) -> float:
        """The expected chance that a key that was never added is reported as present."""
        return (1 - math.exp(-self.hashes * self.entries / self.bits)) ** self.hashes

    def to_bytes(self) -> bytes:
        return _HEADER.pack(BLOOM_MAGIC, self.entries, self.bits, self.hashes) + bytes(self.array)

    @classmethod
    def from_bytes(cls, data: bytes) -> BloomFilter:
        magic, entries, bits, hashes = _HEADER.unpack_from(data)
        array = data[_HEADER.size :]
        if magic != BLOOM_MAGIC or len(array) * 8 != bits or not entries or not hashes:
            raise ValueError("not a password list filter")
        return cls(entries, bits, hashes, array)


@lru_cache(maxsize=1)
def common_passwords() -> BloomFilter:
    """The shipped common-password filter, read once on first use (about 3.5 MB in memory)."""
    return BloomFilter.from_bytes(gzip.decompress(COMMON_PASSWORDS_PATH.read_bytes()))


def is_common_password(password: str) -> bool:
    """Whether ``password`` is in the common/breached-password list (case-insensitive)."""
    return list_key(password) in common_passwords()


def password_problems(password: str, *, username: str | None = None, email: str | None = None) -> list[str]:
    """What is wrong with ``password`` as a new password, as ``UserErrorCode`` names.

    An empty list means the password is acceptable. Possible codes:
    ``PASSWORD_TOO_SHORT``, ``PASSWORD_TOO_LONG``, ``PASSWORD_TOO_COMMON`` and
    ``PASSWORD_SAME_AS_USERNAME_OR_EMAIL``.
    """
    if len(password) > MAX_LENGTH:
        # Checked on the input first, so that nobody makes us normalise megabytes; the
        # sign-in refuses longer inputs too, so such a password could never be used.
        return ["PASSWORD_TOO_LONG"]
    normalised = normalise_password(password)
    problems: list[str] = []
    if len(normalised) < MIN_LENGTH:
        problems.append("PASSWORD_TOO_SHORT")
    elif len(normalised) > MAX_LENGTH:
        return ["PASSWORD_TOO_LONG"]
    key = list_key(password)
    if key in common_passwords():
        problems.append("PASSWORD_TOO_COMMON")
    if any(other and key == list_key(other.strip()) for other in (username, email)):
        problems.append("PASSWORD_SAME_AS_USERNAME_OR_EMAIL")
    return problems
