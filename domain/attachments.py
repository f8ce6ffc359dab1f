"""Rules for message attachments (SPEC 8): limits, the type decided from the content, file names.

The type of a file is decided from its bytes, never from its name or the content type
the client claims: PDF, PNG, JPEG and HEIC by their signatures, DOCX and XLSX as ZIP
archives whose ``[Content_Types].xml`` names the main part of a Word document or an
Excel workbook (macro-enabled variants are refused), and TXT as valid UTF-8 text without
NUL or other binary control characters. Anything else is refused.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from pathlib import Path

#: At most this many attachments per message.
MAX_ATTACHMENTS = 5
#: At most this many bytes per attachment (10 MB = 10 × 1024 × 1024 bytes).
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
#: Longest file name kept (characters, the extension included).
MAX_FILENAME_LENGTH = 120

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
HEIC = "image/heic"
TXT = "text/plain; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The allowed types and the file-name extensions that fit each (the first is the canonical one).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg", ".jpe"),
    HEIC: (".heic", ".heif"),
    TXT: (".txt", ".text", ".log", ".csv"),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
}

_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
#: ``[Content_Types].xml`` larger than this is not read (nor is any other member).
_MAX_CONTENT_TYPES_BYTES = 256 * 1024
_TEXT_CHUNK = 64 * 1024
#: C0 control characters that do not occur in text files (tab, LF, VT, FF and CR do).
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def _is_heic(head: bytes) -> bool:
    """An ISO base media file (``ftyp`` box) whose major or compatible brands are HEIF/HEVC."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(head[0:4], "big")
    if box_size < 16 or box_size > len(head):
        return False
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, box_size - 3, 4)}
    return bool(brands & _HEIC_BRANDS)


def _office_type(path: Path) -> str | None:
    """DOCX or XLSX when the ZIP holds the right main part; ``None`` for any other ZIP."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                return None
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_CONTENT_TYPES_BYTES or info.flag_bits & 0x1:
                return None
            content_types = archive.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, NotImplementedError, ValueError, RuntimeError):
        return None
    if "macroEnabled" in content_types or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    if _DOCX_MAIN in content_types and "word/document.xml" in names:
        return DOCX
    if _XLSX_MAIN in content_types and "xl/workbook.xml" in names:
        return XLSX
    return None


def _is_text(path: Path) -> bool:
    """Valid UTF-8 (a BOM allowed) with no NUL or other binary control characters."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_TEXT_CHUNK):
                if _BINARY_CONTROLS.search(decoder.decode(chunk)):
                    return False
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_content_type(path: Path) -> str | None:
    """The allowed content type of the file at ``path`` decided from its bytes, or ``None``."""
    with path.open("rb") as fh:
        head = fh.read(512)
    if not head:
        return None
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if _is_heic(head):
        return HEIC
    if head.startswith(b"PK\x03\x04"):
        return _office_type(path)
    if _is_text(path):
        return TXT
    return None


_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069]')
_SPACES = re.compile(r"\s+")
_DEFAULT_STEM = "liite"


def safe_filename(name: str | None, content_type: str) -> str:
    """A file name safe to show and to offer for download, ending in an extension of its type.

    Folders are dropped, control, bidirectional-override and reserved characters removed,
    leading dots and spaces stripped and the length capped; when the extension does not fit
    the type decided from the content, the type's own extension is added.
    """
    raw = unicodedata.normalize("NFC", name or "")
    raw = re.split(r"[\\/]", raw)[-1]
    cleaned = _SPACES.sub(" ", _UNSAFE.sub("", raw)).strip().lstrip(". ").rstrip(". ")
    stem, dot, extension = cleaned.rpartition(".")
    if not dot:
        stem, extension = cleaned, ""
    allowed = EXTENSIONS.get(content_type, ("",))
    if f".{extension.lower()}" in allowed:
        extension = f".{extension}"
    else:
        stem, extension = cleaned, allowed[0]
    stem = stem.strip() or _DEFAULT_STEM
    stem = stem[: MAX_FILENAME_LENGTH - len(extension)].rstrip(". ") or _DEFAULT_STEM
    return stem + extension
