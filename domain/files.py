"""File storage for attachments and generated documents, addressed by content hash."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


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


class FilesystemStore:
    """A ``FileStore`` in a folder: ``<root>/<first two hex digits>/<digest>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so that a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return key

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.exists() else None

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    @property
    def staging_dir(self) -> Path:
        """Where uploads are written while they arrive (same file system, so moves are atomic)."""
        return self.root / "staging"

    def new_staging_file(self) -> Path:
        """A new, empty file in the staging folder for an upload in progress."""
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.staging_dir, prefix="upload-")
        os.close(fd)
        return Path(tmp)

    def put_file(self, staged: Path, key: str) -> bool:
        """Move the staged file ``staged`` (whose SHA-256 is ``key``) into the store.

        Returns whether this call created the blob (``False``: it was stored already and
        the staged file was removed).
        """
        path = self._path(key)
        if path.exists():
            staged.unlink(missing_ok=True)
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, path)
        return True

    def delete(self, key: str) -> None:
        """Remove the blob stored under ``key`` (nothing happens when there is none)."""
        self._path(key).unlink(missing_ok=True)
