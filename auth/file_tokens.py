"""Signed, short-lived URLs for files: bound to one file and to the principal they were issued to."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

#: How long a file URL works.
FILE_URL_SECONDS = 300

_SALT = "energy-portal/files/v1"


@dataclass(frozen=True)
class FileGrant:
    """What a file token allows: ``kind`` and ``subject_id`` of the file, to ``user_id``."""

    kind: str
    subject_id: int
    user_id: int


def _serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=_SALT)


def issue_file_token(key: str, grant: FileGrant) -> str:
    """A token for ``grant``; valid for ``FILE_URL_SECONDS``."""
    return _serializer(key).dumps([grant.kind, grant.subject_id, grant.user_id])


def read_file_token(key: str, token: str, *, max_age: int = FILE_URL_SECONDS) -> FileGrant | None:
    """The grant of a genuine, unexpired token; ``None`` for anything else."""
    if not token or len(token) > 300:
        return None
    try:
        kind, subject_id, user_id = _serializer(key).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    if not isinstance(kind, str) or not isinstance(subject_id, int) or not isinstance(user_id, int):
        return None
    return FileGrant(kind, subject_id, user_id)
