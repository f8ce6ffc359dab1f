"""Sliding-window rate limits and quotas, counted in Redis when configured, else in the database.

``RateLimiter.hit(key, limit, window)`` counts one attempt and tells whether the key is
over its limit, and if so how long until enough counted attempts leave the window (the
retry-after). Counting failed attempts only (and clearing on success where that fits)
keeps a real user from being locked out by someone else for longer than the window.

``RateLimiter.take(key, limit, window, amount)`` is the quota form: it counts ``amount``
(one message, or the bytes of some attachments) only if the window's total stays within
``limit``, atomically, so a refused attempt counts nothing and a burst of parallel takes
cannot pass the limit; ``give_back(key, token)`` uncounts a take whose write did not
happen. ``peek(key, limit, window, amount)`` tells whether ``amount`` would fit.

Every counted entry carries an amount, 1 unless given: in Redis the sorted-set member is
``<random hex>`` or ``<random hex>#<amount>``; in the ``rate_limit_hits`` table (one row
per entry, no amount column) a row's key is ``key`` or ``key#<amount>``, both found by
one range scan of the ``(key, at)`` index.
"""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import and_, delete, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts import RateLimitHit
from domain.base import utcnow

#: Between a key and the amount of one entry (``key#amount``; Redis: ``member#amount``).
AMOUNT_SEPARATOR = "#"
#: Upper end of the index range holding a key's weighted rows (amounts have fewer digits).
_AMOUNT_CEILING = "9" * 20


@dataclass(frozen=True)
class Verdict:
    """Whether the attempt may go on; ``retry_after`` seconds when it may not.

    ``count`` is the total counted in the window (the sum of the amounts); ``token``
    names what a successful ``take`` counted, for ``give_back``.
    """

    allowed: bool
    retry_after: int = 0
    count: int = 0
    token: str | None = None


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        """Count one attempt under ``key`` and judge it."""
        ...

    async def peek(self, key: str, *, limit: int, window_seconds: int, amount: int = 1) -> Verdict:
        """Judge whether ``amount`` more would fit under ``key``, without counting."""
        ...

    async def take(self, key: str, *, limit: int, window_seconds: int, amount: int = 1) -> Verdict:
        """Count ``amount`` under ``key`` if the total stays within ``limit``; else count nothing."""
        ...

    async def give_back(self, key: str, token: str) -> None:
        """Uncount what a ``take`` under ``key`` counted (``token`` from its verdict)."""
        ...

    async def clear(self, key: str) -> None:
        """Forget the attempts under ``key``."""
        ...


def judge(
    entries: Iterable[tuple[float, int]], *, limit: int, window_seconds: int, amount: int, now: float
) -> Verdict:
    """Whether ``amount`` more fits within ``limit`` beside ``entries`` (``(at, amount)``,
    epoch seconds, all inside the window); if not, the seconds until enough of them have
    left the window. An amount larger than the limit never fits: the wait is the window."""
    ordered = sorted(entries)
    total = sum(n for _, n in ordered)
    if total + amount <= limit:
        return Verdict(True, 0, total)
    if amount > limit:
        return Verdict(False, window_seconds, total)
    excess, freed = total + amount - limit, 0
    for at, n in ordered:
        freed += n
        if freed >= excess:
            return Verdict(False, max(math.floor(at + window_seconds - now) + 1, 1), total)
    return Verdict(False, window_seconds, total)  # pragma: no cover - the loop always frees enough


def _amount_of(suffixed: str, base: str) -> int | None:
    """The amount of an entry named ``suffixed`` under ``base`` (1 when unsuffixed), or
    None when the name is not one of ``base``'s entries."""
    if suffixed == base:
        return 1
    rest = suffixed[len(base) :]
    if suffixed.startswith(base) and rest.startswith(AMOUNT_SEPARATOR) and rest[1:].isdigit():
        return int(rest[1:])
    return None


