"""What every PDF the service writes must carry, read back with pypdf: a tag tree (PDF/UA), the
"marked" flag, a language and a title shown in the reader's title bar."""

from __future__ import annotations

import io

from pypdf import PdfReader


def assert_tagged_pdf(content: bytes, *, title_contains: str) -> None:
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    tree = catalog["/StructTreeRoot"].get_object()
    assert tree["/Type"] == "/StructTreeRoot"
    kids = tree["/K"]
    assert kids, "the structure tree is empty"
    assert catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert str(catalog["/Lang"]) == "en-GB"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert title_contains in (reader.metadata.title or "")
    assert b'pdfuaid:part="1"' in _xmp(reader)


def _xmp(reader: PdfReader) -> bytes:
    metadata = reader.trailer["/Root"].get("/Metadata")
    return metadata.get_object().get_data() if metadata is not None else b""
