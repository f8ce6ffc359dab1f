"""File storage for attachments and generated documents, addressed by content hash.

The store's folder (``<data_dir>/files``) holds:

- ``<first two hex digits>/<sha256>``: blobs, each named by the SHA-256 of its content and
  referenced by database rows (today only ``attachments.sha256``, see ``STORE_REFERENCES``);
- ``staging/``: uploads while they arrive;
- ``documents/<model hash>.pdf``: the rendered-document cache. No row references these;
  they are re-rendered whenever they are missing.

**Sweeping.** A blob is moved into the store before the row that references it commits,
and the request's own clean-up after a failure needs the database (it asks whether
another attachment uses the same content), so a database outage between the two leaves
blobs that nothing references. ``sweep_store`` (``domain.file_sweep``) finds them later
without any journal: it lists the blobs older than a grace period, asks the database which
of them rows reference, and removes the rest; it also removes staging and temporary files
older than the grace period, and cached documents not read for ``DOCUMENT_CACHE_MAX_AGE``.

The grace period covers an upload in flight: ``put_file`` stamps the blob's modification
time when it moves it in, and the row commits moments later. A blob that *already*
exists and gets a new reference while the sweeper decides is the race to close: the
sweeper may have found it old and unreferenced just before a new upload of the same
content committed its row. Two things make that safe:

1. ``put_file`` (and ``put``) of content that is stored already *touches* the blob (sets
   its modification time to now) before the request commits its row, so the blob is
   young again for the whole grace period;
2. touching and removing happen under an exclusive ``flock`` on the blob, and the sweeper
   decides again under that lock: it removes the blob only while its modification time
   is still older than the cutoff it started with. Either the touch comes first (the
   sweeper then sees a young blob and keeps it), or the removal comes first (the upload
   then finds no blob, and moves its own copy in as a new one). The upload's row commits
   after its touch, so a row never references a blob the sweeper removed.

A failed request's own clean-up (``discard_new``) has the mirror race: it created a blob,
and another upload of the same content touched it before its row commits. ``put_file``
creates a blob only where there is none (a hard link, so that of two concurrent uploads
one creates and the other touches), and ``discard_new`` removes the blob only while its
modification time is still the one its creator gave it; otherwise the blob stays for the
sweeper, which removes it after the grace period if no row ever references it.

Files are only ever removed by name after that check, never by a pattern, and entries
the sweeper does not know are left alone (and reported).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from domain.messages import Attachment

#: Every column whose values are store keys: a blob is kept while any row holds its key.
#: (Generated documents are a cache under ``documents/``, named by their model's hash, and
#: referenced by no row.) A new column that holds store keys must be added here.
STORE_REFERENCES = (Attachment.sha256,)

#: A cached document that has not been read for this long is removed by the sweep.
DOCUMENT_CACHE_MAX_AGE = timedelta(days=30)

#: A cache read refreshes the document's modification time when it is older than this
#: (so that reads do not write the inode every time; expiry is that much less exact).
DOCUMENT_TOUCH_AFTER = timedelta(days=1)

#: How many of its own new blobs a store remembers for ``discard_new`` (a request's clean-up
#: comes seconds after its ``put_file`` at most; a forgotten blob is left to the sweeper).
REMEMBERED_CREATIONS = 4096

_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}

STAGING = "staging"
DOCUMENTS = "documents"
_HEX = frozenset("0123456789abcdef")


def _is_key(name: str) -> bool:
    return len(name) == 64 and all(c in _HEX for c in name)


def _is_prefix(name: str) -> bool:
    return len(name) == 2 and all(c in _HEX for c in name)


class FileStore(Protocol):
    """Stores immutable blobs under the SHA-256 of their content."""

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its SHA-256 hex digest (its key)."""
        ...

    def get(self, key: str) -> bytes | None:
        """The blob stored under ``key``, or ``None``."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""
        ...


def _touch_existing(path: Path) -> bool:
    """Set the blob's modification time to now under its lock; ``False`` when there is none.

    ``False`` also when the sweeper removed it while this waited for the lock: the caller
    then stores its own copy.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink == 0:
            return False
        now = time.time_ns()
        os.utime(fd, ns=(now, now))
        return True
    finally:
        os.close(fd)  # also releases the lock


def _remove_if_older(path: Path, cutoff_ns: int) -> int | None:
    """Remove ``path`` if, under its lock, it is still older than ``cutoff_ns``; its size, or ``None``."""
    return _remove_unless(path, lambda stat: stat.st_mtime_ns >= cutoff_ns)