def _lock_id(key: str) -> int:
    """A signed 64-bit number for ``key`` (PostgreSQL advisory lock)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def _check_amount(amount: int) -> None:
    if amount < 0 or len(str(amount)) >= len(_AMOUNT_CEILING):
        raise ValueError(f"amount out of range: {amount}")


class DatabaseRateLimiter:
    """Rate limits in the ``rate_limit_hits`` table (one row per counted entry)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @staticmethod
    def _rows_of(key: str) -> Any:
        """The rows of ``key``: ``key`` itself, and ``key#<amount>`` (an index range scan;
        the ``substr`` keeps out keys that sort inside the range but are not ``key``'s
        under a linguistic collation)."""
        weighted = key + AMOUNT_SEPARATOR
        return or_(
            RateLimitHit.key == key,
            and_(
                RateLimitHit.key > weighted,
                RateLimitHit.key <= weighted + _AMOUNT_CEILING,
                func.substr(RateLimitHit.key, 1, len(weighted)) == weighted,
            ),
        )

    async def _lock(self, db: AsyncSession, key: str) -> None:
        if (await db.connection()).dialect.name == "postgresql":
            # Count-after-insert is only atomic when hits of one key take turns: under
            # READ COMMITTED two concurrent hits would not see each other's row (SQLite
            # lets one writer at a time anyway). The lock ends with the transaction.
            await db.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id(key)})

    async def _forget_expired(self, db: AsyncSession, key: str, window_seconds: int) -> None:
        await db.execute(
            delete(RateLimitHit).where(
                self._rows_of(key), RateLimitHit.at <= utcnow() - timedelta(seconds=window_seconds)
            )
        )

    async def _judge(
        self, db: AsyncSession, key: str, limit: int, window_seconds: int, amount: int
    ) -> Verdict:
        now = utcnow()
        since = now - timedelta(seconds=window_seconds)
        rows = (
            await db.execute(
                select(RateLimitHit.key, RateLimitHit.at).where(self._rows_of(key), RateLimitHit.at > since)
            )
        ).all()
        entries = [(at.timestamp(), n) for name, at in rows if (n := _amount_of(name, key)) is not None]
        return judge(entries, limit=limit, window_seconds=window_seconds, amount=amount, now=now.timestamp())

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        async with self.sessions() as db, db.begin():
            await self._lock(db, key)
            await self._forget_expired(db, key, window_seconds)
            db.add(RateLimitHit(key=key))
            await db.flush()
            return await self._judge(db, key, limit, window_seconds, 0)

    async def peek(self, key: str, *, limit: int, window_seconds: int, amount: int = 1) -> Verdict:
        _check_amount(amount)
        async with self.sessions() as db:
            return await self._judge(db, key, limit, window_seconds, amount)

    async def take(self, key: str, *, limit: int, window_seconds: int, amount: int = 1) -> Verdict:
        _check_amount(amount)
        async with self.sessions() as db, db.begin():
            await self._lock(db, key)
            await self._forget_expired(db, key, window_seconds)
            verdict = await self._judge(db, key, limit, window_seconds, amount)
            if not verdict.allowed:
                return verdict
            row = RateLimitHit(key=key if amount == 1 else f"{key}{AMOUNT_SEPARATOR}{amount}")
            db.add(row)
            await db.flush()
        return Verdict(True, 0, verdict.count + amount, str(row.id))

    async def give_back(self, key: str, token: str) -> None:
        async with self.sessions() as db, db.begin():
            await db.execute(delete(RateLimitHit).where(self._rows_of(key), RateLimitHit.id == int(token)))

    async def clear(self, key: str) -> None:
        async with self.sessions() as db, db.begin():
            await db.execute(delete(RateLimitHit).where(self._rows_of(key)))


#: Counts ``ARGV[4]`` under ``KEYS[1]`` as member ``ARGV[5]`` at ``ARGV[1]`` if the
#: window's total (members ``…#amount`` count their amount, others 1) plus it stays
#: within ``ARGV[3]``; answers ``{1 if counted, total before}``. One script, so atomic.
_TAKE = """
local name = KEYS[1]
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local limit, amount = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', name, 0, now - window)
local total = 0
for _, member in ipairs(redis.call('ZRANGE', name, 0, -1)) do
  local n = string.match(member, '#(%d+)$')
  total = total + (n and tonumber(n) or 1)
end
if total + amount > limit then
  return {0, total}
end
redis.call('ZADD', name, now, ARGV[5])
redis.call('EXPIRE', name, window + 1)
return {1, total}
"""


class RedisRateLimiter:
    """Rate limits in Redis sorted sets (shared by every server process)."""

    def __init__(self, redis: Any, prefix: str = "energy-portal:rl:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._take = redis.register_script(_TAKE)

    async def _judge(self, name: str, limit: int, window_seconds: int, amount: int, now: float) -> Verdict:
        members = await self.redis.zrange(name, 0, -1, withscores=True)
        entries = []
        for member, at in members:
            text_ = member.decode() if isinstance(member, bytes) else str(member)
            _, _, n = text_.rpartition(AMOUNT_SEPARATOR)
            entries.append((float(at), int(n) if AMOUNT_SEPARATOR in text_ and n.isdigit() else 1))
        return judge(entries, limit=limit, window_seconds=window_seconds, amount=amount, now=now)

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        name, now = self.prefix + key, time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, 0, now - window_seconds)
            pipe.zadd(name, {uuid.uuid4().hex: now})
            pipe.expire(name, window_seconds + 1)
            await pipe.execute()
        return await self._judge(name, limit, window_seconds, 0, now)

    async def peek(self, key: str, *, limit: int, window_seconds: int, amount: int = 1) -> Verdict:
        _check_amount(amount)
        name, now = self.prefix + key, time.time()
        await self.redis.zremrangebyscore(name, 0, now - window_seconds)
        return await self._judge(name, limit, window_seconds, amount, now)

    async def take(self, key: str, *, limit: int, window_seconds: int, amount: int = 1) -> Verdict:
        _check_amount(amount)
        name, now = self.prefix + key, time.time()
        member = uuid.uuid4().hex if amount == 1 else f"{uuid.uuid4().hex}{AMOUNT_SEPARATOR}{amount}"
        counted, total = await self._take(keys=[name], args=[now, window_seconds, limit, amount, member])
        if counted:
            return Verdict(True, 0, int(total) + amount, member)
        return await self._judge(name, limit, window_seconds, amount, now)

    async def give_back(self, key: str, token: str) -> None:
        await self.redis.zrem(self.prefix + key, token)

    async def clear(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)
