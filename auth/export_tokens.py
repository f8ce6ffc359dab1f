"""Signed, short-lived URLs of consumption exports: what to export, for whom.

Like ``auth.file_tokens`` (the same lifetime, bound to the principal it was issued to),
but the token carries the export's parameters instead of a stored file's ID; a salt of
its own keeps the two kinds of token apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from auth.file_tokens import FILE_URL_SECONDS
from domain.base import Language, Resolution
from domain.reporting.export import DecimalSeparator

_SALT = "energy-portal/exports/v1"


@dataclass(frozen=True)
class ExportGrant:
    """A consumption export of ``location_id`` of ``customer_id`` over ``first``..``last``,
    for ``user_id`` (and, when issued to a program, only with its API token)."""

    customer_id: int
    location_id: int
    first: date
    last: date
    resolution: Resolution
    separator: DecimalSeparator
    language: Language
    user_id: int
    api_token_id: int | None = None

    def issued_to(self, user_id: int, api_token_id: int | None) -> bool:
        """The same rule as ``FileGrant.issued_to``."""
        return self.user_id == user_id and self.api_token_id == api_token_id


def _serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=_SALT)


def issue_export_token(key: str, grant: ExportGrant) -> str:
    payload = [
        grant.customer_id,
        grant.location_id,
        grant.first.toordinal(),
        grant.last.toordinal(),
        grant.resolution.value,
        grant.separator.value,
        grant.language.value,
        grant.user_id,
        grant.api_token_id,
    ]
    return _serializer(key).dumps(payload)


def read_export_token(key: str, token: str, *, max_age: int = FILE_URL_SECONDS) -> ExportGrant | None:
    """The grant of a genuine, unexpired export token; ``None`` for anything else."""
    if not token or len(token) > 400:
        return None
    try:
        payload = _serializer(key).loads(token, max_age=max_age)
        customer_id, location_id, first, last, resolution, separator, language, user_id, token_id = payload
        ints = (customer_id, location_id, first, last, user_id)
        if not all(type(v) is int for v in ints) or not (token_id is None or type(token_id) is int):
            return None
        return ExportGrant(
            customer_id,
            location_id,
            date.fromordinal(first),
            date.fromordinal(last),
            Resolution(resolution),
            DecimalSeparator(separator),
            Language(language),
            user_id,
            token_id,
        )
    except (BadSignature, SignatureExpired, ValueError, TypeError, OverflowError):
        return None
