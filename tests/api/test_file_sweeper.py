"""No orphan files, ever (issue 12, part 8): the database dies between staging and commit of
``sendMessage``, the request's clean-up cannot ask it either, and the sweep later leaves
the store holding exactly the files that rows reference.

These tests run against the session's database but a file store of their own (a copy of
the runtime with another data directory), so that a sweep with no grace period cannot
touch files of other tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from app.cli import main
from app.http import build_app
from app.runtime import Runtime
from app.sweeper import start_sweeper, sweep_once
from domain.files import FilesystemStore
from domain.messages import Attachment
from fixtures.files import meter_photo_png
from tests.api.messaging_helpers import (
    customer_gid,
    message_rows,
    restored_messages,
    send_with_files,
    unique_pdf,
    unique_png,
)
from tests.api.test_documents import maija_invoice


@pytest.fixture
async def restore(runtime):
    async for _ in restored_messages(runtime):
        yield


@pytest.fixture
def private(runtime: Runtime, tmp_path: Path) -> Runtime:
    """The session's runtime (same database) with a data directory and file store of its own."""
    settings = runtime.settings.model_copy(update={"data_dir": tmp_path})
    return dataclasses.replace(runtime, settings=settings, files=FilesystemStore(settings.files_dir))


@pytest.fixture
async def private_client(private: Runtime, client) -> AsyncIterator[httpx.AsyncClient]:
    # ``client`` only for its clean-up after the test (rate limits and the like).
    transport = httpx.ASGITransport(app=build_app(private))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class Outage:
    """The database server goes away: every statement fails as a dropped connection does."""

    def __init__(self) -> None:
        self.down = False
        self.refused: list[str] = []

    def before_cursor_execute(self, conn, cursor, statement, *args) -> None:
        if self.down:
            self.refused.append(statement)
            raise OperationalError(statement, None, ConnectionResetError("server closed the connection"))


@contextmanager
def outage(runtime: Runtime) -> Iterator[Outage]:
    state = Outage()
    event.listen(runtime.engine.sync_engine, "before_cursor_execute", state.before_cursor_execute)
    try:
        yield state
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", state.before_cursor_execute)


def blobs(store: FilesystemStore) -> set[str]:
    return {key for key, _ in store.blobs()}


def everything(store: FilesystemStore) -> dict[str, bytes]:
    return {str(p.relative_to(store.root)): p.read_bytes() for p in store.root.rglob("*") if p.is_file()}


async def referenced(runtime: Runtime) -> set[str]:
    async with runtime.sessions() as db:
        return set((await db.execute(select(Attachment.sha256))).scalars())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_thread(customer: str, body: str) -> dict:
    return {"input": {"customerId": customer, "subject": "Liitteet", "category": "INVOICING", "body": body}}


def make_old(store: FilesystemStore, seconds: float) -> None:
    then = time.time_ns() - int(seconds * 1e9)
    for path in store.root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(then, then))


