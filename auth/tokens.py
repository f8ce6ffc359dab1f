"""Mobile tokens: short-lived signed access tokens and rotating opaque refresh tokens.

Access tokens
    A JWT (RFC 7519) signed with HS256 through joserfc. The key is derived from the
    server's secret key (``ENERGY_PORTAL_SECRET_KEY``; in development the one generated
    into the data directory) with HMAC-SHA256 over a fixed purpose label, so that the
    access-token key is never the same as any other key made from that secret. A
    symmetric key suits this service: it both issues and verifies its tokens, no third
    party verifies them, and every server process already shares the secret (an
    asymmetric key pair would have to be distributed to each process as well).

    Header ``{"alg": "HS256", "typ": "at+jwt"}``; claims ``sub`` (the user id as a
    string), ``iat``, ``exp`` (``access_token_minutes`` later), ``iss`` (the server's
    public origin), ``aud`` (``<origin>/graphql``), ``jti`` (random) and
    ``token_type: "access"``. joserfc's ``jwt.decode`` checks only the signature, so
    ``verify`` checks the rest itself: the algorithm in the header before any
    signature work (``none`` and anything but HS256 are refused), the signature, then
    type, issuer, audience, expiry and the shape of every claim.

    An access token is not looked up anywhere: it stays valid until it expires, even
    after its refresh-token family was revoked or the user's password was reset. The
    lifetime (15 minutes by default) bounds that window. The user's role is read from
    the database on every request (``principal_from_bearer``), never from the token.

Refresh tokens
    Opaque random strings (``eprt_`` + 256 random bits); only their SHA-256 is stored,
    in ``refresh_tokens``. Each use rotates the token: the presented row gets
    ``rotated_at`` and a new row joins the same ``family_id`` (with a fresh
    ``refresh_token_days`` lifetime). Presenting a token that was already rotated, or
    revoked, is a sign that it was copied: the whole family is revoked (every row gets
    ``revoked_at``), the attempt is refused, and an audit event records it. The
    rotation is a conditional update, so two concurrent uses of one token cannot both
    succeed: the second counts as reuse.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.hashing import token_hash
from auth.principal import Principal
from domain.accounts import RefreshToken
from domain.audit import record_event
from domain.base import utcnow
from domain.languages import LanguageSource
from domain.users import User

ALGORITHM = "HS256"
#: ``typ`` header of access tokens (RFC 9068).
HEADER_TYPE = "at+jwt"
#: Value of the ``token_type`` claim of access tokens.
ACCESS_TOKEN_TYPE = "access"
#: Label the access-token key is derived under (change it to invalidate every token).
KEY_PURPOSE = b"energy-portal/access-token/v1"
#: Longer bearer values are refused before any parsing.
MAX_ACCESS_TOKEN_LENGTH = 4096
#: Refresh tokens as issued are ``eprt_`` + 43 characters; anything far longer is refused unhashed.
MAX_REFRESH_TOKEN_LENGTH = 128
REFRESH_TOKEN_PREFIX = "eprt_"
#: Tolerated clock difference between server processes for ``iat``.
CLOCK_SKEW = timedelta(seconds=60)
#: Audit action written when a refresh-token family is revoked.
FAMILY_REVOKED_ACTION = "REFRESH_TOKEN_FAMILY_REVOKED"

_SEGMENT = re.compile(r"^[A-Za-z0-9_-]*$")


class InvalidAccessToken(Exception):
    """The access token is not acceptable; ``reason`` says which check failed (for logs and tests)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def derive_access_token_key(secret: str) -> OctKey:
    """The HS256 key for access tokens, derived from the server's secret key."""
    if not secret:
        raise ValueError("the server's secret key is empty")
    raw = hmac.new(secret.encode(), KEY_PURPOSE, hashlib.sha256).digest()
    return OctKey.import_key(raw)


@dataclass(frozen=True)
class IssuedAccessToken:
    """A freshly signed access token and when it expires."""

    token: str
    expires_at: datetime
    jti: str


