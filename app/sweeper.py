"""The file sweeper of one server process: at start, then every ``file_sweep_interval_minutes``.

What a sweep removes, and why it is safe next to uploads in flight, is in
``domain.files``. A sweep that fails (the database is down) is logged and tried again at
the next interval; it never stops the server. Several worker processes may sweep at the
same time: removals are decided per file under a lock, so they do not get in each
other's way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from domain.file_sweep import database_references, sweep_store
from domain.files import FilesystemStore, SweepResult

log = logging.getLogger("energy_portal.sweeper")


async def sweep_once(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    store: FilesystemStore,
    *,
    grace: timedelta | None = None,
    dry_run: bool = False,
) -> SweepResult:
    """One sweep of ``store`` with the settings' grace period (or ``grace``)."""
    return await sweep_store(
        store,
        database_references(sessions),
        grace=timedelta(minutes=settings.file_sweep_grace_minutes) if grace is None else grace,
        dry_run=dry_run,
    )


@dataclass
class RunningTask:
    """A background task of one process that runs until told to stop (the sweeper, the
    invoice notifier)."""

    stop_event: asyncio.Event
    task: asyncio.Task[None]

    async def stop(self) -> None:
        """Stop; a run under way is cancelled (a sweep's removal is one unlink and a notice is
        one transaction: nothing is left half done)."""
        self.stop_event.set()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), timeout=1)
        except TimeoutError:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


async def _run(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    store: FilesystemStore,
    stop: asyncio.Event,
    interval_seconds: float,
) -> None:
    while not stop.is_set():
        try:
            await sweep_once(settings, sessions, store)
        except Exception:
            again = f"again in {interval_seconds:.0f} s" if interval_seconds > 0 else "not again"
            log.exception("file sweep failed; trying %s", again)
        if interval_seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)


def start_sweeper(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    store: FilesystemStore,
    *,
    interval_seconds: float | None = None,
) -> RunningTask:
    """Sweep now (in the background, so the server does not wait for it) and then periodically."""
    interval = settings.file_sweep_interval_minutes * 60 if interval_seconds is None else interval_seconds
    stop = asyncio.Event()
    task = asyncio.create_task(_run(settings, sessions, store, stop, interval), name="file-sweeper")
    return RunningTask(stop, task)
