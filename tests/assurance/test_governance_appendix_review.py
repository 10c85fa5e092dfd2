"""Review of the governance pack's appendix (integ, pack22): defects found, each shown by a
test that fails on integ. Not fixes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone

from assurance.governance import appendix as governance_appendix
from assurance.governance import output as governance_output
from assurance.governance.pack import MonthRow, Pack, SchoolRow
from reports.models import ReportFile

NOT_A_SCHOOL = "Not a school: employers and providers paid directly, and anything unattributed"


def _pack(schools: int, *, not_a_school: bool) -> Pack:
    rows = [
        SchoolRow(school_id=i, name=f"School {i:03d}", urn=100_000 + i, phase="Primary", expected=1_000, awards=500)
        for i in range(1, schools + 1)
    ]
    if not_a_school:
        rows.append(SchoolRow(school_id=None, name=NOT_A_SCHOOL, urn=None, phase="", awards=7))
    return Pack(
        body_name="Body",
        pool_label="2026-27",
        pool_starts_on=date(2026, 4, 1),
        pool_ends_on=date(2027, 3, 31),
        period_end=date(2026, 12, 7),
        generated_at=timezone.now(),
        target_days=10,
        months=[],
        totals=MonthRow(month=date(2026, 4, 1)),
        schools=rows,
        need_phase=[],
        schedule=[],
        schedule_later=0,
        committed_outstanding=0,
        outcomes_due=0,
        outcomes_completed=0,
        outcomes_by_result={},
        census_year=None,
    )


def _html(monkeypatch: pytest.MonkeyPatch, module: object) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(module, "html_to_pdf", lambda html: seen.append(html) or b"%PDF")
    return seen


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_appendix_counts_the_same_schools_as_its_total_row_and_the_summary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A body with 41 schools and a "not a school" row: the summary says 41 schools and the
    appendix's total row says 41 schools, but its heading says "schools 1 to 42 of 42"
    (appendix.py: ``count``/``last`` are ``len(pack.schools)``, which counts the non-school
    row). A trustee reading both sees two different numbers of schools."""
    pack = _pack(41, not_a_school=True)
    monkeypatch.setattr(governance_appendix, "SCHOOLS_PER_APPENDIX_FILE", 30)
    appendix = _html(monkeypatch, governance_appendix)
    governance_appendix.pack_appendix_pdf(pack, part=2, of=2)
    summary = _html(monkeypatch, governance_output)
    governance_output.pack_pdf(pack, appendix="p-appendix-schools-1-of-2.pdf to p-appendix-schools-2-of-2.pdf")
    words, summary_words = _words(appendix[0]), _words(summary[0])
    assert "41 schools, added up by phase" in summary_words
    assert "Total (41 schools)" in words
    assert "of 41)" in words, re.search(r"part 2 of 2: schools [^)]*\)", words)


def test_a_body_of_forty_schools_keeps_its_schools_in_the_pdf_whatever_it_paid_to_non_schools() -> None:
    """SUMMARY_SCHOOL_ROWS: "up to this many schools, the summary PDF lists each school
    itself". has_appendix counts rows, so 40 schools plus the "not a school" row (any payment
    to an employer or provider) moves the 40 schools to an appendix."""
    assert not governance_appendix.has_appendix(_pack(40, not_a_school=False))
    assert not governance_appendix.has_appendix(_pack(40, not_a_school=True))


def test_the_report_page_and_api_list_the_summary_pdf_before_its_appendix() -> None:
    """The run's files are listed by name (ReportFile.Meta.ordering, reports.selectors,
    tests' files_of): "<stem>-appendix-…" sorts before "<stem>.pdf" ('-' < '.'), so the
    report page and the API offer the appendix first and the summary second."""
    stem = "governance-pack-2026-27-to-2026-12-07"
    pack = _pack(41, not_a_school=False)
    names = [f"{stem}.pdf", *governance_appendix.appendix_names(pack, stem), f"{stem}.xlsx"]
    assert ReportFile._meta.ordering == ["run", "name"]
    listed = sorted(names)
    assert listed[0] == f"{stem}.pdf", listed


def test_the_appendix_total_row_reads_like_every_school_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """On each school's row of the appendix, awards over (SEN support + EHC plan) is the
    awards per pupil shown. On the total row it is not: "Awards" is every row's (schools
    without census figures and the non-school row included) while the per-pupil figure is
    worked over the census schools' awards only, which the row does not show (the summary's
    section 6 does, as "Awards to those schools"). An auditor re-performing the row gets
    another figure."""
    pack = _pack(41, not_a_school=True)
    for s in pack.schools[:20]:
        s.sen_support, s.ehc_plan = 9, 1  # 500p over 10 pupils: 50p each
    appendix = _html(monkeypatch, governance_appendix)
    governance_appendix.pack_appendix_pdf(pack, part=1, of=1)
    total = re.search(r'<tr class="total">(.*?)</tr>', appendix[0], re.S)
    assert total is not None
    cells = [c for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", total.group(1))]
    awards, sen, ehc, per_pupil = cells[5], int(cells[11]), int(cells[12]), cells[13]
    assert (awards, sen, ehc) == ("£205.07", 180, 20)
    # Fixed as section 6 of the summary reads (packfix): the per-pupil figure stays over the
    # census schools' awards (£100.00 over 200 pupils, £0.50; over every row's £205.07 it
    # would set awards to schools without census figures, and to non-schools, against the
    # census schools' pupils), and the row below the total shows those awards, so the
    # figure is re-performed from what is shown.
    census = re.search(r'<tr class="census">(.*?)</tr>', appendix[0], re.S)
    assert census is not None
    shown = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", census.group(1))
    assert _words(shown[0]) == "Awards to those schools: the 20 of 41 schools with census figures"
    census_awards, census_sen, census_ehc, census_per_pupil = shown[5], int(shown[11]), int(shown[12]), shown[13]
    assert (census_awards, census_sen, census_ehc) == ("£100.00", 180, 20)
    census_pence = int(census_awards.removeprefix("£").replace(".", "").replace(",", ""))
    assert census_pence / (census_sen + census_ehc) == 50
    assert per_pupil == census_per_pupil == "£0.50", (awards, sen, ehc, per_pupil)
