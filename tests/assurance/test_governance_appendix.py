"""The pack of a body with many schools (issue 22, B7): a summary PDF whose sections 2 and 6
add the schools up by phase, and an appendix PDF with every school's row; the figures in
both equal the ledger's, to the penny. Small bodies keep one PDF listing each school."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from assurance.governance import appendix as governance_appendix
from assurance.governance import output as governance_output
from assurance.governance.pack import SchoolRow
from core.money import format_pence
from core.tenancy import tenant_context
from pooling.selectors import headroom_from_balances, pool_balances
from reports import services as report_services
from tests.assurance.governance_support import GovScene, governance_scene, pack_of
from tests.core.pdf_support import assert_tagged_pdf
from tests.reports.reports_support import files_of, report_media, run_of

pytestmark = pytest.mark.date_sensitive(today=date(2026, 12, 7))

__all__ = ["report_media"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(pdf: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def _run(scene: GovScene) -> int:
    run = report_services.report_run_request(
        actor=scene.finance,
        tenant=scene.body,
        report_type="governance_pack",
        data={"pool": scene.pool.pk, "period_end": timezone.localdate().isoformat()},
    )
    assert report_services.report_run_execute(report_run_id=run.pk, task_id="t-appendix") == "succeeded"
    return int(run.pk)


@pytest.mark.django_db
def test_a_body_with_more_schools_than_the_pdf_lists_gets_an_appendix_with_every_schools_row(
    report_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = governance_scene()
    monkeypatch.setattr(governance_appendix, "SUMMARY_SCHOOL_ROWS", 1)  # two schools: more than the PDF lists
    run_id = _run(scene)
    assert run_of(scene.body, run_id).status == "succeeded"
    files = {f.name: f for f in files_of(scene.body, run_id)}
    stem = f"governance-pack-2026-27-to-{timezone.localdate():%Y-%m-%d}"
    assert set(files) == {f"{stem}.pdf", f"{stem}_appendix-schools.pdf", f"{stem}.xlsx"}
    assert [files[n].content_type for n in (f"{stem}.pdf", f"{stem}_appendix-schools.pdf", f"{stem}.xlsx")] == [
        "application/pdf",
        "application/pdf",
        XLSX,
    ]
    summary = (report_media / files[f"{stem}.pdf"].storage_path).read_bytes()
    appendix = (report_media / files[f"{stem}_appendix-schools.pdf"].storage_path).read_bytes()
    assert_tagged_pdf(appendix, title_contains="Financial-governance pack, appendix A: each school")
    assert_tagged_pdf(summary, title_contains="Financial-governance pack")

    balances = pool_balances(tenant=scene.body, pool=scene.pool, as_at=timezone.localdate())
    ledger = headroom_from_balances(balances)
    pack = pack_of(scene)
    by_urn = {s.urn: s for s in pack.schools}
    words = _text(appendix)
    # Every school's row: its name, URN and each figure of sections 2 and 6.
    for school in (scene.primary, scene.secondary):
        row = by_urn[school.urn]
        assert school.name in words
        assert str(school.urn) in words
        for pence in (row.expected, row.received, row.awards, row.paid, row.net):
            assert format_pence(pence) in words, (school.name, format_pence(pence))
    assert format_pence(by_urn[scene.primary.urn].awards) == "£39,750.75"
    assert "3 / 1 / 1" in words  # Alder's outcomes: achieved / partly / not yet
    # The total row equals the ledger's totals.
    assert f"Total (2 schools) {format_pence(ledger.expected_pence)}" in words
    assert format_pence(balances["awards"]) in words
    assert pack.census_year == 2025  # the scene loads census figures: the check below always runs
    if pack.census_year:
        assert "52 3 £722.74" in words  # £39,750.75 over 55 pupils
        assert "140 21 £65.22" in words  # Beech: £10,500.00 over 161 pupils

    # The summary adds the schools up by phase and names the appendix instead of listing them.
    summary_words = _text(summary)
    assert f"Appendix A ({stem}_appendix-schools.pdf)" in summary_words
    assert "2 schools, added up by phase" in summary_words
    assert "Alder Primary Academy" not in summary_words
    primary = by_urn[scene.primary.urn]
    assert (
        f"Primary 1 {format_pence(primary.expected)} {format_pence(primary.received)} {format_pence(primary.awards)}"
        in summary_words
    )
    assert f"Total 2 {format_pence(ledger.expected_pence)}" in summary_words
    # The reconciliation is all there: one "Agrees" for each of the pack's checks.
    assert pack.checks
    assert all(c.ok for c in pack.checks)
    assert summary_words.count("Agrees") == len(pack.checks)


@pytest.mark.django_db
def test_the_equity_section_by_phase_works_awards_per_pupil_out_over_the_schools_with_census_figures() -> None:
    scene = governance_scene()
    pack = pack_of(scene)
    phases, total = governance_appendix.by_phase(pack)
    assert [(p.phase, p.schools) for p in phases] == [("Primary", 1), ("Secondary", 1)]
    assert total.schools == 2
    assert total.expected == sum(s.expected for s in pack.schools) == 200_000_01
    assert total.awards == 39_750_75 + 10_500_00
    assert (total.cases, total.approved) == (8, 6)
    assert pack.census_year == 2025
    assert [(p.with_census, p.pupils, p.per_pupil) for p in phases] == [(1, 55, 72_274), (1, 161, 6_522)]
    # £50,250.75 over 216 pupils = £232.642… → £232.64 (half up, as for one school)
    assert (total.pupils, total.per_pupil) == (216, 232_64)


def test_a_row_of_payees_that_are_not_schools_is_a_line_of_its_own_and_not_counted_as_a_school() -> None:
    rows = [
        SchoolRow(school_id=1, name="Ash", urn=1, phase="Primary", expected=100, awards=50, sen_support=4, ehc_plan=1),
        SchoolRow(school_id=2, name="Birch", urn=2, phase="", expected=200, awards=30),
        SchoolRow(school_id=None, name="Not a school", urn=None, phase="", awards=7),
    ]
    pack = dataclasses.replace(_empty_pack(), schools=rows)
    phases, total = governance_appendix.by_phase(pack)
    assert [(p.phase, p.schools, p.awards) for p in phases] == [
        ("Not recorded", 1, 30),
        ("Primary", 1, 50),
        ("Not a school (employers and providers paid directly, and anything unattributed)", 0, 7),
    ]
    assert (total.schools, total.awards, total.expected) == (2, 87, 300)
    assert (total.with_census, total.census_awards, total.per_pupil) == (1, 50, 10)  # 50p over 5 pupils


def test_the_pdf_lists_each_school_itself_up_to_its_limit_and_an_appendix_takes_them_beyond() -> None:
    limit = governance_appendix.SUMMARY_SCHOOL_ROWS
    assert limit == 40
    school = SchoolRow(school_id=1, name="Ash", urn=1, phase="Primary")
    at_limit = dataclasses.replace(_empty_pack(), schools=[school] * limit)
    beyond = dataclasses.replace(_empty_pack(), schools=[school] * (limit + 1))
    assert not governance_appendix.has_appendix(at_limit)
    assert governance_appendix.has_appendix(beyond)
    # Beyond the limit the equity chart draws one bar per phase (each school's bar is in its
    # appendix row), so it fits on a page whatever the number of schools.
    many = [
        SchoolRow(school_id=i, name=f"School {i}", urn=i, phase="Primary", awards=1_000, sen_support=10, ehc_plan=0)
        for i in range(1, limit + 2)
    ]
    chart = governance_output.charts(dataclasses.replace(_empty_pack(), schools=many))["equity"]
    assert "Awards per pupil with SEN, by phase" in chart
    assert "School 1<" not in chart
    assert ">Primary<" in chart
    assert chart.count("<rect") == 1


def _empty_pack():  # type: ignore[no-untyped-def]
    from assurance.governance.pack import MonthRow, Pack

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
        schools=[],
        need_phase=[],
        schedule=[],
        schedule_later=0,
        committed_outstanding=0,
        outcomes_due=0,
        outcomes_completed=0,
        outcomes_by_result={},
        census_year=None,
    )


def test_pack_files_come_in_order_and_the_appendix_only_beyond_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    monkeypatch.setattr(governance_output, "pack_pdf", lambda pack, appendix="": made.append(appendix) or b"%PDF")
    monkeypatch.setattr(
        governance_appendix, "pack_appendix_pdf", lambda pack, part, of: f"%PDF-{part}-of-{of}".encode()
    )
    monkeypatch.setattr("assurance.governance.xlsx.pack_xlsx", lambda pack: b"PK")
    school = SchoolRow(school_id=1, name="Ash", urn=1, phase="Primary")
    small = dataclasses.replace(_empty_pack(), schools=[school])
    large = dataclasses.replace(_empty_pack(), schools=[school] * 41)
    assert [n for n, _, _ in governance_appendix.pack_files(small, "p")] == ["p.pdf", "p.xlsx"]
    assert [(n, d) for n, _, d in governance_appendix.pack_files(large, "p")] == [
        ("p.pdf", b"%PDF"),
        ("p_appendix-schools.pdf", b"%PDF-1-of-1"),
        ("p.xlsx", b"PK"),
    ]
    # A body too large for one appendix document gets it in parts, each of bounded size.
    monkeypatch.setattr(governance_appendix, "SCHOOLS_PER_APPENDIX_FILE", 20)
    assert [(n, d) for n, _, d in governance_appendix.pack_files(large, "p")][1:4] == [
        ("p_appendix-schools-1-of-3.pdf", b"%PDF-1-of-3"),
        ("p_appendix-schools-2-of-3.pdf", b"%PDF-2-of-3"),
        ("p_appendix-schools-3-of-3.pdf", b"%PDF-3-of-3"),
    ]
    assert made == ["", "p_appendix-schools.pdf", "p_appendix-schools-1-of-3.pdf to p_appendix-schools-3-of-3.pdf"]


@pytest.mark.django_db
def test_an_appendix_in_parts_lists_each_school_once_and_the_total_after_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scene = governance_scene()
    monkeypatch.setattr(governance_appendix, "SUMMARY_SCHOOL_ROWS", 1)
    monkeypatch.setattr(governance_appendix, "SCHOOLS_PER_APPENDIX_FILE", 1)
    pack = pack_of(scene)
    assert governance_appendix.appendix_names(pack, "p") == [
        "p_appendix-schools-1-of-2.pdf",
        "p_appendix-schools-2-of-2.pdf",
    ]
    first, second = (governance_appendix.pack_appendix_pdf(pack, part=n, of=2) for n in (1, 2))
    assert_tagged_pdf(first, title_contains="appendix A: each school (part 1 of 2)")
    one, two = _text(first), _text(second)
    assert "Appendix A: each school (part 1 of 2: schools 1 to 1 of 2)" in one
    assert "Appendix A: each school (part 2 of 2: schools 2 to 2 of 2)" in two
    # By phase, then name: Alder (primary) in part 1, Beech (secondary) in part 2.
    ordered = governance_appendix.appendix_order(pack)
    assert [s.phase for s in ordered] == ["Primary", "Secondary"]
    names = [s.name for s in ordered]
    assert names[0] in one
    assert names[0] not in two
    assert names[1] in two
    assert names[1] not in one
    assert "Total (2 schools)" not in one
    assert "Total (2 schools) £200,000.01" in two


def _captured(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(governance_appendix, "html_to_pdf", lambda html: seen.append(html) or b"%PDF")
    return seen


def _row_names(html: str) -> list[str]:
    return re.findall(r'<tr><th scope="row">([^<]*)</th>', html)


def test_the_appendix_lists_schools_by_phase_then_name_with_not_recorded_and_the_non_school_row_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A trustee traces a summary phase row to its schools: the appendix is ordered as the
    summary's phases ("Not recorded" among them), by name within a phase; the non-school row
    comes after the schools, in the last part; parts are of schools, not rows."""
    rows = [
        SchoolRow(school_id=1, name="Ash", urn=1, phase="Secondary"),
        SchoolRow(school_id=2, name="Birch", urn=2, phase=""),
        SchoolRow(school_id=3, name="Cedar", urn=3, phase="Primary"),
        SchoolRow(school_id=None, name="Not a school", urn=None, phase="", awards=7),
        SchoolRow(school_id=4, name="Alder", urn=4, phase="Primary", sen_support=1_234, ehc_plan=56, awards=100),
    ]
    pack = dataclasses.replace(_empty_pack(), schools=rows)
    monkeypatch.setattr(governance_appendix, "SCHOOLS_PER_APPENDIX_FILE", 2)
    monkeypatch.setattr(governance_appendix, "SUMMARY_SCHOOL_ROWS", 3)
    # Four schools in parts of two: two parts (the non-school row does not make a third).
    assert governance_appendix.appendix_names(pack, "p") == [
        "p_appendix-schools-1-of-2.pdf",
        "p_appendix-schools-2-of-2.pdf",
    ]
    seen = _captured(monkeypatch)
    governance_appendix.pack_appendix_pdf(pack, part=1, of=2)
    governance_appendix.pack_appendix_pdf(pack, part=2, of=2)
    one, two = seen
    assert _row_names(one) == ["Birch", "Alder"]
    assert _row_names(two) == ["Cedar", "Ash", "Not a school"]
    assert "<td>Not recorded</td>" in one
    assert "schools 1 to 2 of 4)" in one
    assert "schools 3 to 4 of 4)" in two
    assert "Total (4 schools)" in two
    assert '<td class="n">1,234</td><td class="n">56</td>' in one  # thousands separated
    assert "Total (4 schools)" not in one
    assert governance_appendix.pack_file_labels(pack) == [
        "Summary PDF (the pack's sections, schools by phase)",
        "Appendix A: each school, part 1 of 2 (schools 1 to 2 of 4)",
        "Appendix A: each school, part 2 of 2 (schools 3 to 4 of 4)",
        "Spreadsheet (every table)",
    ]


