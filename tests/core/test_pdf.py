"""Every PDF is written by core.pdf.html_to_pdf as tagged PDF/UA-1 with a title and language."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.pdf import UntitledDocumentError, html_to_pdf
from tests.core.pdf_support import assert_tagged_pdf

ROOT = Path(__file__).resolve().parents[2]
PAGE = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Decision letter – case C-1</title></head>
<body><h1>Decision letter</h1><table><caption>Payments</caption><tr><th scope="col">Due</th></tr>
<tr><td>1 May 2027</td></tr></table></body></html>"""


def test_a_pdf_is_tagged_with_its_title_and_language() -> None:
    assert_tagged_pdf(html_to_pdf(PAGE), title_contains="Decision letter – case C-1")


@pytest.mark.parametrize(
    ("html", "missing"),
    [
        (PAGE.replace("<title>Decision letter – case C-1</title>", ""), "<title>"),
        (PAGE.replace(' lang="en-GB"', ""), "lang"),
    ],
)
def test_a_document_without_a_title_or_language_is_refused(html: str, missing: str) -> None:
    with pytest.raises(UntitledDocumentError, match=missing):
        html_to_pdf(html)


def test_no_module_writes_a_pdf_except_through_core_pdf() -> None:
    """WeasyPrint's write_pdf() is called in one place, so no PDF escapes untagged."""
    callers = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "tests", "node_modules"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "write_pdf":
                callers.append(str(path.relative_to(ROOT)))
    assert callers == ["core/pdf.py"]
