"""Reading DfE's school-level census file: pupils on roll, EHC plans and SEN support by URN.

The file is the school performance tables "census" download (``YYYY-YYYY_england_census.csv``),
one row per school. Columns are found by header name; the ones used are

- ``URN``; ``NOR`` (pupils on roll); ``TSENELSE`` (pupils with an EHC plan);
  ``TSENELK`` (pupils on SEN support); ``SCHOOLTYPE`` and ``LA`` when present.

``NA`` (and an empty value) means suppressed or not applicable and is stored as null. The
national total rows (``URN`` = ``NAT``) are skipped and counted. A row is rejected, with its
physical line number (the header is line 1), for a URN that is not a whole number or is
repeated, a count that is not a whole number or is negative, or EHC plan plus SEN support
pupils that add up to more than the pupils on roll. This module reads and validates only;
``groupings.census_services`` writes."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from core.text import ascii_digits
from groupings.gias import (
    MAX_INTEGER,
    Column,
    GiasFileError,
    Layout,
    ParsedFile,
    Rejection,
    Row,
    _decoded_lines,
    _Invalid,
    _locate_columns,
    _text_of,
)
from groupings.models import SchoolCensus

NATIONAL_ROW = "NAT"
SUPPRESSED = frozenset({"", "NA", "N/A", "SUPP", "x", "c", "z", ":"})
_YEAR_IN_NAME = re.compile(r"(20\d\d)-(20\d\d)")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER_LIKE = re.compile(r"[+-]?\d+(?:\.\d*)?")


def _urn(raw: str) -> int:
    value = raw.strip()
    if not value:
        raise _Invalid("is empty")
    if not ascii_digits(value):
        raise _Invalid(f"'{value}' is not a URN (a whole number)")
    number = int(value)
    if number == 0 or number > MAX_INTEGER:
        raise _Invalid(f"{number} is not a URN")
    return number


def _count(raw: str) -> int | None:
    """A pupil count: a whole number of 0 or more, or null where suppressed (``NA``)."""
    value = raw.strip()
    if value in SUPPRESSED:
        return None
    if not _INTEGER.fullmatch(value):
        if _NUMBER_LIKE.fullmatch(value):
            raise _Invalid(f"'{value}' is not a whole number of pupils")
        raise _Invalid(f"'{value}' is not a number")
    number = int(value)
    if number < 0:
        raise _Invalid(f"{number} is negative")
    if number > MAX_INTEGER:
        raise _Invalid(f"{number} is more than {MAX_INTEGER}")
    return number


CENSUS = Layout(
    kind="SEN census",
    key_label="URN",
    key_fields=("urn",),
    columns=(
        Column("URN", "urn", _urn, required=True),
        Column("NOR", "pupils_total", _count, required=True),
        Column("TSENELSE", "ehc_plan_pupils", _count, required=True),
        Column("TSENELK", "sen_support_pupils", _count, required=True),
        Column("SCHOOLTYPE", "school_type", _text_of(SchoolCensus, "school_type")),
        Column("LA", "la_code", _text_of(SchoolCensus, "la_code")),
    ),
)


def academic_year_from_name(name: str) -> int | None:
    """2022 for ``2022-2023_england_census.csv``; None when the name holds no such years."""
    match = _YEAR_IN_NAME.search(name)
    if match is None or int(match[2]) != int(match[1]) + 1:
        return None
    return int(match[1])


def read_census(path: Path) -> ParsedFile:
    """Read and validate every row of a census file (UTF-8, with or without a byte-order
    mark, as DfE publishes it). Raises ``GiasFileError`` for a problem with the whole file;
    a bad row becomes a ``Rejection`` and reading goes on, so one run reports every bad row.
    National total rows are counted in ``skipped``."""
    with path.open("rb") as handle:
        reader = csv.reader(_decoded_lines(handle, codec="utf-8-sig", name=path.name), strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise GiasFileError(f"{path.name} is empty: there is no header line.") from None
        except csv.Error as exc:
            raise GiasFileError(f"{path.name}: the header line is not valid CSV ({exc}).") from None
        columns = _locate_columns(header, CENSUS, path.name)
        rows, rejections, national = _read_rows(reader, columns, width=len(header))
    return ParsedFile(
        source=path.name,
        kind=CENSUS.kind,
        key_label=CENSUS.key_label,
        fields=tuple(column.field for _, column in columns),
        rows=rows,
        rejections=rejections,
        skipped={"national total rows": national} if national else {},
    )


def _read_rows(reader: Any, columns: list[tuple[int, Column]], *, width: int) -> tuple[list[Row], list[Rejection], int]:
    key_index = columns[0][0]
    rows: list[Row] = []
    rejections: list[Rejection] = []
    first_seen: dict[int, int] = {}
    national = 0
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
            continue
        key = fields[key_index].strip() if key_index < len(fields) else ""
        if len(fields) != width:
            problem = "the line is cut short" if len(fields) < width else "a value has an unquoted comma?"
            rejections.append(
                Rejection(line, key, f"has {len(fields)} fields where the header has {width} ({problem})")
            )
            continue
        if key == NATIONAL_ROW:
            national += 1
            continue
        values: dict[str, Any] = {}
        problems: list[str] = []
        for index, column in columns:
            try:
                values[column.field] = column.parse(fields[index])
            except _Invalid as exc:
                problems.append(f"{column.header} {exc}")
        if not problems:
            problems.extend(_inconsistencies(values))
        if problems:
            rejections.append(Rejection(line, key, "; ".join(problems)))
            continue
        if values["urn"] in first_seen:
            rejections.append(Rejection(line, key, f"the same URN is also on line {first_seen[values['urn']]}"))
            continue
        first_seen[values["urn"]] = line
        rows.append(Row(line, values))
    return rows, rejections, national


def _inconsistencies(values: dict[str, Any]) -> list[str]:
    total, ehc, support = values["pupils_total"], values["ehc_plan_pupils"], values["sen_support_pupils"]
    if total is None or (ehc or 0) + (support or 0) <= total:
        return []
    return [f"TSENELSE {ehc} plus TSENELK {support} is more than NOR {total} (the pupils on roll)"]
