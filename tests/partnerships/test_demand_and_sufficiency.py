"""Forecast demand (CSV all or nothing with line numbers, or by hand), the sufficiency
figures, their CSV export and the PDF report built by the report-run framework."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from core.errors import ApplicationError
from core.tenancy import tenant_context
from partnerships import exports
from partnerships.demand_csv import ForecastFileRejected
from partnerships.experts import use_against_plan
from partnerships.models import DemandForecast, ExpertAllocation, ExpertCapacity
from partnerships.reports import REPORT_TYPE, request_data
from partnerships.services import demand, experts, provision
from partnerships.sufficiency import sufficiency
from reports.models import ReportFile, ReportRun
from reports.services import report_run_execute, report_run_request
from reports.storage import report_storage
from tests.core.pdf_support import assert_tagged_pdf
from tests.factories import SchoolFactory
from tests.partnerships.conftest import LA_CODE, Area

pytestmark = pytest.mark.django_db

GOOD = b"need,phase,year,pupils\nASD,primary,2027,40\nSEMH,Secondary,2027/28,25\nasd,primary,2028,46\n"


def _forecasts(area: Area) -> list[tuple[str, str, int, int, str]]:
    with tenant_context(area.la):
        return list(DemandForecast.objects.values_list("need", "phase", "year", "pupils", "source"))


def test_a_good_file_is_saved_and_a_second_upload_replaces_matching_rows(area: Area) -> None:
    saved = demand.forecast_import(
        actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk, data=GOOD, filename="f.csv"
    )
    assert saved == 3
    demand.forecast_import(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        data="\ufeffPupils,Year,Phase,Need,Notes\n41,2027,primary,ASD,=cmd\n".encode(),
        filename="again.CSV",
    )
    assert sorted(_forecasts(area)) == [
        ("ASD", "primary", 2027, 41, "upload"),
        ("ASD", "primary", 2028, 46, "upload"),
        ("SEMH", "secondary", 2027, 25, "upload"),
    ]


def test_a_file_with_problems_is_reported_by_line_and_nothing_is_written(area: Area) -> None:
    demand.forecast_set(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        need="HI",
        phase="primary",
        year=2027,
        pupils=3,
    )
    bad = (
        b"need,phase,year,pupils\n"
        b"ASD,primary,2027,40\n"  # line 2: fine
        b"XYZ,primary,2027,5\n"  # line 3: unknown need
        b"SEMH,secondary,2027,-4\n"  # line 4: negative
        b"MLD,primary\n"  # line 5: malformed (too few values)
        b"SLD,nursery,27,many\n"  # line 6: bad phase, year and number
        b"ASD,primary,2027,41\n"  # line 7: repeats line 2
        b"PD,primary,2027/29,1.5\n"  # line 8: year and a fraction
    )
    with pytest.raises(ForecastFileRejected) as exc:
        demand.forecast_import(
            actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk, data=bad, filename="bad.csv"
        )
    problems = [(p.line, p.message) for p in exc.value.problems]
    assert [line for line, _ in problems] == [3, 4, 5, 6, 6, 6, 7, 8, 8]
    assert "'XYZ' is not a primary-need code" in problems[0][1]
    assert problems[1][1] == "The number of pupils cannot be negative (-4)."
    assert problems[2][1] == "The row has 2 values; the header has 4."
    assert "ASD primary 2027 is already on line 2." in problems[6][1]
    assert exc.value.code == "forecast_file_rejected"
    assert exc.value.extra["problems"][0] == {"line": 3, "message": problems[0][1]}
    assert _forecasts(area) == [("HI", "primary", 2027, 3, "manual")]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "f.csv", "The selected file is empty."),
        (GOOD, "f.xlsx", "The selected file must be a CSV file."),
        (b"need,phase,pupils\nASD,primary,4\n", "f.csv", "missing: year"),
        (b"need,phase,year,pupils\n", "f.csv", "no forecasts"),
        (b"\x00\x01PK\x03\x04binary", "f.csv", "not a text CSV file"),
    ],
)
def test_files_that_cannot_be_read_are_refused_with_a_message(area: Area, data: bytes, name: str, message: str) -> None:
    with pytest.raises(ForecastFileRejected) as exc:
        demand.forecast_import(
            actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk, data=data, filename=name
        )
    assert message in exc.value.problems[0].message
    assert _forecasts(area) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"need": "ZZZ"}, "need"),
        ({"phase": "reception"}, "phase"),
        ({"year": 1999}, "year"),
        ({"year": "2027"}, "year"),
        ({"pupils": -1}, "pupils"),
        ({"pupils": True}, "pupils"),
    ],
)
def test_forecast_by_hand_bad_values(area: Area, kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"need": "ASD", "phase": "primary", "year": 2027, "pupils": 10, **kwargs}
    with pytest.raises(ApplicationError) as exc:
        demand.forecast_set(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk, **args)  # type: ignore[arg-type]
    assert exc.value.field == field
    assert _forecasts(area) == []


def _register(area: Area) -> None:
    north = provision.setting_add(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        name="North base",
        kind="resourced_provision",
        locality="KT2",
    )
    south = provision.setting_add(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        name='=HYPERLINK("x")',
        kind="special_school",
        locality="KT6",
    )
    provision.places_set(
        actor=area.lead,
        tenant=area.la,
        provisionsetting_id=north.pk,
        need="ASD",
        phase="primary",
        places=20,
        on_roll=20,
    )
    provision.places_set(
        actor=area.lead,
        tenant=area.la,
        provisionsetting_id=south.pk,
        need="ASD",
        phase="primary",
        places=30,
        on_roll=24,
    )
    provision.places_set(
        actor=area.lead,
        tenant=area.la,
        provisionsetting_id=south.pk,
        need="SEMH",
        phase="secondary",
        places=40,
        on_roll=30,
    )
    provision.planned_add(
        actor=area.lead,
        tenant=area.la,
        provisionsetting_id=north.pk,
        need="ASD",
        phase="primary",
        places=8,
        opens_on=date(2028, 9, 1),
    )
    demand.forecast_import(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        filename="f.csv",
        data=b"need,phase,year,pupils\nASD,primary,2027,62\nSEMH,secondary,2027,31\nASD,primary,2028,60\nSEMH,secondary,2028,45\n",
    )


def test_sufficiency_compares_capacity_on_roll_and_demand_by_need_phase_locality_and_year(area: Area) -> None:
    _register(area)
    with tenant_context(area.la):
        s = sufficiency(tenant=area.la, partnership=area.partnership, year=2027)
        later = sufficiency(tenant=area.la, partnership=area.partnership, year=2028)
    assert [
        (ln.need, ln.phase, ln.places, ln.on_roll, ln.occupancy, ln.planned, ln.capacity, ln.demand, ln.gap, ln.status)
        for ln in s.lines
    ] == [
        ("ASD", "primary", 50, 44, 88, 0, 50, 62, 12, "gap"),
        ("SEMH", "secondary", 40, 30, 75, 0, 40, 31, -9, "surplus"),
    ]
    assert [(ln.need, ln.planned, ln.capacity, ln.gap) for ln in later.lines] == [("ASD", 8, 58, 2), ("SEMH", 0, 40, 5)]
    assert [(loc.locality, loc.settings, loc.places, loc.on_roll, loc.occupancy) for loc in s.localities] == [
        ("KT2", 1, 20, 20, 100),
        ("KT6", 1, 70, 54, 77),
    ]
    assert [(t.year, t.capacity, t.demand, t.gap) for t in s.trend] == [(2027, 90, 93, 3), (2028, 98, 105, 7)]
    assert s.totals == {
        "places": 90,
        "on_roll": 74,
        "planned": 0,
        "capacity": 90,
        "demand": 93,
        "occupancy": 82,
        "gap": 3,
        "surplus": 0,
    }
    chart = exports.need_chart(s)
    assert chart.as_data() == {
        "categories": ["ASD", "SEMH"],
        "series": [
            {"key": "capacity", "label": "Capacity", "values": [50, 40]},
            {"key": "on_roll", "label": "On roll", "values": [44, 30]},
            {"key": "demand", "label": "Forecast demand", "values": [62, 31]},
        ],
    }
    csv_text = "".join(exports.sufficiency_csv_lines(area.partnership, s))
    assert "ASD,Primary,50,44,88,0,50,62,12" in csv_text
    assert "KT6,1,70,54,77" in csv_text


def test_csv_export_is_streamed_and_formula_safe(area: Area, client) -> None:  # type: ignore[no-untyped-def]
    _register(area)
    provision.setting_add(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        name="x",
        kind="sen_unit",
        locality="=cmd|' /C calc'!A0",
    )
    with tenant_context(area.la):
        setting = area.partnership.settings.get(name="x")
    provision.places_set(
        actor=area.lead, tenant=area.la, provisionsetting_id=setting.pk, need="HI", phase="primary", places=5, on_roll=5
    )
    client.force_login(area.lead)
    response = client.get(f"/b/{area.la.slug}/partnership/{area.partnership.pk}/sufficiency/csv/?year=2027")
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert "\r\n'=cmd" in body  # the typed locality is neutralised with a leading apostrophe
    assert "\n=cmd" not in body


def test_the_pdf_report_is_built_by_the_report_framework_and_is_idempotent(
    area: Area, client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    _register(area)
    run = report_run_request(
        actor=area.lead, tenant=area.la, report_type=REPORT_TYPE, data=request_data(area.partnership.pk, 2027)
    )
    assert run.label == "Sufficiency of specialist places, Example Local SEND Partnership, 2027/28"
    assert report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    assert report_run_execute(report_run_id=run.pk, task_id="t-2") == "skipped"  # run twice: one file set
    with tenant_context(area.la):
        files = list(ReportFile.objects.filter(run_id=run.pk))
        assert ReportRun.objects.get(pk=run.pk).status == "succeeded"
    assert [f.name for f in files] == ["sufficiency-999-2027.pdf"]
    with report_storage().open(files[0].storage_path, "rb") as handle:
        content = handle.read()
    assert_tagged_pdf(content, title_contains="Sufficiency of specialist places")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Sufficiency of specialist places, 2027/28" in text
    assert "KT6" in text
    client.force_login(area.lead)
    response = client.get(f"/b/{area.la.slug}/partnership/reports/{run.pk}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    with pytest.raises(ApplicationError):
        report_run_request(actor=area.lead, tenant=area.la, report_type=REPORT_TYPE, data=request_data(999999, None))


def test_experts_at_hand_capacity_allocations_and_use_against_plan(area: Area) -> None:
    school = SchoolFactory(la_code=LA_CODE, name="Latchmere School")
    SchoolFactory(la_code="111", urn=199999, name="Elsewhere")
    experts.capacity_set(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        term="2026/27 Autumn",
        profession="ep",
        days="40",
    )
    experts.allocation_set(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        term="2026/27 autumn",
        profession="ep",
        school_urn=school.urn,
        days_planned="30.5",
        days_used="12",
    )
    experts.allocation_set(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        term="2026/27 autumn",
        profession="salt",
        school_urn=school.urn,
        days_planned="4",
        days_used="0",
    )
    with tenant_context(area.la):
        use = use_against_plan(list(ExpertCapacity.objects.all()), list(ExpertAllocation.objects.all()))
    assert [
        (u.term, u.profession, u.capacity, u.planned, u.used, u.used_percent, u.unallocated, u.over_allocated)
        for u in use
    ] == [
        ("2026/27 autumn", "ep", Decimal("40.0"), Decimal("30.5"), Decimal("12.0"), 39, Decimal("9.5"), False),
        ("2026/27 autumn", "salt", Decimal("0"), Decimal("4.0"), Decimal("0.0"), 0, Decimal("-4.0"), True),
    ]
    for kwargs, field in (
        ({"term": "autumn 2026"}, "term"),
        ({"term": "2026/28 autumn"}, "term"),
        ({"profession": "surgeon"}, "profession"),
        ({"days_planned": "-1"}, "days_planned"),
        ({"days_planned": "1.25"}, "days_planned"),
        ({"days_planned": "lots"}, "days_planned"),
        ({"days_used": "NaN"}, "days_used"),
        ({"days_used": "10000"}, "days_used"),
        ({"school_urn": 199999}, "school_urn"),
    ):
        args: dict[str, object] = {
            "term": "2026/27 spring",
            "profession": "ot",
            "school_urn": school.urn,
            "days_planned": "1",
            "days_used": "0",
            **kwargs,
        }
        with pytest.raises(ApplicationError) as exc:
            experts.allocation_set(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk, **args)  # type: ignore[arg-type]
        assert exc.value.field == field, kwargs
    with pytest.raises(ApplicationError) as exc:
        experts.capacity_set(
            actor=area.lead,
            tenant=area.la,
            partnership_id=area.partnership.pk,
            term="2026/27 spring",
            profession="ot",
            days=1.5,
        )
    assert exc.value.field == "days"
