"""Sliding-window rate limits, counted in Redis when configured, else in the database.

``RateLimiter.hit(key, limit, window)`` counts one attempt and tells whether the key is
over its limit, and if so how long until the oldest counted attempt leaves the window
(the retry-after). Counting failed attempts only (and clearing on success where that
fits) keeps a real user from being locked out by someone else for longer than the
window.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts import RateLimitHit
from domain.base import utcnow


@dataclass(frozen=True)
class Verdict:
    """Whether the attempt may go on; ``retry_after`` seconds when it may not."""

    allowed: bool
    retry_after: int = 0
    count: int = 0


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        """Count one attempt under ``key`` and judge it."""
        ...

    async def peek(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        """Judge ``key`` without counting."""
        ...

    async def clear(self, key: str) -> None:
        """Forget the attempts under ``key``."""
        ...


def _lock_id(key: str) -> int:
    """A signed 64-bit number for ``key`` (PostgreSQL advisory lock)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


class DatabaseRateLimiter:
    """Rate limits in the ``rate_limit_hits`` table (one row per counted attempt)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def _judge(self, db: AsyncSession, key: str, limit: int, window_seconds: int) -> Verdict:
        since = utcnow() - timedelta(seconds=window_seconds)
        count, oldest = (
            await db.execute(
                select(func.count(), func.min(RateLimitHit.at)).where(
                    RateLimitHit.key == key, RateLimitHit.at > since
                )
            )
        ).one()
        if count < limit:
            return Verdict(True, 0, count)
        retry = int((oldest + timedelta(seconds=window_seconds) - utcnow()).total_seconds()) + 1
        return Verdict(False, max(retry, 1), count)

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        async with self.sessions() as db, db.begin():
            if (await db.connection()).dialect.name == "postgresql":
                # Count-after-insert is only atomic when hits of one key take turns: under
                # READ COMMITTED two concurrent hits would not see each other's row (SQLite
                # lets one writer at a time anyway). The lock ends with the transaction.
                await db.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id(key)})
            await db.execute(
                delete(RateLimitHit).where(
                    RateLimitHit.key == key, RateLimitHit.at <= utcnow() - timedelta(seconds=window_seconds)
                )
            )
            db.add(RateLimitHit(key=key))
            await db.flush()
            verdict = await self._judge(db, key, limit + 1, window_seconds)
        return Verdict(verdict.allowed, verdict.retry_after, verdict.count)

    async def peek(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        async with self.sessions() as db:
            return await self._judge(db, key, limit, window_seconds)

    async def clear(self, key: str) -> None:
        async with self.sessions() as db, db.begin():
            await db.execute(delete(RateLimitHit).where(RateLimitHit.key == key))


class RedisRateLimiter:
    """Rate limits in Redis sorted sets (shared by every server process)."""

    def __init__(self, redis: Any, prefix: str = "energy-portal:rl:") -> None:
        self.redis = redis
        self.prefix = prefix

    async def _judge(self, name: str, limit: int, window_seconds: int, now: float) -> Verdict:
        count = await self.redis.zcard(name)
        if count < limit:
            return Verdict(True, 0, count)
        oldest = await self.redis.zrange(name, 0, 0, withscores=True)
        retry = int(oldest[0][1] + window_seconds - now) + 1 if oldest else window_seconds
        return Verdict(False, max(retry, 1), count)

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        name, now = self.prefix + key, time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, 0, now - window_seconds)
            pipe.zadd(name, {uuid.uuid4().hex: now})
            pipe.expire(name, window_seconds + 1)
            await pipe.execute()
        return await self._judge(name, limit + 1, window_seconds, now)

    async def peek(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        name, now = self.prefix + key, time.time()
        await self.redis.zremrangebyscore(name, 0, now - window_seconds)
        return await self._judge(name, limit, window_seconds, now)

    async def clear(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)
