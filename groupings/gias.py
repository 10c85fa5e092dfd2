"""Reading school register files from GIAS (Get Information about Schools).

- ``read_establishments``: the native national extract, ``edubasealldataYYYYMMDD.csv``.
- ``read_links``: establishment links, ``links_edubasealldataYYYYMMDD.csv``.
- ``read_groups``: groups, ``allgroupsdata.csv`` (trusts are kept, other groups skipped).
- ``read_london_extract``: the derived London extract used for demo data.

These read and validate only; ``groupings.register_services`` writes. Columns are found
by header name, never by position, because GIAS adds and moves columns between years.
Line numbers are physical lines of the file (the header is line 1), so a reader can open
the file at the line a rejection names."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from django.db import models

from core.errors import ApplicationError
from core.text import ascii_digits
from groupings.error_codes import GroupingError
from groupings.models import School, SchoolLink, Trust

# Windows-1252 is what GIAS downloads are in; UTF-8 only on request.
DEFAULT_ENCODING = "cp1252"
ENCODINGS = {"cp1252": "cp1252", "windows-1252": "cp1252", "utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig"}

# GIAS group types that are trusts: the values `Trusts (code)` of a school can point at.
# Federations, sponsors and umbrella trusts have group records too, and are skipped.
TRUST_GROUP_TYPES = frozenset({"Multi-academy trust", "Single-academy trust", "Trust"})

MAX_INTEGER = 2_147_483_647  # PostgreSQL integer
MAX_AGE = 99
DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y")  # GIAS writes dd-mm-yyyy; Excel re-saves as dd/mm/yyyy
_WHOLE_NUMBER = re.compile(r"\d+(?:\.0+)?")  # '249.0' from a pandas or Excel round trip is 249
_PERCENTAGE = re.compile(r"\d+(?:\.\d+)?")
_HUNDREDTHS = Decimal("0.01")


class GiasFileError(ApplicationError):
    """The file as a whole cannot be read: wrong encoding, not CSV, required columns missing."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=GroupingError.GIAS_FILE_UNREADABLE)


@dataclass(frozen=True)
class Rejection:
    """A row that cannot be imported. ``key`` is the row's key as written in the file (the
    URN, or the Group UID in a groups file), empty when the row has none."""

    line: int
    key: str
    reason: str


@dataclass(frozen=True)
class Row:
    """One valid row: model field names to parsed values, for the columns the file has."""

    line: int
    values: dict[str, Any]


@dataclass(frozen=True)
class ParsedFile:
    """A whole file, read and validated. Import only if ``rejections`` is empty."""

    source: str
    kind: str
    key_label: str
    fields: tuple[str, ...]
    rows: list[Row]
    rejections: list[Rejection]
    skipped: dict[str, int] = field(default_factory=dict)


Parser = Callable[[str], Any]


