"""Streaming a formula-safe CSV: the one copy every page, API and report uses.

Cells go through ``defusedcsv``, which neutralises a leading ``= + - @`` (and tab, carriage
return, ``|`` and ``%``) with an apostrophe so a spreadsheet never runs text a person typed as
a formula, and leaves numbers as numbers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from defusedcsv import csv
from django.http import StreamingHttpResponse

from core.tenancy import tenant_context

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody


class _Echo:
    """A file-like object whose ``write`` returns the line, so the writer yields text."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """``header`` then each of ``rows`` as one CSV line of text, formula-safe."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def _in_context(tenant: ResponsibleBody, lines: Iterable[str]) -> Iterator[str]:
    # A streamed response is iterated after the view returned, outside its tenant context.
    with tenant_context(tenant):
        yield from lines


def csv_response(
    lines: Iterable[str], *, filename: str, tenant: ResponsibleBody | None = None
) -> StreamingHttpResponse:
    """Stream ``lines`` as a CSV attachment; with ``tenant``, iterate inside its context."""
    response = StreamingHttpResponse(
        _in_context(tenant, lines) if tenant is not None else lines, content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