def test_part_numbers_are_padded_so_the_parts_sort_in_order_after_the_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(governance_appendix, "SCHOOLS_PER_APPENDIX_FILE", 5)
    schools = [SchoolRow(school_id=i, name=f"S{i}", urn=i, phase="Primary") for i in range(1, 56)]
    names = governance_appendix.appendix_names(dataclasses.replace(_empty_pack(), schools=schools), "p")
    assert len(names) == 11
    assert (names[1], names[9], names[10]) == (
        "p_appendix-schools-02-of-11.pdf",
        "p_appendix-schools-10-of-11.pdf",
        "p_appendix-schools-11-of-11.pdf",
    )
    assert sorted(["p.xlsx", *reversed(names), "p.pdf"]) == ["p.pdf", "p.xlsx", *names]


@pytest.mark.django_db
def test_the_report_lists_the_summary_first_and_names_each_appendix_part_as_it_goes(
    report_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reports.jobs import ReportJob
    from reports.selectors import report_run_get

    scene = governance_scene()
    monkeypatch.setattr(governance_appendix, "SUMMARY_SCHOOL_ROWS", 1)
    monkeypatch.setattr(governance_appendix, "SCHOOLS_PER_APPENDIX_FILE", 1)
    notes: list[tuple[int, str]] = []
    progress = ReportJob.progress
    monkeypatch.setattr(ReportJob, "progress", lambda job, p, n="": notes.append((p, n)) or progress(job, p, n))
    run_id = _run(scene)
    stem = f"governance-pack-2026-27-to-{timezone.localdate():%Y-%m-%d}"
    with tenant_context(scene.body):
        listed = [(f.name, f.label) for f in report_run_get(tenant=scene.body, report_run_id=run_id).files.all()]
    assert listed == [
        (f"{stem}.pdf", "Summary PDF (the pack's sections, schools by phase)"),
        (f"{stem}_appendix-schools-1-of-2.pdf", "Appendix A: each school, part 1 of 2 (schools 1 to 1 of 2)"),
        (f"{stem}_appendix-schools-2-of-2.pdf", "Appendix A: each school, part 2 of 2 (schools 2 to 2 of 2)"),
        (f"{stem}.xlsx", "Spreadsheet (every table)"),
    ]
    assert notes[2:] == [
        (50, "Writing the summary PDF"),
        (55, "Writing the appendix of schools, part 1 of 2"),
        (70, "Writing the appendix of schools, part 2 of 2"),
        (85, "Writing the spreadsheet"),
        (95, "Storing the files"),
    ]
