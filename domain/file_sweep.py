"""The file sweeper's pass over the store: orphan blobs, stale uploads and temporary files,
expired cached documents.

Why it is safe against uploads in flight (the grace period, touching under ``flock``) is
told in ``domain.files``; this module lists the store, asks the database which blobs rows
reference (``STORE_REFERENCES``) and removes the rest through the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.files import DOCUMENT_CACHE_MAX_AGE, STORE_REFERENCES, FilesystemStore, SweepResult

log = logging.getLogger("energy_portal.files")

#: Given blob keys, which of them rows reference.
ReferenceLookup = Callable[[Collection[str]], Awaitable[set[str]]]


async def referenced_keys(db: AsyncSession, keys: Collection[str]) -> set[str]:
    """Which of ``keys`` any row references (one scan of each referencing column).

    The columns are not indexed, so this reads each column once and keeps the keys asked
    about, instead of one ``IN`` scan per batch of keys.
    """
    wanted = set(keys)
    found: set[str] = set()
    if not wanted:
        return found
    for column in STORE_REFERENCES:
        rows = await db.stream_scalars(select(column).distinct())
        async for key in rows:
            if key in wanted:
                found.add(key)
    return found


def database_references(sessions: async_sessionmaker[AsyncSession]) -> ReferenceLookup:
    """A ``ReferenceLookup`` over the database (each call in its own short transaction)."""

    async def lookup(keys: Collection[str]) -> set[str]:
        async with sessions() as db, db.begin():
            return await referenced_keys(db, keys)

    return lookup


async def sweep_store(
    store: FilesystemStore,
    references: ReferenceLookup,
    *,
    grace: timedelta,
    document_max_age: timedelta = DOCUMENT_CACHE_MAX_AGE,
    now_ns: int | None = None,
    dry_run: bool = False,
) -> SweepResult:
    """Remove orphan blobs and stale staging and temporary files older than ``grace``, and
    cached documents not read for ``document_max_age``.

    The order matters: the store is listed first, then the database is asked (so a row
    that commits after the question belongs to an upload that touched its blob before,
    and the removal under the blob's lock sees that). When the database cannot be asked,
    the exception propagates and no blob is removed; staging, temporary files and the
    document cache, which need no database, are swept before.
    """
    now_ns = time.time_ns() if now_ns is None else now_ns
    cutoff = now_ns - int(grace.total_seconds() * 1e9)
    document_cutoff = now_ns - int(document_max_age.total_seconds() * 1e9)
    result = SweepResult(dry_run=dry_run)
    scan = await asyncio.to_thread(store.scan, cutoff)
    result.unknown = scan.unknown
    result.kept_recent.extend(scan.recent_blobs)

    def remove(paths: list[str], into: list[str]) -> None:
        for relative in paths:
            freed = 0 if dry_run else store.remove_if_older(relative, cutoff)
            if freed is not None:
                into.append(relative)
                result.freed_bytes += freed

    await asyncio.to_thread(remove, scan.stale_staging, result.removed_staging)
    await asyncio.to_thread(remove, scan.stale_temporary, result.removed_temporary)
    result.merge(await asyncio.to_thread(store.expire_documents, document_cutoff, cutoff, dry_run=dry_run))

    referenced = await references(scan.old_blobs) if scan.old_blobs else set()
    result.kept_referenced = len(referenced)

    def remove_blobs() -> None:
        for key in sorted(scan.old_blobs - referenced):
            relative = f"{key[:2]}/{key}"
            freed = 0 if dry_run else store.remove_if_older(relative, cutoff)
            if freed is None:
                result.kept_recent.append(key)
            else:
                result.removed_blobs.append(relative)
                result.freed_bytes += freed

    await asyncio.to_thread(remove_blobs)
    if result.removed:
        log.info("file sweep: %s", result.summary())
    return result
