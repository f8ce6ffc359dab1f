"""Password hashing with Argon2id (argon2-cffi) and the password rules of SPEC 4."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

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
