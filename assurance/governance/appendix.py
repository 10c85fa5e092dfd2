"""The pack of a body with many schools: a summary PDF plus an appendix (issue 22, B7).

Every figure of a school's row is shown once per school wherever it is read: in the summary
PDF when the body has at most ``SUMMARY_SCHOOL_ROWS`` schools (as the pack always did), and
otherwise in an appendix PDF with one row per school (its money, cases, outcomes, census
figures and awards per pupil with SEN, drawn as a bar in the row), while the summary's
sections 2 and 6 show the same schools added up by phase. The spreadsheet keeps its "By
school" and "Equity" sheets in both cases.

Why: WeasyPrint's time and memory grow with the number of table cells (about 2 ms per cell
on the bench machine), and a 600-school body's two per-school tables and its 600-bar
chart (taller than a page, so cut off) made the pack 46 s and 374 MB. The appendix lists
each school once (one table, not two), draws the equity bar inside the row (no SVG), and
is rendered after the summary's document has been freed, so the two never share memory."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from assurance.governance.pack import Pack, SchoolRow, per_pupil, pupils
from core.money import format_pence
from core.pdf import html_to_pdf

SUMMARY_SCHOOL_ROWS = 40  # up to this many schools, the summary PDF lists each school itself
SCHOOLS_PER_APPENDIX_FILE = 300  # bounds one document's memory (about 0.25 MB a row) whatever the body's size
NOT_RECORDED = "Not recorded"  # a school's phase when the register has none, in the summary and the appendix


def school_count(pack: Pack) -> int:
    """The body's schools: the pack's rows less the "not a school" row (payees that are not
    schools), which is never counted as a school."""
    return sum(s.school_id is not None for s in pack.schools)


def has_appendix(pack: Pack) -> bool:
    """Whether the pack's school rows go to the appendix (the summary shows them by phase):
    more than ``SUMMARY_SCHOOL_ROWS`` schools, whatever was paid to payees that are not schools."""
    return school_count(pack) > SUMMARY_SCHOOL_ROWS


def appendix_parts(pack: Pack) -> int:
    """How many files the appendix takes: parts of at most ``SCHOOLS_PER_APPENDIX_FILE``
    schools (the "not a school" row goes in the last part, after its schools)."""
    if not has_appendix(pack):
        return 0
    return -(-school_count(pack) // SCHOOLS_PER_APPENDIX_FILE)


def appendix_names(pack: Pack, stem: str) -> list[str]:
    """The appendix's file names: one file, or parts of ``SCHOOLS_PER_APPENDIX_FILE`` schools
    ("…_appendix-schools-1-of-2.pdf") for a body with more; none without an appendix.

    Named so that, sorted by name, the summary ("<stem>.pdf") comes first ('_' sorts after
    '.') and the parts in their order (numbers padded: "-01-of-12" before "-10-of-12"). The
    report page and API do not rely on it: they list files in the order the build made them
    (``ReportFile.position``) and say what each is (``ReportFile.label``)."""
    parts = appendix_parts(pack)
    if parts == 0:
        return []
    if parts == 1:
        return [f"{stem}_appendix-schools.pdf"]
    width = len(str(parts))
    return [f"{stem}_appendix-schools-{part:0{width}d}-of-{parts}.pdf" for part in range(1, parts + 1)]


def appendix_label(part: int, of: int) -> str:
    """What the report page and API call an appendix file."""
    return "Appendix A: each school" + (f", part {part} of {of}" if of > 1 else "")


def appendix_order(pack: Pack) -> list[SchoolRow]:
    """The appendix's rows: the schools by phase (as the summary's phase rows, "Not recorded"
    among them) and by name within a phase, then the "not a school" row."""
    schools = [s for s in pack.schools if s.school_id is not None]
    schools.sort(key=lambda s: (s.phase or NOT_RECORDED, s.name, s.school_id or 0))
    return schools + [s for s in pack.schools if s.school_id is None]


@dataclass
class PhaseRow:
    """Schools of one phase added up: the summary's line for them when each school's own row
    is in the appendix."""

    phase: str
    schools: int = 0
    expected: int = 0
    received: int = 0
    awards: int = 0
    paid: int = 0
    cases: int = 0
    approved: int = 0
    outcomes_achieved: int = 0
    outcomes_partly: int = 0
    outcomes_not_yet: int = 0
    with_census: int = 0
    sen_support: int = 0
    ehc_plan: int = 0
    census_awards: int = 0

    @property
    def net(self) -> int:
        return self.awards - self.received

    @property
    def pupils(self) -> int:
        return self.sen_support + self.ehc_plan

    @property
    def per_pupil(self) -> int | None:
        """Awards per pupil with SEN over the phase's schools with census figures (pence,
        half up), as a school's own figure is worked out."""
        if not self.pupils:
            return None
        quotient, remainder = divmod(self.census_awards, self.pupils)
        return quotient + (1 if remainder * 2 >= self.pupils else 0)

    def add(self, s: SchoolRow) -> None:
        self.schools += s.school_id is not None
        self.expected += s.expected
        self.received += s.received
        self.awards += s.awards
        self.paid += s.paid
        self.cases += s.cases
        self.approved += s.approved
        self.outcomes_achieved += s.outcomes_achieved
        self.outcomes_partly += s.outcomes_partly
        self.outcomes_not_yet += s.outcomes_not_yet
        if pupils(s) is not None:
            self.with_census += 1
            self.sen_support += s.sen_support or 0
            self.ehc_plan += s.ehc_plan or 0
            self.census_awards += s.awards