class _Invalid(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    parse: Parser
    required: bool = False


@dataclass(frozen=True)
class Layout:
    kind: str
    key_label: str
    key_fields: tuple[str, ...]
    columns: tuple[Column, ...]


# --- Values ---------------------------------------------------------------------------------


def _text(max_length: int, *, not_empty: bool = False) -> Parser:
    def parse(raw: str) -> str:
        value = raw.strip()
        if not_empty and not value:
            raise _Invalid("is empty")
        if len(value) > max_length:
            raise _Invalid(f"is {len(value)} characters long; the register holds at most {max_length}")
        return value

    return parse


def _text_of(model: type[models.Model], name: str, *, not_empty: bool = False) -> Parser:
    """Text as long as the model's column allows, so an over-long value is a rejection and
    not a database error halfway through the import."""
    column = model._meta.get_field(name)
    assert isinstance(column, models.CharField)
    max_length = column.max_length
    assert max_length is not None
    return _text(max_length, not_empty=not_empty)


def _whole_number(maximum: int = MAX_INTEGER, *, not_empty: bool = False) -> Parser:
    def parse(raw: str) -> int | None:
        value = raw.strip()
        if not value:
            if not_empty:
                raise _Invalid("is empty")
            return None
        if not _WHOLE_NUMBER.fullmatch(value):
            raise _Invalid(f"'{value}' is not a whole number")
        number = int(value.split(".", 1)[0])
        if number > maximum:
            raise _Invalid(f"{number} is more than {maximum}")
        return number

    return parse


def _percentage(raw: str) -> Decimal | None:
    value = raw.strip()
    if not value:
        return None
    if not _PERCENTAGE.fullmatch(value):
        raise _Invalid(f"'{value}' is not a percentage")
    try:
        number = Decimal(value).quantize(_HUNDREDTHS)
    except InvalidOperation as exc:
        raise _Invalid(f"'{value}' is not a percentage") from exc
    if number > 100:
        raise _Invalid(f"{value} is more than 100")
    return number


def _date(raw: str) -> date | None:
    value = raw.strip()
    if not value:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise _Invalid(f"'{value}' is not a date (dd-mm-yyyy)")


def _companies_house_number(raw: str) -> str:
    """Eight characters; a spreadsheet may have dropped the leading zeros of a number."""
    value = raw.strip().upper()
    if ascii_digits(value) and len(value) < 8:
        value = value.zfill(8)
    if value and not (len(value) == 8 and value.isascii() and value.isalnum()):
        raise _Invalid(f"'{raw.strip()}' is not a Companies House number")
    return value


# --- Layouts (header names from the GIAS downloads) -----------------------------------------

ESTABLISHMENTS = Layout(
    kind="establishments",
    key_label="URN",
    key_fields=("urn",),
    columns=(
        Column("URN", "urn", _whole_number(not_empty=True), required=True),
        Column("EstablishmentName", "name", _text_of(School, "name", not_empty=True), required=True),
        Column("LA (code)", "la_code", _text_of(School, "la_code", not_empty=True), required=True),
        Column("TypeOfEstablishment (name)", "type_name", _text_of(School, "type_name"), required=True),
        Column("EstablishmentStatus (name)", "status", _text_of(School, "status"), required=True),
        Column("PhaseOfEducation (name)", "phase", _text_of(School, "phase"), required=True),
        Column("LA (name)", "la_name", _text_of(School, "la_name")),
        Column("EstablishmentNumber", "establishment_number", _text_of(School, "establishment_number")),
        Column("EstablishmentTypeGroup (name)", "type_group", _text_of(School, "type_group")),
        Column("StatutoryLowAge", "statutory_low_age", _whole_number(MAX_AGE)),
        Column("StatutoryHighAge", "statutory_high_age", _whole_number(MAX_AGE)),
        Column("NumberOfPupils", "number_of_pupils", _whole_number()),
        Column("PercentageFSM", "percentage_fsm", _percentage),
        Column("Trusts (code)", "trust_uid", _whole_number()),
        Column("Trusts (name)", "trust_name", _text_of(School, "trust_name")),
        Column("UKPRN", "ukprn", _whole_number()),
        Column("Postcode", "postcode", _text_of(School, "postcode")),
        Column("ResourcedProvisionCapacity", "resourced_provision_capacity", _whole_number()),
        Column("SenUnitCapacity", "sen_unit_capacity", _whole_number()),
        Column("OpenDate", "opened_on", _date),
        Column("CloseDate", "closed_on", _date),
    ),
)

LINKS = Layout(
    kind="links",
    key_label="URN",
    key_fields=("urn", "linked_urn", "link_type"),
    columns=(
        Column("URN", "urn", _whole_number(not_empty=True), required=True),
        Column("LinkURN", "linked_urn", _whole_number(not_empty=True), required=True),
        Column("LinkType", "link_type", _text_of(SchoolLink, "link_type", not_empty=True), required=True),
        Column("LinkName", "linked_name", _text_of(SchoolLink, "linked_name")),
        Column("LinkEstablishedDate", "established_on", _date),
    ),
)

GROUPS = Layout(
    kind="groups",
    key_label="Group UID",
    key_fields=("uid",),
    columns=(
        Column("Group UID", "uid", _whole_number(not_empty=True), required=True),
        Column("Group Name", "name", _text_of(Trust, "name", not_empty=True), required=True),
        Column("Group Type", "group_type", _text_of(Trust, "group_type"), required=True),
        Column("Companies House Number", "companies_house_number", _companies_house_number),
        Column("Group Status", "status", _text_of(Trust, "status")),
    ),
)


def read_establishments(path: Path, *, encoding: str = DEFAULT_ENCODING) -> ParsedFile:
    """The native ``edubasealldata`` extract, as School field values."""
    return read_file(path, ESTABLISHMENTS, encoding=encoding)


def read_links(path: Path, *, encoding: str = DEFAULT_ENCODING) -> ParsedFile:
    """The establishment links file, as SchoolLink field values."""
    return read_file(path, LINKS, encoding=encoding)


def read_groups(path: Path, *, encoding: str = DEFAULT_ENCODING) -> ParsedFile:
    """The groups file, as Trust field values; groups that are not trusts are counted in
    ``skipped`` by type."""
    parsed = read_file(path, GROUPS, encoding=encoding)
    trusts = [row for row in parsed.rows if row.values["group_type"] in TRUST_GROUP_TYPES]
    skipped: dict[str, int] = {}
    for row in parsed.rows:
        if row.values["group_type"] not in TRUST_GROUP_TYPES:
            label = row.values["group_type"] or "no type"
            skipped[label] = skipped.get(label, 0) + 1
    return replace(parsed, rows=trusts, skipped=skipped)


# --- Reading --------------------------------------------------------------------------------


def read_file(path: Path, layout: Layout, *, encoding: str = DEFAULT_ENCODING) -> ParsedFile:
    """Read and validate every row. Raises ``GiasFileError`` for a problem with the whole
    file; a problem with a row becomes a ``Rejection`` and reading goes on, so one run
    reports every bad row."""
    codec = ENCODINGS.get(encoding.lower())
    if codec is None:
        raise GiasFileError(f"Unsupported encoding '{encoding}': use cp1252 (the GIAS default) or utf-8.")
    with path.open("rb") as handle:
        reader = csv.reader(_decoded_lines(handle, codec=codec, name=path.name), strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise GiasFileError(f"{path.name} is empty: there is no header line.") from None
        except csv.Error as exc:
            raise GiasFileError(f"{path.name}: the header line is not valid CSV ({exc}).") from None
        columns = _locate_columns(header, layout, path.name)
        rows, rejections = _read_rows(reader, columns, layout, width=len(header))
    return ParsedFile(
        source=path.name,
        kind=layout.kind,
        key_label=layout.key_label,
        fields=tuple(column.field for _, column in columns),
        rows=rows,
        rejections=rejections,
    )


def _locate_columns(header: list[str], layout: Layout, name: str) -> list[tuple[int, Column]]:
    positions: dict[str, list[int]] = {}
    for index, title in enumerate(header):
        positions.setdefault(title.strip(), []).append(index)
    missing = [column.header for column in layout.columns if column.required and column.header not in positions]
    if missing:
        listed = ", ".join(f"'{title}'" for title in missing)
        raise GiasFileError(
            f"{name} is not a GIAS {layout.kind} file: the required column{'s' if len(missing) > 1 else ''} "
            f"{listed} {'are' if len(missing) > 1 else 'is'} missing. Nothing was imported."
        )
    repeated = [column.header for column in layout.columns if len(positions.get(column.header, ())) > 1]
    if repeated:
        raise GiasFileError(
            f"{name}: the column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)} "
            f"appear{'' if len(repeated) > 1 else 's'} twice. Nothing was imported."
        )
    return [(positions[column.header][0], column) for column in layout.columns if column.header in positions]


def _read_rows(
    reader: Any, columns: list[tuple[int, Column]], layout: Layout, *, width: int
) -> tuple[list[Row], list[Rejection]]:
    key_index = columns[0][0]
    rows: list[Row] = []
    rejections: list[Rejection] = []
    first_seen: dict[tuple[Any, ...], int] = {}
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rejections.append(Rejection(line, "", f"the CSV cannot be read from this line on ({exc})"))
            break
        if not fields:
            continue  # a blank line
        key = fields[key_index].strip() if key_index < len(fields) else ""
        if len(fields) != width:
            problem = "the line is cut short" if len(fields) < width else "a value has an unquoted comma?"
            reason = f"has {len(fields)} fields where the header has {width} ({problem})"
            rejections.append(Rejection(line, key, reason))
            continue
        values: dict[str, Any] = {}
        problems: list[str] = []
        for index, column in columns:
            try:
                values[column.field] = column.parse(fields[index])
            except _Invalid as exc:
                problems.append(f"{column.header} {exc}")
        if problems:
            rejections.append(Rejection(line, key, "; ".join(problems)))
            continue
        identity = tuple(values[name] for name in layout.key_fields)
        if identity in first_seen:
            what = layout.key_label if len(identity) == 1 else "link"
            rejections.append(Rejection(line, key, f"the same {what} is also on line {first_seen[identity]}"))
            continue
        first_seen[identity] = line
        rows.append(Row(line, values))
    return rows, rejections


def _decoded_lines(handle: BinaryIO, *, codec: str, name: str) -> Iterator[str]:
    """The file's physical lines as text, refusing an encoding that would garble names."""
    for number, raw in enumerate(handle, start=1):
        if number == 1:
            _check_start(raw, codec=codec, name=name)
            if raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
        if b"\x00" in raw:
            raise GiasFileError(
                f"{name} line {number} has NUL bytes: the file looks like UTF-16 or is not a text file. "
                "Re-save it as CSV in Windows-1252. Nothing was imported."
            )
        if raw.isascii():
            yield raw.decode("ascii")
        elif codec == "cp1252":
            yield _decode_cp1252(raw, number=number, name=name)
        else:
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise GiasFileError(
                    f"{name} line {number}, byte {exc.start + 1}, is not UTF-8. GIAS files are Windows-1252: "
                    "leave out --encoding (or pass --encoding cp1252). Nothing was imported."
                ) from None


def _check_start(raw: bytes, *, codec: str, name: str) -> None:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise GiasFileError(
            f"{name} is UTF-16 (it starts with a UTF-16 byte-order mark). Re-save it as CSV in "
            "Windows-1252 (or as 'CSV UTF-8' and pass --encoding utf-8). Nothing was imported."
        )
    if raw.startswith(b"PK\x03\x04"):
        raise GiasFileError(f"{name} is a zip file or Excel workbook, not CSV. Nothing was imported.")
    if codec == "cp1252" and raw.startswith(codecs.BOM_UTF8):
        raise GiasFileError(
            f"{name} looks like UTF-8 (it starts with a UTF-8 byte-order mark); re-save as Windows-1252 "
            "or pass --encoding utf-8. Nothing was imported."
        )


def _decode_cp1252(raw: bytes, *, number: int, name: str) -> str:
    try:
        as_utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # Non-ASCII bytes that happen to be valid UTF-8 are, in practice, UTF-8: Windows-1252
        # text would need an accented capital followed by a symbol such as a curly apostrophe to pass.
        sample = next(value for value in next(csv.reader([as_utf8])) if not value.isascii())
        garbled = sample.encode("utf-8").decode("cp1252", errors="replace")
        raise GiasFileError(
            f"{name} line {number} looks like UTF-8: read as Windows-1252, '{sample}' would become "
            f"'{garbled}'. Re-save as Windows-1252 or pass --encoding utf-8. Nothing was imported."
        )
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise GiasFileError(
            f"{name} line {number}, byte {exc.start + 1} (0x{raw[exc.start]:02X}), is not a Windows-1252 "
            "character: the file is in another encoding or damaged. Nothing was imported."
        ) from None


# --- The derived London extract (demo data) -------------------------------------------------


def _int(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    return int(float(value))


def read_london_extract(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of the derived London extract as School field values (floats like '4836.0' parsed)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {
                "urn": _int(row["urn"]),
                "name": row["school_name"].strip(),
                "la_code": row["la_code"].strip(),
                "la_name": row["la_name"].strip(),
                "type_name": row["school_type"].strip(),
                "phase": row["phase"].strip(),
                "postcode": row["postcode"].strip(),
                "trust_uid": _int(row["trust_code"]),
                "trust_name": row["trust_name"].strip(),
                "number_of_pupils": _int(row["pupil_count"]),
                "status": "Open",
            }
