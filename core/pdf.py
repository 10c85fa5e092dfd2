"""Every PDF the service writes goes through here: tagged PDF/UA-1, so screen readers get the
headings, tables and reading order, with the document's title and language set.

The HTML must say its language (``<html lang="en-GB">``) and have a ``<title>``: PDF/UA needs
both, and a document without them is refused here rather than written untagged."""

from __future__ import annotations

PDF_VARIANT = "pdf/ua-1"


class UntitledDocumentError(ValueError):
    """The HTML had no <title> or no lang attribute, so the PDF could not be accessible."""


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    document = HTML(string=html).render(pdf_variant=PDF_VARIANT)
    if not (document.metadata.title or "").strip():
        raise UntitledDocumentError("A PDF needs a <title>: it is the document's name in a reader.")
    if not (document.metadata.lang or "").strip():
        raise UntitledDocumentError('A PDF needs <html lang="...">: a screen reader reads it in that language.')
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