def by_phase(pack: Pack) -> tuple[list[PhaseRow], PhaseRow]:
    """The schools added up by phase (payees that are not schools on a line of their own,
    last), and the total of every row: the same total as the per-school table's."""
    rows: dict[str, PhaseRow] = {}
    not_a_school = PhaseRow(phase="Not a school (employers and providers paid directly, and anything unattributed)")
    total = PhaseRow(phase="Total")
    for s in pack.schools:
        if s.school_id is None:
            not_a_school.add(s)
        else:
            phase = s.phase or NOT_RECORDED
            rows.setdefault(phase, PhaseRow(phase=phase)).add(s)
        total.add(s)
    ordered = sorted(rows.values(), key=lambda r: r.phase)
    if any(s.school_id is None for s in pack.schools):
        ordered.append(not_a_school)
    return ordered, total


def _school_cells(s: SchoolRow, peak: int) -> dict[str, Any]:
    value = per_pupil(s) if s.school_id is not None else None
    return {
        "name": s.name,
        "urn": "" if s.urn is None else s.urn,
        "phase": s.phase or ("" if s.school_id is None else NOT_RECORDED),
        "expected": format_pence(s.expected),
        "received": format_pence(s.received),
        "awards": format_pence(s.awards),
        "paid": format_pence(s.paid),
        "net": format_pence(s.net),
        "cases": s.cases,
        "approved": s.approved,
        "outcomes": f"{s.outcomes_achieved} / {s.outcomes_partly} / {s.outcomes_not_yet}",
        # A dash: not available (no census figures for the school, or not a school).
        "sen_support": "–" if s.sen_support is None else f"{s.sen_support:,}",
        "ehc_plan": "–" if s.ehc_plan is None else f"{s.ehc_plan:,}",
        "per_pupil": "–" if value is None else format_pence(value),
        # The bar's length in per cent of the column: the largest figure fills it.
        "bar": 0 if not value or value < 0 else max(1, round(100 * value / peak)),
    }


def pack_appendix_pdf(pack: Pack, *, part: int = 1, of: int = 1) -> bytes:
    """Appendix A (or its part ``part`` of ``of``): every school's row of sections 2 and 6,
    one row per school by phase and name, then (in the last part) the "not a school" row and
    the total."""
    ordered = appendix_order(pack)
    count = school_count(pack)
    size = SCHOOLS_PER_APPENDIX_FILE if of > 1 else count
    first = (part - 1) * size
    last = min(first + size, count)
    # The last part takes the schools left and the "not a school" row.
    schools = ordered[first:] if part == of else ordered[first:last]
    # One scale for every part, so that bars in different files compare.
    values = [v for s in pack.schools if s.school_id is not None and (v := per_pupil(s)) is not None]
    peak = max([v for v in values if v > 0] + [1])
    _, total = by_phase(pack)
    html = render_to_string(
        "assurance/reporting/governance_pack_appendix.html",
        {
            "pack": pack,
            "rows": [_school_cells(s, peak) for s in schools],
            "total": total if part == of else None,
            "part": part,
            "of": of,
            "first": first + 1,
            "last": last,
            "count": count,
        },
    )
    return html_to_pdf(html)


def pack_file_labels(pack: Pack) -> list[str]:
    """What each of ``pack_files`` is, in the same order, for the report page and API."""
    parts = appendix_parts(pack)
    count = school_count(pack)
    appendix = []
    for part in range(1, parts + 1):
        first = (part - 1) * SCHOOLS_PER_APPENDIX_FILE + 1
        last = min(part * SCHOOLS_PER_APPENDIX_FILE, count)
        schools = f" (schools {first:,} to {last:,} of {count:,})" if parts > 1 else f" ({count:,} schools)"
        appendix.append(appendix_label(part, parts) + schools)
    summary = "Summary PDF (the pack's sections, schools by phase)" if parts else "PDF (the pack)"
    return [summary, *appendix, "Spreadsheet (every table)"]


PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pack_files(pack: Pack, stem: str) -> Iterator[tuple[str, str, bytes]]:
    """The pack's files one at a time (name, content type, bytes): the PDF, its appendix
    when the body has more schools than the PDF lists (in parts for a very large body), and
    the spreadsheet. Each document's
    layout is collected before the next is rendered, so the process's peak memory is that
    of the largest document, not of all of them."""
    from assurance.governance.output import pack_pdf
    from assurance.governance.xlsx import pack_xlsx

    names = appendix_names(pack, stem)
    named = names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}" if names else ""
    yield f"{stem}.pdf", PDF, pack_pdf(pack, appendix=named)
    gc.collect()  # WeasyPrint's boxes hold reference cycles: free them before the next document
    for part, name in enumerate(names, start=1):
        yield name, PDF, pack_appendix_pdf(pack, part=part, of=len(names))
        gc.collect()
    yield f"{stem}.xlsx", XLSX, pack_xlsx(pack)
