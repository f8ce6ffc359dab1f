"""Attachments of a message on their way in: uploads streamed into staging files and checked,
and the clean-up when the message fails (steps 2 and 4 of ``resolvers.messages``).

Every upload is streamed in chunks into a staging file of the file store while its size is
counted (more than ``MAX_ATTACHMENT_BYTES`` stops the reading at once) and its SHA-256
computed; its type is then decided from its content and its name sanitised. When the message
fails, the staging files are removed, and so is every blob the request created unless an
attachment row uses the same content (``remove_orphans``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import select

from domain.attachments import MAX_ATTACHMENT_BYTES, safe_filename, sniff_content_type
from domain.files import FilesystemStore
from domain.messages import Attachment
from resolvers.auth import FieldError, field_error
from resolvers.context import Context

#: Uploads are read in pieces of this size.
CHUNK_BYTES = 256 * 1024


class UploadedFile(Protocol):
    """What an upload gives (Starlette's ``UploadFile``)."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


@dataclass
class StagedFile:
    """An upload written to the staging folder, checked and named."""

    path: Path
    sha256: str
    size: int
    filename: str
    content_type: str


def file_store(ctx: Context) -> FilesystemStore:
    if ctx.files is None:
        raise RuntimeError("the context has no file store")
    return ctx.files


async def _stage(
    ctx: Context, store: FilesystemStore, upload: UploadedFile, index: int
) -> StagedFile | FieldError:
    """Stream one upload into a staging file; refuse it (and remove the file) when it does not pass."""
    path = ["attachments", str(index)]
    staged = await asyncio.to_thread(store.new_staging_file)
    keep = False
    try:
        seek = getattr(upload, "seek", None)
        if seek is not None:
            await seek(0)
        digest = hashlib.sha256()
        size = 0
        with staged.open("wb") as fh:
            while chunk := await upload.read(CHUNK_BYTES):
                size += len(chunk)
                if size > MAX_ATTACHMENT_BYTES:
                    return field_error(
                        ctx.language,
                        path,
                        "ATTACHMENT_TOO_LARGE",
                        "attachment.too_large",
                        mb=MAX_ATTACHMENT_BYTES // (1024 * 1024),
                    )
                digest.update(chunk)
                await asyncio.to_thread(fh.write, chunk)
        if size == 0:
            return field_error(ctx.language, path, "UNSUPPORTED_FILE_TYPE", "attachment.empty")
        content_type = await asyncio.to_thread(sniff_content_type, staged)
        if content_type is None:
            return field_error(ctx.language, path, "UNSUPPORTED_FILE_TYPE", "attachment.unsupported_type")
        keep = True
        return StagedFile(
            staged, digest.hexdigest(), size, safe_filename(upload.filename, content_type), content_type
        )
    finally:
        if not keep:
            staged.unlink(missing_ok=True)


async def stage_all(
    ctx: Context, store: FilesystemStore, uploads: Sequence[UploadedFile]
) -> tuple[list[StagedFile], list[FieldError]]:
    staged: list[StagedFile] = []
    errors: list[FieldError] = []
    try:
        for index, upload in enumerate(uploads):
            result = await _stage(ctx, store, upload, index)
            if isinstance(result, FieldError):
                errors.append(result)
            else:
                staged.append(result)
    except BaseException:
        discard(staged)
        raise
    if errors:
        discard(staged)
        return [], errors
    return staged, []


def discard(staged: Sequence[StagedFile]) -> None:
    for item in staged:
        item.path.unlink(missing_ok=True)


async def remove_orphans(ctx: Context, store: FilesystemStore, created: Sequence[str]) -> None:
    """Remove blobs this request created, unless an attachment row uses the same content."""
    if not created:
        return
    try:
        async with ctx.sessions() as db:
            used = set(
                (await db.execute(select(Attachment.sha256).where(Attachment.sha256.in_(created)))).scalars()
            )
    except Exception:
        # The database is down (the usual reason the message failed): the blobs stay, and
        # the file sweeper removes them once no row references them (domain.files).
        logging.getLogger("energy_portal.files").warning(
            "could not check %d new files against the database; left to the file sweeper", len(created)
        )
        return
    for key in set(created) - used:
        # Not if another upload of the same content stored it again since (its row may be
        # about to commit): the sweeper removes it later if no row ever references it.
        await asyncio.to_thread(store.discard_new, key)
