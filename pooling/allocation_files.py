"""Reading DfE per-school allocation files (CSV or Excel) into rows a person can check.

DfE publishes allocations as one row a school: a URN column and one or more amount
columns, with headers that change from year to year. So the file is read as a table of
text, the person picks the URN and amount columns from its headers, and every row is
checked before anything is written: unknown URNs are checked against the register by the
service (``pooling.services.contributions``), everything else here. Line numbers are the
file's own (the header is line 1 of a CSV; a spreadsheet's row numbers for Excel), so a
person can find each problem in the file they have open.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import magic
from django.conf import settings
from django.core.files import File

from core.errors import ApplicationError
from core.money import parse_pounds
from core.text import ascii_digits
from core.uploads import validate_upload
from pooling.error_codes import PoolingError

ALLOCATION_FILE_TYPES = frozenset({"csv", "xlsx"})
# A header row is looked for this far down (DfE spreadsheets put titles above it).
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Table:
    """A file's header and rows, as text. ``rows`` holds (line number, cells by column)."""

    name: str
    sha256: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]

    def column(self, header: str) -> int:
        return self.headers.index(header)


@dataclass(frozen=True)
class Problem:
    """One reason a row cannot be imported."""

    line: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value, "message": self.message}


@dataclass(frozen=True)
class AllocationRow:
    line: int
    urn: int
    amount_pence: int


def _scan(data: bytes, *, name: str, field: str) -> None:
    from core.uploads import _scanner

    if _scanner().scan(data, name=name):
        raise ApplicationError("The selected file contains a virus.", code=PoolingError.FILE_INFECTED, field=field)


def _check_csv(upload: File, *, field: str) -> tuple[str, bytes]:
    """The checks ``validate_upload`` makes, for CSV (not among its types)."""
    original = PurePath(upload.name or "").name
    size = upload.size or 0
    if size == 0:
        raise ApplicationError("The selected file is empty.", code=PoolingError.FILE_EMPTY, field=field)
    if size > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(
            f"The selected file must be smaller than {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB.",
            code=PoolingError.FILE_TOO_LARGE,
            field=field,
        )
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    content_type = magic.from_buffer(data[:8192], mime=True)
    # libmagic names CSV variously (text/csv, text/plain…): any text without NUL bytes will do.
    if not (content_type.startswith("text/") or content_type == "application/csv") or b"\x00" in data[:8192]:
        raise ApplicationError(
            "The selected file is not really a CSV file.", code=PoolingError.FILE_CONTENT_MISMATCH, field=field
        )
    _scan(data, name=original, field=field)
    return original[:200], data


def read_upload(upload: File, *, field: str = "file") -> tuple[Table, bytes]:
    """Check an uploaded allocation file and read it. Returns the table and the file's bytes
    (to keep between the steps of the import journey)."""
    extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
    if extension not in ALLOCATION_FILE_TYPES:
        raise ApplicationError(
            "The selected file must be a CSV or an Excel (XLSX) file.",
            code=PoolingError.FILE_TYPE_NOT_ALLOWED,
            field=field,
        )
    if extension == "csv":
        name, data = _check_csv(upload, field=field)
    else:
        name = validate_upload(upload, allowed=frozenset({"xlsx"}), field=field).name
        upload.seek(0)
        data = b"".join(upload.chunks())
        upload.seek(0)
    return read_bytes(data, name=name, field=field), data


def read_bytes(data: bytes, *, name: str, field: str = "file") -> Table:
    """Read a CSV or XLSX file's bytes (already checked) into a table of text."""
    extension = PurePath(name).suffix.lower().lstrip(".")
    raw_rows = _xlsx_rows(data, field=field) if extension == "xlsx" else _csv_rows(data, field=field)
    header_at = _header_index(raw_rows)
    if header_at is None:
        raise ApplicationError(
            "The selected file has no header row.", code=PoolingError.FILE_HAS_NO_HEADER, field=field
        )
    _, header_cells = raw_rows[header_at]
    headers = _headers(header_cells)
    width = len(headers)
    # Cells beyond the last header are ignored; short rows are padded with blanks.
    rows = [(line, [*cells, *[""] * width][:width]) for line, cells in raw_rows[header_at + 1 :]]
    return Table(name=name, sha256=hashlib.sha256(data).hexdigest(), headers=headers, rows=rows)


