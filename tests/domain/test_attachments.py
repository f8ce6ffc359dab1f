"""Attachment rules: the type comes from the content, file names are made safe."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from domain.attachments import DOCX, HEIC, JPEG, PDF, PNG, TXT, XLSX, safe_filename, sniff_content_type
from domain.files import FilesystemStore

DOCX_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/></Types>'
)
XLSX_TYPES = DOCX_TYPES.replace("/word/document.xml", "/xl/workbook.xml").replace(
    "wordprocessingml.document.main", "spreadsheetml.sheet.main"
)


def office(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def heif(major: bytes, *compatible: bytes) -> bytes:
    brands = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(brands)).to_bytes(4, "big") + b"ftyp" + brands + b"\x00" * 64


CASES = {
    "pdf": (b"%PDF-1.7\n1 0 obj\n%%EOF\n", PDF),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", PNG),
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", JPEG),
    "heic": (heif(b"heic", b"mif1", b"heic"), HEIC),
    "heic as mif1": (heif(b"mif1", b"mif1", b"heix"), HEIC),
    "avif": (heif(b"avif", b"mif1", b"miaf"), None),
    "utf-8 text": ("Mittarin lukema 12 345 kWh – ääkköset\r\n\tok".encode(), TXT),
    "text with BOM": (b"\xef\xbb\xbfhello", TXT),
    "latin-1 text": ("lukema ääni".encode("latin-1"), None),
    "text with NUL": (b"hello\x00world", None),
    "ELF executable": (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, None),
    "Windows executable": (b"MZ\x90\x00\x03" + b"\x00" * 60, None),
    "empty": (b"", None),
    "docx": (office({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": "<w/>"}), DOCX),
    "xlsx": (office({"[Content_Types].xml": XLSX_TYPES, "xl/workbook.xml": "<wb/>"}), XLSX),
    "docm (macros)": (
        office(
            {
                "[Content_Types].xml": DOCX_TYPES.replace(
                    "document.main+xml", "document.macroEnabled.main+xml"
                ),
                "word/document.xml": "<w/>",
                "word/vbaProject.bin": "x",
            }
        ),
        None,
    ),
    "plain zip": (office({"readme.txt": "hi"}), None),
    "docx types without the document": (office({"[Content_Types].xml": DOCX_TYPES}), None),
    "broken zip": (b"PK\x03\x04" + b"\x00" * 40, None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_type_is_decided_from_the_content(tmp_path: Path, name: str) -> None:
    data, expected = CASES[name]
    path = tmp_path / "upload"
    path.write_bytes(data)
    assert sniff_content_type(path) == expected


@pytest.mark.parametrize(
    ("given", "content_type", "expected"),
    [
        ("lasku.pdf", PDF, "lasku.pdf"),
        ("Lasku.PDF", PDF, "Lasku.PDF"),
        ("../../etc/passwd", TXT, "passwd.txt"),
        ("C:\\Users\\maija\\kuva.jpg", JPEG, "kuva.jpg"),
        ("kuva.jpg", PNG, "kuva.jpg.png"),
        ("evil\u202egpj.exe", PDF, "evilgpj.exe.pdf"),
        ('a<b>:"c|?*.txt', TXT, "abc.txt"),
        ("...", PDF, "liite.pdf"),
        (None, PNG, "liite.png"),
        ("  .hidden.docx ", DOCX, "hidden.docx"),
        ("x" * 300 + ".xlsx", XLSX, "x" * 115 + ".xlsx"),
        ("line\nbreak\r.pdf", PDF, "linebreak.pdf"),
    ],
)
def test_file_names_are_made_safe(given: str | None, content_type: str, expected: str) -> None:
    assert safe_filename(given, content_type) == expected


def test_staged_files_move_into_the_store_once(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    key = store.put(b"already here")
    staged = store.new_staging_file()
    staged.write_bytes(b"already here")
    assert store.put_file(staged, key) is False
    assert not staged.exists()
    staged = store.new_staging_file()
    staged.write_bytes(b"new")
    new_key = store.put(b"new")  # computes the same key
    store.delete(new_key)
    assert store.put_file(staged, new_key) is True
    assert store.get(new_key) == b"new"
    store.delete(new_key)
    assert not store.exists(new_key)
    assert list(store.staging_dir.iterdir()) == []
