"""The file store and its sweep, on a temporary store with a reference lookup of the test's own."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Collection
from datetime import timedelta
from pathlib import Path

import pytest

from domain.file_sweep import sweep_store
from domain.files import DOCUMENT_CACHE_MAX_AGE, FilesystemStore, cached_document

HOUR = timedelta(hours=1)
DAY_NS = 24 * 3600 * 10**9


def age(path: Path, seconds: float) -> None:
    """Make ``path`` look last modified ``seconds`` ago."""
    then = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(then, then))


def blob_path(store: FilesystemStore, key: str) -> Path:
    return store.root / key[:2] / key


def staged(store: FilesystemStore, data: bytes) -> tuple[Path, str]:
    path = store.new_staging_file()
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def references(keys: set[str]):
    asked: list[set[str]] = []

    async def lookup(candidates: Collection[str]) -> set[str]:
        asked.append(set(candidates))
        return keys & set(candidates)

    lookup.asked = asked  # type: ignore[attr-defined]
    return lookup


def files_in(store: FilesystemStore) -> set[str]:
    return {str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file()}


@pytest.fixture
def store(tmp_path: Path) -> FilesystemStore:
    return FilesystemStore(tmp_path / "files")


async def test_the_sweep_removes_old_unreferenced_files_and_keeps_everything_else(store) -> None:
    referenced_old = store.put(b"referenced, old")
    orphan_old = store.put(b"orphan, old")
    orphan_new = store.put(b"orphan, just stored (an upload in flight)")
    referenced_new = store.put(b"referenced, new")
    for key in (referenced_old, orphan_old):
        age(blob_path(store, key), 2 * 3600)
    stale_upload, _ = staged(store, b"an upload that never finished")
    age(stale_upload, 2 * 3600)
    live_upload, _ = staged(store, b"an upload arriving now")
    leftover = blob_path(store, orphan_old).parent / "tmpabc123"  # put() interrupted by a crash
    leftover.write_bytes(b"half a file")
    age(leftover, 2 * 3600)
    young_leftover = blob_path(store, orphan_old).parent / "tmpdef456"
    young_leftover.write_bytes(b"being written")
    document = store.documents_dir / ("ab" * 32 + ".pdf")
    document.parent.mkdir(parents=True)
    document.write_bytes(b"%PDF cached rendering")
    age(document, 2 * 3600)  # as old as the orphans, but the cache is not swept as orphans
    unknown = store.root / "notes.txt"
    unknown.write_text("someone else's file")
    age(unknown, 10 * 24 * 3600)
    lookup = references({referenced_old, referenced_new})

    result = await sweep_store(store, lookup, grace=HOUR)

    assert lookup.asked == [{referenced_old, orphan_old}]  # only the old blobs are asked about
    assert result.removed_blobs == [f"{orphan_old[:2]}/{orphan_old}"]
    assert result.removed_staging == [str(stale_upload.relative_to(store.root))]
    assert result.removed_temporary == [str(leftover.relative_to(store.root))]
    assert result.expired_documents == []
    assert result.kept_referenced == 1
    assert sorted(result.kept_recent) == sorted([orphan_new, referenced_new])
    assert result.unknown == ["notes.txt"]
    freed = (b"orphan, old", b"an upload that never finished", b"half a file")
    assert result.freed_bytes == sum(map(len, freed))
    assert not blob_path(store, orphan_old).exists()
    assert files_in(store) == {f"{key[:2]}/{key}" for key in (referenced_old, orphan_new, referenced_new)} | {
        str(p.relative_to(store.root)) for p in (live_upload, young_leftover, document, unknown)
    }


async def test_a_dry_run_removes_nothing(store) -> None:
    orphan = store.put(b"orphan")
    age(blob_path(store, orphan), 2 * 3600)
    before = files_in(store)
    result = await sweep_store(store, references(set()), grace=HOUR, dry_run=True)
    assert result.removed_blobs == [f"{orphan[:2]}/{orphan}"]
    assert files_in(store) == before


async def test_cached_documents_expire_when_not_read_for_the_maximum_age(store) -> None:
    renders: list[str] = []

    def render(name: str):
        def run() -> bytes:
            renders.append(name)
            return f"%PDF {name}".encode()

        return run

    assert cached_document(store.documents_dir, "a" * 64, render("read lately")) == b"%PDF read lately"
    assert cached_document(store.documents_dir, "b" * 64, render("not read")) == b"%PDF not read"
    assert cached_document(store.documents_dir, "a" * 64, render("again")) == b"%PDF read lately"
    assert renders == ["read lately", "not read"]
    read_lately = store.documents_dir / ("a" * 64 + ".pdf")
    not_read = store.documents_dir / ("b" * 64 + ".pdf")
    max_age = DOCUMENT_CACHE_MAX_AGE.total_seconds()
    age(read_lately, max_age + 3600)
    age(not_read, max_age + 3600)
    # A read refreshes the document's age: this one was read just now.
    assert cached_document(store.documents_dir, "a" * 64, render("again")) == b"%PDF read lately"
    assert time.time() - read_lately.stat().st_mtime < 60
    orphan_tmp = store.documents_dir / "tmp-rendering"
    orphan_tmp.write_bytes(b"interrupted")
    age(orphan_tmp, 2 * 3600)

    result = await sweep_store(store, references(set()), grace=HOUR)

    assert result.expired_documents == [f"documents/{'b' * 64}.pdf"]
    assert result.removed_temporary == ["documents/tmp-rendering"]
    assert result.removed_blobs == []
    assert read_lately.exists() and not not_read.exists()
    # An expired document is simply rendered again.
    assert cached_document(store.documents_dir, "b" * 64, render("rendered again")) == b"%PDF rendered again"


async def test_an_upload_of_stored_content_resets_its_age(store) -> None:
    data = b"a file that an old message failed to reference"
    key = store.put(data)
    age(blob_path(store, key), 2 * 3600)
    path, digest = staged(store, data)
    assert store.put_file(path, digest) is False  # stored already: touched, the staged copy goes
    assert not path.exists()
    assert time.time() - blob_path(store, key).stat().st_mtime < 60
    result = await sweep_store(store, references(set()), grace=HOUR)
    assert result.removed_blobs == [] and result.kept_recent == [key]
    assert store.get(key) == data


async def test_a_new_reference_made_while_the_sweep_decides_keeps_the_file(store) -> None:
    """The race: the sweep lists an old orphan, then (before it removes it) an upload of the
    same content touches it and commits its row after the sweep asked the database."""
    data = b"same content, uploaded again"
    key = store.put(data)
    age(blob_path(store, key), 2 * 3600)
    committed: set[str] = set()

    async def lookup(candidates: Collection[str]) -> set[str]:
        answer = committed & set(candidates)  # the database answers: nothing references it
        path, digest = staged(store, data)  # ... and right after, the upload stores the file
        assert store.put_file(path, digest) is False
        committed.add(digest)  # ... and commits its row
        return answer

    result = await sweep_store(store, lookup, grace=HOUR)

    assert result.removed_blobs == []
    assert result.kept_recent == [key]
    assert store.get(key) == data


async def test_an_upload_after_the_sweep_removed_the_file_stores_it_again(store) -> None:
    data = b"content removed by the sweep"
    key = store.put(data)
    age(blob_path(store, key), 2 * 3600)
    result = await sweep_store(store, references(set()), grace=HOUR)
    assert result.removed_blobs == [f"{key[:2]}/{key}"]
    path, digest = staged(store, data)
    assert store.put_file(path, digest) is True  # the upload finds no file and moves its own in
    assert store.get(key) == data


def test_a_removal_decides_under_the_lock_with_the_files_current_age(store) -> None:
    key = store.put(b"blob")
    relative = f"{key[:2]}/{key}"
    cutoff = time.time_ns() - 3600 * 10**9
    assert store.remove_if_older(relative, cutoff) is None  # touched within the hour: kept
    age(blob_path(store, key), 2 * 3600)
    assert store.remove_if_older(relative, cutoff) == len(b"blob")
    assert store.remove_if_older(relative, cutoff) is None  # gone already (another worker)
    assert store.get(key) is None


async def test_a_failing_reference_lookup_removes_no_blob(store) -> None:
    orphan = store.put(b"orphan while the database is down")
    age(blob_path(store, orphan), 2 * 3600)
    stale_upload, _ = staged(store, b"stale upload")
    age(stale_upload, 2 * 3600)

    async def down(candidates: Collection[str]) -> set[str]:
        raise ConnectionError("database unreachable")

    with pytest.raises(ConnectionError):
        await sweep_store(store, down, grace=HOUR)
    assert store.get(orphan) is not None  # without the database no blob can be judged
    assert not stale_upload.exists()  # staging needs no database


async def test_an_empty_or_missing_store_sweeps_to_nothing(tmp_path: Path) -> None:
    result = await sweep_store(FilesystemStore(tmp_path / "none"), references(set()), grace=HOUR)
    assert result.removed == [] and result.kept_referenced == 0 and result.kept_recent == []


def test_put_file_stamps_the_time_the_blob_entered_the_store(store) -> None:
    path, key = staged(store, b"staged an hour ago")
    age(path, 3600)
    assert store.put_file(path, key) is True
    assert time.time() - blob_path(store, key).stat().st_mtime < 60


def test_a_failed_request_discards_only_the_blob_it_created_and_nobody_touched_since(store) -> None:
    path, key = staged(store, b"created by a request that then failed")
    assert store.put_file(path, key) is True
    assert store.discard_new(key) is True
    assert store.get(key) is None
    assert store.discard_new(key) is False  # only once

    # Another upload of the same content stored it again before the first request's clean-up:
    # its row may be about to commit, so the blob stays (for the sweeper to judge later).
    data = b"uploaded by two requests at once"
    first, key = staged(store, data)
    assert store.put_file(first, key) is True
    created = blob_path(store, key).stat().st_mtime_ns
    second, _ = staged(store, data)
    time.sleep(0.001)
    assert store.put_file(second, key) is False
    assert blob_path(store, key).stat().st_mtime_ns != created
    assert store.discard_new(key) is False
    assert store.get(key) == data

    # A blob this store did not create (the demo data's, another process's) is never discarded.
    other = store.put(b"stored by put()")
    assert store.discard_new(other) is False
    assert store.get(other) == b"stored by put()"


def test_concurrent_uploads_of_new_content_create_the_blob_once(store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    data = b"the same new content from eight uploads"
    uploads = [staged(store, data) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        created = list(pool.map(lambda upload: store.put_file(*upload), uploads))
    assert created.count(True) == 1
    assert store.get(uploads[0][1]) == data
    assert list(store.staging_dir.iterdir()) == []