def _decode(data: bytes, *, field: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(
        "The selected file is not readable text: save it as CSV (UTF-8).", code=PoolingError.FILE_NOT_TEXT, field=field
    )


def _csv_rows(data: bytes, *, field: str) -> list[tuple[int, list[str]]]:
    text = _decode(data, field=field)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise ApplicationError(
            f"Line {reader.line_num} of the file cannot be read as CSV ({exc}).",
            code=PoolingError.FILE_NOT_CSV,
            field=field,
        ) from exc
    return rows


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person sees (numbers without float artefacts)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(data: bytes, *, field: str) -> list[tuple[int, list[str]]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ApplicationError(
            "The selected file cannot be read as an Excel workbook.", code=PoolingError.FILE_NOT_XLSX, field=field
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            rows.append((number, cells))
    finally:
        workbook.close()
    return rows


def _header_index(rows: list[tuple[int, list[str]]]) -> int | None:
    """The row naming a URN column among the first rows, else the first non-empty row."""
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(c.strip().lower() == "urn" for c in cells):
            return i
    for i, (_, cells) in enumerate(rows):
        if any(cells):
            return i
    return None


def _headers(cells: list[str]) -> list[str]:
    """Header names made unique and readable: blanks become "Column 3", repeats "Name (2)"."""
    while cells and cells[-1] == "":
        cells = cells[:-1]
    headers: list[str] = []
    for i, cell in enumerate(cells, start=1):
        name = cell.strip()[:120] or f"Column {i}"
        candidate, n = name, 2
        while candidate in headers:
            candidate = f"{name} ({n})"[:120]
            n += 1
        headers.append(candidate)
    return headers


def guess_columns(headers: list[str]) -> tuple[str, str]:
    """The columns most likely meant: one named URN, and a total allocation or IMF column."""
    lowered = [h.lower() for h in headers]
    urn = next((h for h, low in zip(headers, lowered, strict=True) if low == "urn"), "")
    preferences = (
        lambda low: "imf" in low or "inclusive mainstream" in low,
        lambda low: "total" in low and "allocation" in low,
        lambda low: "allocation" in low,
    )
    for wanted in preferences:
        found = [h for h, low in zip(headers, lowered, strict=True) if wanted(low)]
        if found:
            return urn, found[-1]
    return urn, ""


def parse_allocations(
    table: Table, *, urn_column: str, amount_column: str
) -> tuple[list[AllocationRow], list[Problem]]:
    """Every row's URN and amount in pence, and every problem with its line number.

    Entirely blank rows are skipped; a row with a blank URN or amount is a problem. Amounts
    are pounds ("£14,000", "14000.5", "14000.50"): no negatives, no more than 2 decimals."""
    urn_column, amount_column = resolve_columns(table, urn_column=urn_column, amount_column=amount_column)
    u, a = table.column(urn_column), table.column(amount_column)
    rows: list[AllocationRow] = []
    problems: list[Problem] = []
    first_line: dict[int, int] = {}
    for line, cells in table.rows:
        if not any(cells):
            continue
        urn_text, amount_text = cells[u], cells[a]
        urn: int | None = None
        if not urn_text:
            problems.append(Problem(line, urn_column, "", "The URN is empty."))
        elif not ascii_digits(urn_text) or not 0 < int(urn_text) < 2**31:
            problems.append(Problem(line, urn_column, urn_text, f"“{urn_text}” is not a URN (a whole number)."))
        else:
            urn = int(urn_text)
            if urn in first_line:
                problems.append(
                    Problem(line, urn_column, urn_text, f"URN {urn} appears again (first on line {first_line[urn]}).")
                )
                urn = None
            else:
                first_line[urn] = line
        pence = _amount(line, amount_column, amount_text, problems)
        if urn is not None and pence is not None:
            rows.append(AllocationRow(line=line, urn=urn, amount_pence=pence))
    return rows, problems


def resolve_columns(table: Table, *, urn_column: str, amount_column: str) -> tuple[str, str]:
    """The file's own names for the chosen URN and amount columns (two different ones)."""
    urn_column = _resolve(table, urn_column, field="urn_column", what="the schools' URNs")
    amount_column = _resolve(table, amount_column, field="amount_column", what="the allocation amounts")
    if urn_column == amount_column:
        raise ApplicationError(
            "The URN and the amount must be different columns.", code=PoolingError.SAME_COLUMN, field="amount_column"
        )
    return urn_column, amount_column


def _normal(header: str) -> str:
    return re.sub(r"\s+", " ", header).strip().casefold()


def _resolve(table: Table, column: str, *, field: str, what: str) -> str:
    """The header named ``column``: exactly, or ignoring case and runs of spaces if that
    names one header only (an API client may not copy a header's double spaces)."""
    if column in table.headers:
        return column
    loose = [h for h in table.headers if _normal(h) == _normal(column)]
    if len(loose) == 1 and column.strip():
        return loose[0]
    raise ApplicationError(
        f"Choose the column with {what} from the file's headers.", code=PoolingError.UNKNOWN_COLUMN, field=field
    )


def _amount(line: int, column: str, text: str, problems: list[Problem]) -> int | None:
    if not text:
        problems.append(Problem(line, column, "", "The amount is empty."))
        return None
    try:
        pence = parse_pounds(text, allow_negative=True)
    except ValueError:
        cleaned = text.replace(",", "").replace("£", "").replace(" ", "")
        if re.fullmatch(r"-?\d+\.\d{3,}", cleaned):
            message = f"“{text}” has more than 2 decimal places: enter pounds and pence."
        else:
            message = f"“{text}” is not an amount in pounds."
        problems.append(Problem(line, column, text, message))
        return None
    if pence < 0:
        problems.append(Problem(line, column, text, f"“{text}” is negative: an allocation is 0 or more."))
        return None
    return pence
