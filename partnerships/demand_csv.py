"""Reading a forecast-demand CSV: validate every row, report every problem with its line
number, and write nothing unless the whole file is good (the service does the writing).

The file has a header row with the columns ``need``, ``phase``, ``year`` and ``pupils``
(any order, any case; other columns are ignored). ``need`` is an SEN2 primary-need code
(``ASD``, ``SEMH`` …), ``phase`` one of ``early_years``, ``primary``, ``secondary``,
``post_16`` (or their labels), ``year`` the academic year it starts in (``2027`` or
``2027/28``) and ``pupils`` a whole number of 0 or more."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from core.errors import ApplicationError
from partnerships.error_codes import PartnershipError
from partnerships.models import NEED_CODES, Phase

REQUIRED = ("need", "phase", "year", "pupils")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
_YEAR = re.compile(r"^(\d{4})(?:/(\d{2}))?$")
_PHASES = (
    {p.value: p.value for p in Phase}
    | {p.label.lower(): p.value for p in Phase}
    | {"post-16": "post_16", "post 16": "post_16", "early years": "early_years"}
)


@dataclass(frozen=True)
class ForecastRow:
    line: int
    need: str
    phase: str
    year: int
    pupils: int


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


class ForecastFileRejected(ApplicationError):
    """The file has problems; ``problems`` lists each with its line number."""

    def __init__(self, problems: list[Problem]) -> None:
        count = len(problems)
        super().__init__(
            f"The file has {count} problem{'s' if count != 1 else ''}. "
            "Nothing was saved: correct the file and upload it again.",
            code=PartnershipError.FORECAST_FILE_REJECTED,
            field="file",
            extra={"problems": [{"line": p.line, "message": p.message} for p in problems]},
        )
        self.problems = problems


def _file_error(message: str) -> ForecastFileRejected:
    return ForecastFileRejected([Problem(1, message)])


def _parse_year(text: str) -> int | None:
    match = _YEAR.match(text)
    if not match:
        return None
    start = int(match.group(1))
    if match.group(2) is not None and (start + 1) % 100 != int(match.group(2)):
        return None
    return start if 2000 <= start <= 2100 else None


def read_forecast_csv(data: bytes, *, name: str = "") -> list[ForecastRow]:
    """Every row, or ``ForecastFileRejected`` listing every problem."""
    if name and not name.lower().endswith(".csv"):
        raise _file_error("The selected file must be a CSV file.")
    if not data.strip():
        raise _file_error("The selected file is empty.")
    if len(data) > MAX_BYTES:
        raise _file_error("The selected file must be smaller than 2 MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _file_error("The file is not a text CSV file (save it from your spreadsheet as CSV).") from None
    if "\x00" in text:
        raise _file_error("The file is not a text CSV file (save it from your spreadsheet as CSV).")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None) or []
    columns = {h.strip().lower(): i for i, h in enumerate(header)}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise _file_error(
            f"The header row must name the columns need, phase, year and pupils; missing: {', '.join(missing)}."
        )
    rows: list[ForecastRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, int], int] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(Problem(line, f"The file has more than {MAX_ROWS:,} rows."))
            break
        if len(record) < len(header):
            problems.append(Problem(line, f"The row has {len(record)} values; the header has {len(header)}."))
            continue
        values = {c: record[columns[c]].strip() for c in REQUIRED}
        row_problems: list[str] = []
        need = values["need"].upper()
        if need not in NEED_CODES:
            row_problems.append(f"'{values['need']}' is not a primary-need code ({', '.join(NEED_CODES)}).")
        phase = _PHASES.get(values["phase"].lower(), "")
        if not phase:
            row_problems.append(f"'{values['phase']}' is not a phase (early_years, primary, secondary or post_16).")
        year = _parse_year(values["year"])
        if year is None:
            row_problems.append(f"'{values['year']}' is not an academic year like 2027 or 2027/28.")
        pupils_text = values["pupils"].replace(",", "")
        pupils = int(pupils_text) if re.fullmatch(r"-?\d+", pupils_text) else None
        if pupils is None:
            row_problems.append(f"'{values['pupils']}' is not a whole number of pupils.")
        elif pupils < 0:
            row_problems.append(f"The number of pupils cannot be negative ({pupils}).")
        elif pupils > 1_000_000:
            row_problems.append(f"{pupils:,} pupils is more than 1,000,000.")
        if not row_problems and year is not None and pupils is not None:
            key = (need, phase, year)
            if key in seen:
                row_problems.append(f"{need} {phase} {year} is already on line {seen[key]}.")
            else:
                seen[key] = line
                rows.append(ForecastRow(line, need, phase, year, pupils))
        problems.extend(Problem(line, message) for message in row_problems)
    if problems:
        raise ForecastFileRejected(problems)
    if not rows:
        raise _file_error("The file has a header row but no forecasts.")
    return rows
