"""The stored form of every secret token the service hands out: its SHA-256, in hex.

Session cookies, refresh tokens, emailed one-time tokens (password reset, email
confirmation, registration), newsletter and contact-email confirmation links: the
database and Redis hold only this hash, so a copy of them opens nothing. One function for
all of them, so that a token is never hashed two ways (``surrogatepass``: any Python
string hashes; valid UTF-8 hashes exactly as ``str.encode()`` does).
"""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    """SHA-256 of ``token`` (UTF-8), as 64 hex digits."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