@dataclass(frozen=True)
class AccessClaims:
    """The verified content of an access token."""

    user_id: int
    jti: str
    issued_at: datetime
    expires_at: datetime


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _whole_seconds(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class AccessTokens:
    """Signs and verifies access tokens (``clock`` is injectable for tests)."""

    key: OctKey
    issuer: str
    audience: str
    lifetime: timedelta
    clock: Callable[[], datetime] = utcnow

    @classmethod
    def from_settings(
        cls,
        *,
        secret: str,
        public_origin: str,
        minutes: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> AccessTokens:
        """Tokens issued by (and for) the server at ``public_origin``."""
        origin = public_origin.rstrip("/")
        return cls(
            key=derive_access_token_key(secret),
            issuer=origin,
            audience=f"{origin}/graphql",
            lifetime=timedelta(minutes=minutes),
            clock=clock,
        )

    def issue(self, user_id: int) -> IssuedAccessToken:
        """A signed access token for ``user_id``."""
        now = int(self.clock().timestamp())
        expires = now + int(self.lifetime.total_seconds())
        jti = secrets.token_urlsafe(16)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "iat": now,
            "exp": expires,
            "jti": jti,
            "token_type": ACCESS_TOKEN_TYPE,
        }
        token = jwt.encode({"alg": ALGORITHM, "typ": HEADER_TYPE}, claims, self.key, algorithms=[ALGORITHM])
        return IssuedAccessToken(token=token, expires_at=datetime.fromtimestamp(expires, UTC), jti=jti)

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid access token; ``InvalidAccessToken`` otherwise."""
        if not isinstance(token, str) or not token or len(token) > MAX_ACCESS_TOKEN_LENGTH:
            raise InvalidAccessToken("format")
        parts = token.split(".")
        if len(parts) != 3 or not all(_SEGMENT.match(p) for p in parts):
            raise InvalidAccessToken("format")
        header = self._header(parts[0])
        if header.get("alg") != ALGORITHM:
            raise InvalidAccessToken("algorithm")  # "none", HS512, RS256 ...: only HS256 is ours
        if header.get("typ") != HEADER_TYPE or "crit" in header:
            raise InvalidAccessToken("type")
        try:
            claims = jwt.decode(token, self.key, algorithms=[ALGORITHM]).claims
        except JoseError as error:
            raise InvalidAccessToken("signature") from error
        except (ValueError, TypeError, UnicodeError, binascii.Error) as error:
            raise InvalidAccessToken("format") from error
        return self._check_claims(claims)

    @staticmethod
    def _header(segment: str) -> dict[str, Any]:
        try:
            header = json.loads(_b64decode(segment))
        except (ValueError, UnicodeError, binascii.Error) as error:
            raise InvalidAccessToken("format") from error
        if not isinstance(header, dict):
            raise InvalidAccessToken("format")
        return header

    def _check_claims(self, claims: dict[str, Any]) -> AccessClaims:
        if claims.get("token_type") != ACCESS_TOKEN_TYPE:
            raise InvalidAccessToken("type")
        if claims.get("iss") != self.issuer:
            raise InvalidAccessToken("issuer")
        if claims.get("aud") != self.audience:
            raise InvalidAccessToken("audience")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not _whole_seconds(exp) or not _whole_seconds(iat):
            raise InvalidAccessToken("format")
        now = self.clock()
        if now.timestamp() >= exp:
            raise InvalidAccessToken("expired")
        if iat > (now + CLOCK_SKEW).timestamp():
            raise InvalidAccessToken("format")
        sub, jti = claims.get("sub"), claims.get("jti")
        if not isinstance(sub, str) or not sub.isascii() or not sub.isdigit() or len(sub) > 18:
            raise InvalidAccessToken("subject")
        if not isinstance(jti, str) or not jti:
            raise InvalidAccessToken("format")
        return AccessClaims(
            user_id=int(sub),
            jti=jti,
            issued_at=datetime.fromtimestamp(iat, UTC),
            expires_at=datetime.fromtimestamp(exp, UTC),
        )


async def principal_from_bearer(db: AsyncSession, tokens: AccessTokens, token: str) -> Principal | None:
    """The principal of a valid access token, with the user's current role (one query).

    ``None`` for any invalid token (tampered, expired, wrongly signed, wrong type) or a
    user who no longer exists. The token itself is not looked up, so it stays valid until
    it expires even after its refresh-token family was revoked.
    """
    try:
        claims = tokens.verify(token)
    except InvalidAccessToken:
        return None
    found = (
        await db.execute(
            select(User.role, User.language, User.language_source).where(User.id == claims.user_id)
        )
    ).first()
    role, language, source = (None, None, None) if found is None else found
    if role is None:
        return None
    return Principal(
        user_id=claims.user_id, role=role, language=language, language_chosen=source == LanguageSource.CHOSEN
    )


# --- refresh tokens -------------------------------------------------------------------


def _new_refresh_token() -> str:
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


async def issue_refresh_token(
    db: AsyncSession,
    user_id: int,
    *,
    days: int,
    family_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """Store a new refresh token for ``user_id`` (a new family unless given); returns the token."""
    now = now or utcnow()
    token = _new_refresh_token()
    db.add(
        RefreshToken(
            token_hash=token_hash(token),
            family_id=family_id or secrets.token_hex(16),
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    await db.flush()
    return token


class RefreshRefusal(str, Enum):
    """Why a refresh token was not accepted."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    #: Already rotated or revoked: the family is revoked now.
    REUSED = "reused"


@dataclass(frozen=True)
class Rotation:
    """The outcome of presenting a refresh token: a user and a new token, or a refusal."""

    user_id: int | None = None
    refresh_token: str | None = None
    refused: RefreshRefusal | None = None


async def revoke_family(
    db: AsyncSession, family_id: str, *, user_id: int | None, reason: str, now: datetime | None = None
) -> int:
    """Revoke every live token of a family; audited when anything was revoked. Returns the count."""
    now = now or utcnow()
    result = await db.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        record_event(
            db,
            FAMILY_REVOKED_ACTION,
            actor_user_id=user_id,
            at=now,
            family_id=family_id,
            reason=reason,
            tokens=count,
        )
        await db.flush()
    return count


def _plausible_refresh_token(token: str) -> bool:
    return isinstance(token, str) and 0 < len(token) <= MAX_REFRESH_TOKEN_LENGTH


async def rotate_refresh_token(
    db: AsyncSession, token: str, *, days: int, now: datetime | None = None
) -> Rotation:
    """Exchange ``token`` for a new one of the same family.

    Reuse of a rotated or revoked token revokes the whole family and is refused. The
    caller commits in every case (a refusal may have revoked a family).
    """
    now = now or utcnow()
    if not _plausible_refresh_token(token):
        return Rotation(refused=RefreshRefusal.UNKNOWN)
    row = (
        await db.execute(select(RefreshToken).where(RefreshToken.token_hash == token_hash(token)))
    ).scalar_one_or_none()
    if row is None:
        return Rotation(refused=RefreshRefusal.UNKNOWN)
    if row.rotated_at is not None or row.revoked_at is not None:
        await revoke_family(db, row.family_id, user_id=row.user_id, reason="reuse", now=now)
        return Rotation(refused=RefreshRefusal.REUSED)
    if row.expires_at <= now:
        return Rotation(refused=RefreshRefusal.EXPIRED)
    claimed = await db.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.rotated_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(rotated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        # Someone else rotated it between our read and our update: that is reuse too.
        await revoke_family(db, row.family_id, user_id=row.user_id, reason="reuse", now=now)
        return Rotation(refused=RefreshRefusal.REUSED)
    new = await issue_refresh_token(db, row.user_id, days=days, family_id=row.family_id, now=now)
    return Rotation(user_id=row.user_id, refresh_token=new)


async def revoke_refresh_token(db: AsyncSession, token: str, *, now: datetime | None = None) -> bool:
    """Revoke the family of ``token`` (sign-out of a mobile app); whether the token was known."""
    if not _plausible_refresh_token(token):
        return False
    row = (
        await db.execute(
            select(RefreshToken.family_id, RefreshToken.user_id).where(
                RefreshToken.token_hash == token_hash(token)
            )
        )
    ).first()
    if row is None:
        return False
    await revoke_family(db, row.family_id, user_id=row.user_id, reason="revoked_by_client", now=now)
    return True
