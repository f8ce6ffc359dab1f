"""Username rules: 3–64 characters, letters, digits and ``._-``; unique case-insensitively.

Usernames are compared by their key (``User.username_key``): the NFKC-normalised name
folded to lower case (``casefold``), so that ``Maija`` and ``maija`` are the same user.
"""

from __future__ import annotations

import unicodedata

MIN_LENGTH = 3
MAX_LENGTH = 64
_PUNCTUATION = frozenset("._-")


def normalise_username(username: str) -> str:
    """The username as stored: NFKC-normalised, surrounding whitespace removed."""
    return unicodedata.normalize("NFKC", username).strip()


def username_key(username: str) -> str:
    """The case-insensitive key a username is unique by."""
    return normalise_username(username).casefold()


def username_is_valid(username: str) -> bool:
    """Whether the (normalised) username follows the rules.

    Letters are Unicode letters (``Mäkelä`` is fine), digits are 0–9, and the only
    punctuation is ``.``, ``_`` and ``-``; the key must fit the column too.
    """
    name = normalise_username(username)
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH or len(username_key(name)) > MAX_LENGTH:
        return False
    return all(c.isalpha() or c in "0123456789" or c in _PUNCTUATION for c in name)
