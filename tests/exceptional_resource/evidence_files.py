"""Small real files of each allowed type, and the bad ones the upload checks must refuse."""

from __future__ import annotations

import io
import zipfile

import openpyxl

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
# A Windows executable's headers: MZ, then the PE signature where e_lfanew points.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00"
EXE += b"\x00" * 64 + b"PE\x00\x00L\x01" + b"\x00" * 200
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _package(parts: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for part in parts:
            package.writestr(part, "<x/>")
    return buffer.getvalue()


DOCX = _package(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
PLAIN_ZIP = _package(["notes.txt"])


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "Provision"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class EicarScanner:
    """A virus-scan hook for tests: finds the EICAR test string."""

    def scan(self, data: bytes, *, name: str) -> str | None:
        return "Eicar-Test-Signature" if EICAR in data else None