async def test_a_database_outage_between_staging_and_commit_leaves_only_referenced_files_after_the_sweep(
    private, private_client, restore, monkeypatch, caplog
) -> None:
    store = private.files
    invoice = await maija_invoice(private_client)  # signs in as Maija
    rendered = await private_client.get(invoice["document"]["url"])
    assert rendered.status_code == 200
    assert [p.name for p in store.documents_dir.iterdir()] != []  # the rendered-document cache
    customer = await customer_gid(private)

    kept_pdf = unique_pdf("kept")
    sent = await send_with_files(
        private_client,
        new_thread(customer, "Tämä menee perille."),
        [("lasku.pdf", kept_pdf, "application/pdf")],
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["data"]["sendMessage"]["errors"] == []
    assert blobs(store) == {sha(kept_pdf)}

    # The database dies once the files are in the store, before the transaction commits: the
    # INSERTs fail, and so does the clean-up's question whether other rows use the files.
    rows_before = await message_rows(private)
    lost_pdf, lost_png, shared_png = unique_pdf("lost"), unique_png(), meter_photo_png()
    put_file = store.put_file
    with outage(private) as db_outage:

        def put_file_then_outage(staged, key):
            created = put_file(staged, key)
            db_outage.down = True
            return created

        monkeypatch.setattr(store, "put_file", put_file_then_outage)
        with caplog.at_level(logging.WARNING, logger="energy_portal.files"):
            failed = await send_with_files(
                private_client,
                new_thread(customer, "Tämä ei mene perille."),
                [
                    ("lasku.pdf", lost_pdf, "application/pdf"),
                    ("kuva.png", lost_png, "image/png"),
                    ("mittari.png", shared_png, "image/png"),
                ],
            )
        db_outage.down = False
    monkeypatch.undo()
    assert db_outage.refused  # the statements really failed
    assert any(s.lstrip().upper().startswith("SELECT") for s in db_outage.refused)  # the clean-up's too
    assert "left to the file sweeper" in caplog.text
    assert "data" not in failed.json() or not (failed.json()["data"] or {}).get("sendMessage")
    assert failed.json().get("errors")
    assert await message_rows(private) == rows_before  # nothing committed
    # This is the orphaning the sweep is for: the request could not clean up after itself.
    orphans = {sha(lost_pdf), sha(lost_png)}
    assert blobs(store) == {sha(kept_pdf), *orphans, sha(shared_png)}
    assert list(store.staging_dir.iterdir()) == []

    # An upload that died mid-way, long ago, left a staging file behind.
    stale = store.new_staging_file()
    stale.write_bytes(b"half an upload")
    then = time.time_ns() - 2 * 3600 * 10**9
    os.utime(stale, ns=(then, then))
    documents_before = {
        name: data for name, data in everything(store).items() if name.startswith("documents/")
    }
    kept_before = {key: store.get(key) for key in (sha(kept_pdf), sha(shared_png))}

    result = await sweep_once(private.settings, private.sessions, store, grace=timedelta(0))

    assert sorted(result.removed_blobs) == sorted(f"{key[:2]}/{key}" for key in orphans)
    assert result.removed_staging == [f"staging/{stale.name}"]
    assert result.expired_documents == []
    rows = await referenced(private)
    # Exactly the files that rows reference: the sent PDF, and the demo meter photo that the
    # failed message brought in again (demo attachments use the same content).
    assert blobs(store) == {sha(kept_pdf), sha(shared_png)}
    assert blobs(store) <= rows
    assert orphans.isdisjoint(rows)
    assert {key: store.get(key) for key in kept_before} == kept_before
    assert {n: d for n, d in everything(store).items() if n.startswith("documents/")} == documents_before
    assert documents_before
    assert list(store.staging_dir.iterdir()) == []
    # The sent attachment still downloads.
    attachment = sent.json()["data"]["sendMessage"]["message"]["attachments"][0]
    download = await private_client.get(attachment["url"])
    assert download.status_code == 200 and download.content == kept_pdf


async def test_a_sweep_while_the_database_is_down_removes_no_file(private, restore) -> None:
    store = private.files
    orphan = store.put(unique_pdf("orphan"))
    make_old(store, 2 * 3600)
    with outage(private) as db_outage:
        db_outage.down = True
        with pytest.raises(OperationalError):
            await sweep_once(private.settings, private.sessions, store, grace=timedelta(0))
    assert blobs(store) == {orphan}


async def test_the_background_sweeper_survives_an_outage_and_sweeps_when_the_database_is_back(
    private, restore, caplog
) -> None:
    store = private.files
    orphan = store.put(unique_pdf("orphan"))
    shared = store.put(meter_photo_png())  # referenced by demo attachments
    make_old(store, 2 * 3600)  # older than the default grace period of 60 minutes
    with outage(private) as db_outage, caplog.at_level(logging.ERROR, logger="energy_portal.sweeper"):
        db_outage.down = True
        sweeper = start_sweeper(private.settings, private.sessions, store, interval_seconds=0.05)
        try:
            for _ in range(100):
                if caplog.text.count("file sweep failed") >= 2:
                    break
                await asyncio.sleep(0.02)
            assert caplog.text.count("file sweep failed") >= 2  # logged, and tried again
            assert not sweeper.task.done()
            assert blobs(store) == {orphan, shared}
            db_outage.down = False
            for _ in range(100):
                if orphan not in blobs(store):
                    break
                await asyncio.sleep(0.02)
        finally:
            await sweeper.stop()
    assert sweeper.task.done()
    assert blobs(store) == {shared}


async def test_with_interval_zero_the_sweeper_sweeps_once_at_start(private, restore) -> None:
    store = private.files
    orphan = store.put(unique_pdf("orphan"))
    make_old(store, 2 * 3600)
    settings = private.settings.model_copy(update={"file_sweep_interval_minutes": 0})
    sweeper = start_sweeper(settings, private.sessions, store)
    await asyncio.wait_for(sweeper.task, timeout=10)
    await sweeper.stop()
    assert orphan not in blobs(store)


async def test_the_sweep_files_command_prints_what_it_removed_and_kept(
    private, restore, monkeypatch, capsys
) -> None:
    store = private.files
    orphan = store.put(unique_pdf("orphan"))
    shared = store.put(meter_photo_png())
    make_old(store, 2 * 3600)
    young = store.put(unique_pdf("young"))
    monkeypatch.setenv("ENERGY_PORTAL_DATA_DIR", str(private.settings.data_dir))
    monkeypatch.setenv("ENERGY_PORTAL_DATABASE_URL", private.settings.resolved_database_url)

    assert await asyncio.to_thread(main, ["sweep-files", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would remove {orphan[:2]}/{orphan}" in out
    assert blobs(store) == {orphan, shared, young}

    assert await asyncio.to_thread(main, ["sweep-files"]) == 0
    out = capsys.readouterr().out
    assert f"removed {orphan[:2]}/{orphan}" in out
    assert f"kept {young[:2]}/{young}" in out
    assert "kept 1 referenced and 1 recent unreferenced files" in out
    assert blobs(store) == {shared, young}