def _remove_unless(path: Path, keep: Callable[[os.stat_result], bool]) -> int | None:
    """Remove ``path`` unless, under its lock, ``keep`` says otherwise; its size, or ``None``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        stat = os.fstat(fd)
        if stat.st_nlink == 0 or keep(stat):
            return None
        try:
            if os.stat(path).st_ino != stat.st_ino:
                return None  # replaced by a new copy meanwhile
            os.unlink(path)
        except FileNotFoundError:
            return None
        return stat.st_size
    finally:
        os.close(fd)


class FilesystemStore:
    """A ``FileStore`` in a folder: ``<root>/<first two hex digits>/<digest>``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        #: Blobs this process created with ``put_file``, with the modification time it gave
        #: them (the newest ``REMEMBERED_CREATIONS``), for ``discard_new``.
        self._created: OrderedDict[str, int] = OrderedDict()
        self._created_lock = threading.Lock()

    def _path(self, key: str) -> Path:
        if not _is_key(key):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if _touch_existing(path):
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so that a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return key

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    @property
    def staging_dir(self) -> Path:
        """Where uploads are written while they arrive (same file system, so moves are atomic)."""
        return self.root / STAGING

    @property
    def documents_dir(self) -> Path:
        """The rendered-document cache (not blobs: never swept as orphans, see ``expire_documents``)."""
        return self.root / DOCUMENTS

    def new_staging_file(self) -> Path:
        """A new, empty file in the staging folder for an upload in progress."""
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.staging_dir, prefix="upload-")
        os.close(fd)
        return Path(tmp)

    def put_file(self, staged: Path, key: str) -> bool:
        """Move the staged file ``staged`` (whose SHA-256 is ``key``) into the store.

        Returns whether this call created the blob (``False``: it was stored already, its
        modification time is now reset so that the sweeper keeps it until the new row
        commits, and the staged file was removed). A new blob's modification time is the
        moment it entered the store: the sweeper's grace period counts from there.
        """
        path = self._path(key)
        for _ in range(3):
            if _touch_existing(path):
                staged.unlink(missing_ok=True)
                return False
            path.parent.mkdir(parents=True, exist_ok=True)
            now = time.time_ns()
            os.utime(staged, ns=(now, now))
            try:
                # Only where there is no blob: of concurrent uploads of the same content one
                # creates it and the others touch it, so that ``discard_new`` of a failed
                # creator sees that another upload uses the blob.
                os.link(staged, path)
            except FileExistsError:
                continue  # another upload was first: touch its blob
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise
                os.replace(staged, path)  # a file system without hard links
            else:
                staged.unlink(missing_ok=True)
            with self._created_lock:
                self._created[key] = now
                self._created.move_to_end(key)
                while len(self._created) > REMEMBERED_CREATIONS:
                    self._created.popitem(last=False)
            return True
        raise FileExistsError(f"could not store {key}: it kept appearing and disappearing")

    def discard_new(self, key: str) -> bool:
        """Remove a blob that ``put_file`` created in this process, for a request that failed.

        Kept (``False``) when another upload of the same content touched it since: that
        upload's row may be about to commit, and if it never does the sweeper removes the
        blob after the grace period. Kept also when this process did not create it (or has
        forgotten it): the sweeper decides then too.
        """
        with self._created_lock:
            stamp = self._created.pop(key, None)
        if stamp is None:
            return False
        return _remove_unless(self._path(key), lambda stat: stat.st_mtime_ns != stamp) is not None

    def delete(self, key: str) -> None:
        """Remove the blob stored under ``key`` (nothing happens when there is none)."""
        self._path(key).unlink(missing_ok=True)

    # ----------------------------------------------------------------------------------
    # Sweeping
    # ----------------------------------------------------------------------------------

    def blobs(self) -> Iterator[tuple[str, os.stat_result]]:
        """Every stored blob, as (key, stat)."""
        for folder in _entries(self.root):
            if folder.is_dir() and _is_prefix(folder.name):
                for entry in _entries(folder):
                    if _is_key(entry.name) and entry.name.startswith(folder.name):
                        stat = _stat(entry)
                        if stat is not None:
                            yield entry.name, stat

    def scan(self, cutoff_ns: int) -> StoreScan:
        """What a sweep with this cutoff would look at (nothing is changed)."""
        scan = StoreScan()
        for folder in _entries(self.root):
            if folder.name == DOCUMENTS:
                continue
            if folder.name == STAGING and folder.is_dir():
                for entry in _entries(folder):
                    _sort_scratch(scan, entry, cutoff_ns, f"{STAGING}/{entry.name}")
            elif _is_prefix(folder.name) and folder.is_dir():
                for entry in _entries(folder):
                    relative = f"{folder.name}/{entry.name}"
                    if _is_key(entry.name) and entry.name.startswith(folder.name):
                        stat = _stat(entry)
                        if stat is None:
                            continue
                        if stat.st_mtime_ns < cutoff_ns:
                            scan.old_blobs.add(entry.name)
                        else:
                            scan.recent_blobs.append(entry.name)
                    else:
                        # put()'s temporary files, left by a crash between write and rename.
                        _sort_scratch(scan, entry, cutoff_ns, relative)
            else:
                scan.unknown.append(folder.name)
        return scan

    def remove_if_older(self, relative: str, cutoff_ns: int) -> int | None:
        """Remove ``<root>/<relative>`` if it is still older than ``cutoff_ns`` (under its lock).

        Returns the bytes freed, or ``None`` when it was kept (touched since, or gone).
        """
        return _remove_if_older(self.root / relative, cutoff_ns)

    def expire_documents(
        self, cutoff_ns: int, scratch_cutoff_ns: int, *, dry_run: bool = False
    ) -> SweepResult:
        """Remove cached documents last read before ``cutoff_ns``, and temporary files of the
        cache older than ``scratch_cutoff_ns``."""
        result = SweepResult()
        for entry in _entries(self.documents_dir):
            stat = _stat(entry)
            if stat is None or not entry.is_file():
                continue
            is_document = entry.suffix == ".pdf"
            limit = cutoff_ns if is_document else scratch_cutoff_ns
            if stat.st_mtime_ns >= limit:
                continue
            relative = f"{DOCUMENTS}/{entry.name}"
            freed = 0 if dry_run else self.remove_if_older(relative, limit)
            if freed is not None:
                (result.expired_documents if is_document else result.removed_temporary).append(relative)
                result.freed_bytes += freed
        return result


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _sort_scratch(scan: StoreScan, entry: Path, cutoff_ns: int, relative: str) -> None:
    stat = _stat(entry)
    if stat is None:
        return
    if not entry.is_file():
        scan.unknown.append(relative)
    elif stat.st_mtime_ns < cutoff_ns:
        (scan.stale_staging if relative.startswith(STAGING + "/") else scan.stale_temporary).append(relative)


