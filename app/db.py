"""The async database engine and sessions (aiosqlite or asyncpg).

SQLite runs through aiosqlite, which keeps each connection in a thread of its own and
hands every call to it through a queue. Stock, one statement costs four such hand-offs
(make a cursor, execute, fetch, close) and returning the connection to the pool a fifth
(a rollback, even with no transaction open): about 1 ms a statement on this 2-core
machine, most of it thread wake-ups. ``OneHopConnection`` makes it one: the cursor runs
execute, fetch and close as a single job of the connection's thread, and a commit or
rollback without an open transaction does not leave the event loop at all.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

__all__ = ["OneHopConnection", "create_engine", "read_engine", "read_session_factory", "session_factory"]

#: Seconds a statement waits for another connection's write lock (SQLite ``timeout``).
SQLITE_BUSY_TIMEOUT = 30


def _run_statement(
    conn: sqlite3.Connection, sql: str, parameters: Any, many: bool
) -> tuple[Any, int, int | None, list[Any]]:
    """In the connection's thread: execute, fetch everything, close the cursor."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor:
    """The part of aiosqlite's cursor that SQLAlchemy uses, one thread hand-off a statement.

    Rows are fetched with the statement, so ``fetchone``/``fetchmany``/``fetchall`` answer
    from memory (SQLAlchemy buffers them all for an ``AsyncSession`` anyway).
    """

    def __init__(self, conn: OneHopConnection) -> None:
        self._conn = conn
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def _run(self, sql: str, parameters: Any, many: bool) -> OneHopCursor:
        self.description, self.rowcount, self.lastrowid, rows = await self._conn._execute(
            _run_statement, self._conn._conn, sql, parameters, many
        )
        self._rows = deque(rows)
        return self

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneHopCursor:
        return await self._run(sql, () if parameters is None else parameters, False)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneHopCursor:
        return await self._run(sql, parameters, True)

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(len(self._rows), self.arraysize if size is None else size)
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class OneHopConnection(aiosqlite.Connection):
    """aiosqlite's connection with ``OneHopCursor`` cursors and no idle commit/rollback hops."""

    def __init__(self, database: str) -> None:
        super().__init__(partial(sqlite3.connect, database, timeout=SQLITE_BUSY_TIMEOUT), 64)
        self._thread.daemon = True  # as SQLAlchemy does for the connections it makes itself

    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)

    def _idle(self) -> bool:
        return self._connection is not None and not self._connection.in_transaction

    async def commit(self) -> None:
        if not self._idle():
            await super().commit()

    async def rollback(self) -> None:
        if not self._idle():
            await super().rollback()


def create_engine(
    url: str,
    *,
    echo: bool = False,
    pre_ping: bool = False,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 5.0,
) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    The pool keeps ``pool_size`` connections and opens up to ``max_overflow`` more under
    load (a consumption request reads up to seven things side by side); a checkout that
    finds all of them busy waits in line up to ``pool_timeout`` seconds and then raises
    SQLAlchemy's ``TimeoutError``, which the error responder answers with 503 and
    ``Retry-After``. The sizes are per process: on PostgreSQL, workers × (pool_size +
    max_overflow) must stay below the server's ``max_connections`` (settings
    ``database_pool_size``, ``database_max_overflow``, ``database_pool_timeout_seconds``).
    A SQLite file has the same pool (no server limit there, but the same queueing and the
    same 503 rather than a wait without end); in-memory SQLite has no pool.

    PostgreSQL connections are renewed after 30 minutes; ``pre_ping`` tests each connection
    with a round trip at checkout (about 0.35 ms of CPU and 0.5 ms of wall time, several
    times a request). Without it a connection the server dropped fails the one statement
    that finds out, and SQLAlchemy then renews the whole pool (its disconnect handling).
    """
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        database = make_url(url).database or ":memory:"
        engine = create_async_engine(
            url,
            echo=echo,
            async_creator=partial(OneHopConnection, database),
            **({"poolclass": NullPool} if database == ":memory:" else pool),
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
            cur.close()

        return engine
    return create_async_engine(url, echo=echo, pool_recycle=1800, pool_pre_ping=pre_ping, **pool)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine (same pool) for reads (dataloaders, reporting, the principal lookup) and for
    single-statement writes that need no transaction of their own (a session's touch).

    On PostgreSQL its statements run in autocommit: no ``BEGIN`` before the first one and
    no ``ROLLBACK`` when the connection goes back to the pool, two round trips fewer per
    session. Under READ COMMITTED, PostgreSQL's default, every statement takes its own
    snapshot either way, so reads see exactly what they saw inside a transaction. SQLite
    reads open no transaction to begin with (and switching its mode would cost hops).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """ORM sessions on ``read_engine`` (for reads of ORM entities)."""
    return session_factory(read_engine(engine))
