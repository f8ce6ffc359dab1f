"""Per-principal cost budgets: a leaky bucket for the static cost of GraphQL operations.

Every operation has a static cost (``schema.cost``). Before it runs, that cost is added to
its principal's bucket: a signed-in user's (``user:<id>``), a program's personal API
token's (``token:<id>``: a program cannot drain its owner's budget, nor the owner the
program's) or, for anonymous requests, the client address's (``address:<hash>``). The
bucket drains at ``restore_per_second``; while adding the cost would take it over
``capacity`` the operation is refused with ``RATE_LIMITED`` and the seconds until it fits
(``retry_after``). A refused operation adds nothing, so a client that waits as told gets
in.

Counted in Redis when configured (one Lua script, atomic, with Redis's clock: all
workers and hosts share one bucket), else in the ``cost_budgets`` table with one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement (atomic on both databases:
PostgreSQL locks the row, SQLite has one writer at a time).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.principal import Principal


@dataclass(frozen=True)
class BucketPolicy:
    """A leaky bucket's size and how fast it empties."""

    capacity: int
    restore_per_second: int


@dataclass(frozen=True)
class Charge:
    """The outcome of adding a cost to a bucket (or of looking at one)."""

    allowed: bool
    #: Cost that may still be spent right now.
    remaining: int
    #: Seconds until the refused cost would fit (0 when allowed).
    retry_after: int = 0


@dataclass(frozen=True)
class BudgetPolicy:
    """The numbers: the per-operation limit and the buckets of users and of addresses."""

    max_cost: int
    signed_in: BucketPolicy
    anonymous: BucketPolicy

    def bucket(self, principal: Principal | None) -> BucketPolicy:
        return self.anonymous if principal is None else self.signed_in


def budget_key(principal: Principal | None, client_address: str) -> str:
    """The bucket of a request: its API token, its user, or (anonymous) a hash of its client
    address."""
    if principal is not None and principal.api_token is not None:
        return f"token:{principal.api_token.token_id}"
    if principal is not None:
        return f"user:{principal.user_id}"
    digest = hashlib.sha256(client_address.encode("utf-8", "surrogatepass")).hexdigest()
    return f"address:{digest[:40]}"


def judge(level: float, cost: int, policy: BucketPolicy, *, charged: bool) -> Charge:
    """The ``Charge`` for a bucket at ``level`` (after draining, and after adding ``cost``
    when ``charged``)."""
    remaining = max(0, math.floor(policy.capacity - level))
    if charged:
        return Charge(True, remaining)
    excess = level + cost - policy.capacity
    return Charge(False, remaining, max(1, math.ceil(excess / policy.restore_per_second)))


class BudgetStore(Protocol):
    async def charge(self, key: str, cost: int, policy: BucketPolicy) -> Charge:
        """Add ``cost`` to the bucket ``key`` if it fits."""
        ...

    async def peek(self, key: str, policy: BucketPolicy) -> Charge:
        """The bucket ``key`` as it is now, changing nothing."""
        ...


# KEYS[1] the bucket; ARGV: cost, capacity, restore per second. Returns {charged, level}.
_REDIS_CHARGE = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local cost, capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local stored = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(stored[1]) or 0
local at = tonumber(stored[2]) or now
level = math.max(0, level - math.max(0, now - at) * rate)
local charged = 0
if cost > 0 and level + cost <= capacity then
  level = level + cost
  charged = 1
end
if cost > 0 then
  redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
  redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
end
return {charged, tostring(level)}
"""


class RedisBudgetStore:
    """Buckets as Redis hashes ``{level, at}``, changed by one script (atomic)."""

    def __init__(self, redis: Any, prefix: str = "energy-portal:rl:budget:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_REDIS_CHARGE)

    async def _run(self, key: str, cost: int, policy: BucketPolicy) -> tuple[bool, float]:
        charged, level = await self._script(
            keys=[self.prefix + key], args=[cost, policy.capacity, policy.restore_per_second]
        )
        return bool(int(charged)), float(level)

    async def charge(self, key: str, cost: int, policy: BucketPolicy) -> Charge:
        charged, level = await self._run(key, cost, policy)
        return judge(level, cost, policy, charged=charged)

    async def peek(self, key: str, policy: BucketPolicy) -> Charge:
        _, level = await self._run(key, 0, policy)
        return judge(level, 0, policy, charged=True)


_DRAINED = "{greatest}(cost_budgets.level - {greatest}({now} - cost_budgets.updated_at, 0) * {rate}, 0)"
_CHARGE_SQL = """
INSERT INTO cost_budgets (key, level, updated_at, last_charge)
VALUES (:key, CASE WHEN {cost} <= {capacity} THEN {cost} ELSE 0 END, {now},
        CASE WHEN {cost} <= {capacity} THEN {cost} ELSE 0 END)
ON CONFLICT (key) DO UPDATE SET
  level = CASE WHEN {drained} + {cost} <= {capacity} THEN {drained} + {cost} ELSE {drained} END,
  last_charge = CASE WHEN {drained} + {cost} <= {capacity} THEN {cost} ELSE 0 END,
  updated_at = {now}
RETURNING level, last_charge
"""
#: Parameters typed for asyncpg, which cannot infer the type of a bare parameter in CASE.
_PARAMETERS = {name: f"CAST(:{name} AS DOUBLE PRECISION)" for name in ("cost", "capacity", "rate", "now")}


class DatabaseBudgetStore:
    """Buckets in the ``cost_budgets`` table, changed by one upsert statement (atomic)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._statements: dict[str, Any] = {}

    def _statement(self, dialect: str) -> Any:
        statement = self._statements.get(dialect)
        if statement is None:
            greatest = "GREATEST" if dialect == "postgresql" else "max"
            drained = _DRAINED.format(greatest=greatest, **_PARAMETERS)
            sql = _CHARGE_SQL.format(drained=drained, **_PARAMETERS)
            statement = self._statements[dialect] = text(sql)
        return statement

    async def charge(self, key: str, cost: int, policy: BucketPolicy) -> Charge:
        parameters = {
            "key": key,
            "cost": float(cost),
            "capacity": float(policy.capacity),
            "rate": float(policy.restore_per_second),
            "now": time.time(),
        }
        async with self.sessions() as db, db.begin():
            dialect = (await db.connection()).dialect.name
            level, last_charge = (await db.execute(self._statement(dialect), parameters)).one()
        return judge(level, cost, policy, charged=last_charge > 0)

    async def peek(self, key: str, policy: BucketPolicy) -> Charge:
        async with self.sessions() as db:
            row = (
                await db.execute(
                    text("SELECT level, updated_at FROM cost_budgets WHERE key = :key"), {"key": key}
                )
            ).first()
        level = 0.0
        if row is not None:
            level = max(0.0, row[0] - max(0.0, time.time() - row[1]) * policy.restore_per_second)
        return judge(level, 0, policy, charged=True)


@dataclass(frozen=True)
class Budget:
    """The process's budget store and policy, shared by every request."""

    store: BudgetStore
    policy: BudgetPolicy

    async def charge(self, principal: Principal | None, client_address: str, cost: int) -> Charge:
        bucket = self.policy.bucket(principal)
        key = budget_key(principal, client_address)
        if cost <= 0:
            return await self.store.peek(key, bucket)
        return await self.store.charge(key, cost, bucket)

    async def peek(self, principal: Principal | None, client_address: str) -> Charge:
        return await self.store.peek(budget_key(principal, client_address), self.policy.bucket(principal))
