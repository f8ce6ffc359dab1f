"""Web sessions: an opaque random token in an HttpOnly cookie, only its hash kept server-side.

Where sessions live is a small store interface (``SessionStore``) with two
implementations: ``DatabaseSessionStore`` (the ``user_sessions`` table; the default) and
``RedisSessionStore`` (one Redis hash per session with a TTL, plus a set of the user's
sessions; used when ``ENERGY_PORTAL_REDIS_URL`` is configured, so that every server
process sees the same sessions without a database write per request).

The store travels with the database session factory: ``bind_session_store(factory,
store)`` puts it into the factory's ``info``, and every function here finds it through
the ``AsyncSession`` it is given (``session_store(db)``; the database store when none is
bound). That keeps the call shape ``create_session(db, user_id, days=...)`` the same for
every caller whatever the store, and lets two runtimes in one process (tests) use
different stores.

Timeouts: a session ends ``days`` after it started (absolute timeout, ``session_days``)
or after ``idle`` without a request (idle timeout, ``session_idle_minutes``), whichever
comes first. ``last_seen_at`` is written at most once a minute (``TOUCH_INTERVAL``), not
on every request; the caller of ``principal_from_session`` commits for that write to be
kept. Every check takes the store's ``clock``, which tests replace.

Sessions are rotated at sign-in (``login`` ends the previous session and starts a new
one) and ended server-side at sign-out (``end_session``); ``end_user_sessions`` ends all
of a user's sessions (password change or reset) whatever the store, and should be
used instead of updating ``user_sessions`` rows directly, which misses Redis sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.hashing import token_hash
from auth.passwords import verify_password
from auth.principal import Principal
from domain.base import Language, utcnow
from domain.languages import LanguageSource
from domain.usernames import username_key
from domain.users import User, UserRole, UserSession

SESSION_COOKIE = "ep_session"


def session_cookie(secure: bool) -> str:
    """The session cookie's name: with ``Secure`` (production) the ``__Host-`` prefix, which
    browsers accept only from HTTPS, for path ``/`` and without a ``Domain``, so that no
    other host or subdomain can set or shadow it."""
    return f"__Host-{SESSION_COOKIE}" if secure else SESSION_COOKIE


#: ``last_seen_at`` is written at most this often per session.
TOUCH_INTERVAL = timedelta(minutes=1)
#: Key of the store in the session factory's ``info``.
STORE_INFO_KEY = "energy_portal.session_store"
#: Cookie values longer than this are refused without hashing.
MAX_TOKEN_LENGTH = 128
DEFAULT_IDLE = timedelta(minutes=60)


@dataclass(frozen=True)
class SessionRecord:
    """One stored session, as read back from a store."""

    session_id: int | str
    user_id: int
    expires_at: datetime
    last_seen_at: datetime
    ended: bool = False
    #: The user's role when the store could read it together with the session.
    role: UserRole | None = None
    #: The user's language, read with the role, and where it came from.
    language: Language | None = None
    language_source: str | None = None


class SessionStore(Protocol):
    """Where sessions are kept. ``db`` is the caller's database session (ignored by Redis)."""

    idle: timedelta
    clock: Callable[[], datetime]

    async def add(self, db: AsyncSession, token_hash: str, user_id: int, expires_at: datetime) -> None:
        """Store a new session."""
        ...

    async def get(self, db: AsyncSession, token_hash: str) -> SessionRecord | None:
        """The session with this token hash, live or not; ``None`` when unknown."""
        ...

    async def touch(self, db: AsyncSession, record: SessionRecord, now: datetime) -> None:
        """Record a request at ``now`` (idle timeout)."""
        ...

    async def end(self, db: AsyncSession, session_id: int | str) -> None:
        """End one session."""
        ...

    async def end_for_user(self, db: AsyncSession, user_id: int, *, keep: int | str | None = None) -> None:
        """End every session of ``user_id`` except ``keep``."""
        ...


