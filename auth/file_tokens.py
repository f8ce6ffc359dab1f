"""Signed, short-lived URLs for files: bound to one file and to the principal they were issued to."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from domain.base import Language

#: How long a file URL works.
FILE_URL_SECONDS = 300

_SALT = "energy-portal/files/v1"


@dataclass(frozen=True)
class FileGrant:
    """What a file token allows: ``kind`` and ``subject_id`` of the file, to ``user_id`` (and,
    when issued to a program, only with the personal API token ``api_token_id``); a document
    is rendered in ``language``, the language of the request that got the URL."""

    kind: str
    subject_id: int
    user_id: int
    api_token_id: int | None = None
    language: Language = Language.FI

    def issued_to(self, user_id: int, api_token_id: int | None) -> bool:
        """Whether the request's principal is the one the token was issued to: the same user
        through the same API token, or through none (a URL of the owner's session does not
        open with the owner's program's token, nor the other way round)."""
        return self.user_id == user_id and self.api_token_id == api_token_id


def _serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=_SALT)


def issue_file_token(key: str, grant: FileGrant) -> str:
    """A token for ``grant``; valid for ``FILE_URL_SECONDS``."""
    payload: list[object] = [grant.kind, grant.subject_id, grant.user_id, grant.api_token_id]
    if grant.language is not Language.FI:
        payload.append(grant.language.value)
    return _serializer(key).dumps(payload)


def read_file_token(key: str, token: str, *, max_age: int = FILE_URL_SECONDS) -> FileGrant | None:
    """The grant of a genuine, unexpired token; ``None`` for anything else."""
    if not token or len(token) > 300:
        return None
    try:
        kind, subject_id, user_id, *rest = _serializer(key).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    if not isinstance(kind, str) or not isinstance(subject_id, int) or not isinstance(user_id, int):
        return None
    api_token_id = rest[0] if rest else None
    if len(rest) > 2 or (api_token_id is not None and not isinstance(api_token_id, int)):
        return None
    language = Language.FI
    if len(rest) == 2:
        if not isinstance(rest[1], str) or rest[1] not in Language.__members__:
            return None
        language = Language(rest[1])
    return FileGrant(kind, subject_id, user_id, api_token_id, language)
