"""The SQLite connection that hands each statement to its thread once (``app.db``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.db import OneHopConnection, create_engine


@pytest.fixture
async def engine(tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one-hop.sqlite3'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)"))
    yield engine
    await engine.dispose()


async def test_statements_through_the_engine(engine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.rowcount == 1 and inserted.lastrowid == 1
        many = await conn.execute(text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}, {"name": "c"}])
        assert many.rowcount == 2
        assert (await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))).rowcount == 2
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert list(result.keys()) == ["id", "name"]
        assert result.all() == [(1, "a"), (2, "b!"), (3, "c!")]
        assert (await conn.execute(text("SELECT name FROM t WHERE id = 9"))).first() is None
        streamed = await conn.stream(text("SELECT id FROM t ORDER BY id"))
        assert [row[0] async for row in streamed] == [1, 2, 3]


async def test_errors_and_rollbacks_behave_as_before(engine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
    async with engine.connect() as conn:  # the first insert was rolled back with the second
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        # the connection is still usable after the error
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1


async def test_pragmas_and_concurrent_connections(engine) -> None:
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1

    async def read(n: int) -> int:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT :n"), {"n": n})).scalar()

    assert await asyncio.gather(*(read(n) for n in range(12))) == list(range(12))


async def test_an_idle_connection_commits_and_rolls_back_without_its_thread(tmp_path: Path) -> None:
    conn = await OneHopConnection(str(tmp_path / "idle.sqlite3"))
    try:
        calls = []
        original = conn._execute

        async def counted(fn, *args, **kwargs):
            calls.append(fn)
            return await original(fn, *args, **kwargs)

        conn._execute = counted  # type: ignore[method-assign]
        await conn.rollback()
        await conn.commit()
        assert calls == []
        cursor = conn.cursor()
        await cursor.execute("CREATE TABLE u (x)")
        await cursor.execute("INSERT INTO u VALUES (1)")
        assert conn.in_transaction
        await conn.commit()
        assert not conn.in_transaction
        await cursor.execute("SELECT x FROM u")
        assert cursor.description[0][0] == "x"
        assert await cursor.fetchone() == (1,) and await cursor.fetchone() is None
        assert len(calls) == 4  # three statements and one commit, a hand-off each
    finally:
        await conn.close()