@dataclass
class DatabaseSessionStore:
    """Sessions in the ``user_sessions`` table, written in the caller's transaction."""

    idle: timedelta = DEFAULT_IDLE
    clock: Callable[[], datetime] = utcnow

    async def add(self, db: AsyncSession, token_hash: str, user_id: int, expires_at: datetime) -> None:
        now = self.clock()
        db.add(
            UserSession(
                token_hash=token_hash,
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
        )
        await db.flush()

    async def get(self, db: AsyncSession, token_hash: str) -> SessionRecord | None:
        row = (
            await db.execute(
                select(
                    UserSession.id,
                    UserSession.user_id,
                    UserSession.expires_at,
                    UserSession.last_seen_at,
                    UserSession.revoked_at,
                    User.role,
                    User.language,
                    User.language_source,
                )
                .join(User, User.id == UserSession.user_id)
                .where(UserSession.token_hash == token_hash)
            )
        ).first()
        if row is None:
            return None
        session_id, user_id, expires_at, last_seen_at, revoked_at, role, language, source = row
        return SessionRecord(
            session_id=session_id,
            user_id=user_id,
            expires_at=expires_at,
            last_seen_at=last_seen_at,
            ended=revoked_at is not None,
            role=role,
            language=language,
            language_source=source,
        )

    async def touch(self, db: AsyncSession, record: SessionRecord, now: datetime) -> None:
        await db.execute(
            update(UserSession)
            .where(UserSession.id == record.session_id, UserSession.last_seen_at < now)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )

    async def end(self, db: AsyncSession, session_id: int | str) -> None:
        if not isinstance(session_id, int):
            return
        await db.execute(
            update(UserSession)
            .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=self.clock())
            .execution_options(synchronize_session=False)
        )

    async def end_for_user(self, db: AsyncSession, user_id: int, *, keep: int | str | None = None) -> None:
        query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        if isinstance(keep, int):
            query = query.where(UserSession.id != keep)
        await db.execute(query.values(revoked_at=self.clock()).execution_options(synchronize_session=False))


def _encode(user_id: int, expires_at: datetime, last_seen_at: datetime) -> str:
    return json.dumps(
        {"user_id": user_id, "expires_at": expires_at.timestamp(), "last_seen_at": last_seen_at.timestamp()}
    )


def _from_ts(value: Any) -> datetime:
    return datetime.fromtimestamp(float(value), UTC)