@dataclass
class StoreScan:
    """The store as a sweep found it (before asking the database)."""

    #: Blobs older than the cutoff: removed unless a row references them.
    old_blobs: set[str] = field(default_factory=set)
    #: Blobs younger than the cutoff (uploads in flight, or just referenced): kept.
    recent_blobs: list[str] = field(default_factory=list)
    #: Staging files older than the cutoff (uploads that never finished).
    stale_staging: list[str] = field(default_factory=list)
    #: Other files in the blob folders older than the cutoff (``put``'s temporary files).
    stale_temporary: list[str] = field(default_factory=list)
    #: Entries the sweep does not know; left alone.
    unknown: list[str] = field(default_factory=list)


@dataclass
class SweepResult:
    """What a sweep removed and kept (paths relative to the store's folder)."""

    removed_blobs: list[str] = field(default_factory=list)
    removed_staging: list[str] = field(default_factory=list)
    removed_temporary: list[str] = field(default_factory=list)
    expired_documents: list[str] = field(default_factory=list)
    #: Old blobs that rows reference.
    kept_referenced: int = 0
    #: Blobs no row references yet that are younger than the grace period (or were touched
    #: by a new upload of the same content while the sweep decided).
    kept_recent: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    freed_bytes: int = 0
    dry_run: bool = False

    @property
    def removed(self) -> list[str]:
        return [*self.removed_blobs, *self.removed_staging, *self.removed_temporary, *self.expired_documents]

    def merge(self, other: SweepResult) -> None:
        self.removed_temporary.extend(other.removed_temporary)
        self.expired_documents.extend(other.expired_documents)
        self.freed_bytes += other.freed_bytes

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        return (
            f"{verb} {len(self.removed_blobs)} orphan files, {len(self.removed_staging)} stale uploads, "
            f"{len(self.removed_temporary)} temporary files and {len(self.expired_documents)} cached "
            f"documents ({self.freed_bytes} bytes); kept {self.kept_referenced} referenced and "
            f"{len(self.kept_recent)} recent unreferenced files"
        )


def cached_document(directory: Path, key: str, render: Callable[[], bytes]) -> bytes:
    """The cached rendering ``<directory>/<key>.pdf``, rendered and stored when missing.

    A read refreshes the file's modification time (at most once per
    ``DOCUMENT_TOUCH_AFTER``), so the sweep's expiry counts from the last read; a file
    the sweep removed between the check and the read is rendered again.
    """
    path = directory / f"{key}.pdf"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        pass
    else:
        try:
            if time.time() - path.stat().st_mtime > DOCUMENT_TOUCH_AFTER.total_seconds():
                os.utime(path)
        except FileNotFoundError:
            pass
        return data
    data = render()
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return data