@dataclass
class RedisSessionStore:
    """Sessions in Redis: ``<prefix>s:<token hash>`` holds the session as JSON, with a TTL
    that ends with the idle or absolute timeout (whichever is first), and
    ``<prefix>u:<user id>`` the set of that user's session keys (for ``end_for_user``).

    The session ID is the token hash (the cookie's token itself is never stored). Expiry
    is also checked on every read, so the TTL only cleans up.
    """

    redis: Any
    prefix: str = "energy-portal:session:"
    idle: timedelta = DEFAULT_IDLE
    clock: Callable[[], datetime] = utcnow
    #: How long a user's set of sessions is kept after its last change.
    user_index_ttl: timedelta = field(default=timedelta(days=400))

    def _key(self, token_hash: str) -> str:
        return f"{self.prefix}s:{token_hash}"

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}u:{user_id}"

    def _ttl_ms(self, last_seen_at: datetime, expires_at: datetime, now: datetime) -> int:
        end = min(last_seen_at + self.idle, expires_at)
        return max(int((end - now).total_seconds() * 1000), 1)

    async def add(self, db: AsyncSession, token_hash: str, user_id: int, expires_at: datetime) -> None:
        now = self.clock()
        value = _encode(user_id, expires_at, now)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(token_hash), value, px=self._ttl_ms(now, expires_at, now))
            pipe.sadd(self._user_key(user_id), token_hash)
            pipe.expire(self._user_key(user_id), int(self.user_index_ttl.total_seconds()))
            await pipe.execute()

    async def get(self, db: AsyncSession, token_hash: str) -> SessionRecord | None:
        raw = await self.redis.get(self._key(token_hash))
        if raw is None:
            return None
        try:
            value = json.loads(raw)
            return SessionRecord(
                session_id=token_hash,
                user_id=int(value["user_id"]),
                expires_at=_from_ts(value["expires_at"]),
                last_seen_at=_from_ts(value["last_seen_at"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    async def touch(self, db: AsyncSession, record: SessionRecord, now: datetime) -> None:
        value = _encode(record.user_id, record.expires_at, now)
        # XX: only while the session still exists (an ended session must stay ended).
        await self.redis.set(
            self._key(str(record.session_id)), value, px=self._ttl_ms(now, record.expires_at, now), xx=True
        )

    async def end(self, db: AsyncSession, session_id: int | str) -> None:
        key = self._key(str(session_id))
        raw = await self.redis.get(key)
        await self.redis.delete(key)
        if raw is not None:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                await self.redis.srem(self._user_key(int(json.loads(raw)["user_id"])), str(session_id))

    async def end_for_user(self, db: AsyncSession, user_id: int, *, keep: int | str | None = None) -> None:
        user_key = self._user_key(user_id)
        members = {m.decode() if isinstance(m, bytes) else m for m in await self.redis.smembers(user_key)}
        doomed = [m for m in members if m != keep]
        if not doomed:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(*[self._key(m) for m in doomed])
            pipe.srem(user_key, *doomed)
            await pipe.execute()


def bind_session_store(factory: async_sessionmaker[AsyncSession], store: SessionStore) -> None:
    """Make ``store`` the session store of every database session ``factory`` makes."""
    factory.configure(info={**factory.kw.get("info", {}), STORE_INFO_KEY: store})


def session_store(db: AsyncSession) -> SessionStore:
    """The store bound to ``db``'s factory; the database store when none is."""
    store = db.info.get(STORE_INFO_KEY)
    if store is None:
        store = DatabaseSessionStore()
        db.info[STORE_INFO_KEY] = store
    return store  # type: ignore[no-any-return]


async def check_credentials(db: AsyncSession, username: str, password: str) -> tuple[User | None, bool]:
    """The user with this username (case-insensitive, ``username_key``), if any, and whether
    ``password`` is theirs (for callers that audit which of the two failed).

    An unknown username costs the same hashing time as a wrong password.
    """
    user = (
        await db.execute(select(User).where(User.username_key == username_key(username)))
    ).scalar_one_or_none()
    ok = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
    return user, ok and user is not None


async def authenticate(db: AsyncSession, username: str, password: str) -> User | None:
    """The user with this username (case-insensitive) and password, else ``None``.

    An unknown username costs the same hashing time as a wrong password.
    """
    user, ok = await check_credentials(db, username, password)
    return user if ok else None


async def create_session(db: AsyncSession, user_id: int, *, days: int) -> str:
    """Start a session for ``user_id`` lasting at most ``days``; returns the token for the
    cookie (only its hash is stored)."""
    store = session_store(db)
    token = secrets.token_urlsafe(32)
    await store.add(db, token_hash(token), user_id, store.clock() + timedelta(days=days))
    return token


def is_live(record: SessionRecord, *, idle: timedelta, now: datetime) -> bool:
    """Not ended, not past its absolute end, and used within the idle timeout."""
    return not record.ended and now < record.expires_at and now < record.last_seen_at + idle


#: The role of a session's user, for stores that keep sessions apart from users (Redis);
#: built once (building the statement was a third of the lookup's CPU).
_ROLE_OF_USER = select(User.role, User.language, User.language_source).where(User.id == bindparam("user_id"))


async def principal_from_session(db: AsyncSession, token: str | None) -> Principal | None:
    """The principal of a live session token, or ``None`` (unknown, timed out or ended).

    Records the request for the idle timeout when the last record is over a minute old,
    and ends a session found timed out (the caller commits).
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    store = session_store(db)
    record = await store.get(db, token_hash(token))
    if record is None:
        return None
    now = store.clock()
    if not is_live(record, idle=store.idle, now=now):
        if not record.ended:
            await store.end(db, record.session_id)  # timed out: ended for good
        return None
    role, language, source = record.role, record.language, record.language_source
    if role is None:
        found = (await db.execute(_ROLE_OF_USER, {"user_id": record.user_id})).first()
        role, language, source = (None, None, None) if found is None else found
        if role is None:
            return None
    if now - record.last_seen_at >= TOUCH_INTERVAL:
        await store.touch(db, record, now)
    return Principal(
        user_id=record.user_id,
        role=role,
        session_id=record.session_id,
        language=language,
        language_chosen=source == LanguageSource.CHOSEN,
    )


async def end_session(db: AsyncSession, session_id: int | str) -> None:
    """End one session (logout, or the old session at a new sign-in)."""
    await session_store(db).end(db, session_id)


async def end_user_sessions(db: AsyncSession, user_id: int, *, keep: int | str | None = None) -> None:
    """End every session of ``user_id`` except ``keep`` (password change or reset)."""
    await session_store(db).end_for_user(db, user_id, keep=keep)
