"""Importing DfE per-school allocation files: a real DfE layout, every bad value with its
line number, Excel files, and all-or-nothing."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.allocation_files import guess_columns, parse_allocations, read_bytes, read_upload
from pooling.models import ImfAllocation, ImfAllocationImport
from pooling.services.contributions import allocation_import_confirm, allocation_import_preview
from tests.factories import SchoolFactory
from tests.pooling.contributions_support import DFE_SAMPLE, allocate, close, csv_bytes, dfe_sample, register

pytestmark = pytest.mark.django_db

TOTAL = "Total allocation for the Deprivation Pupil Premium"


def _upload(data: bytes, name: str = "allocations.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _allocations(body: Any) -> dict[int, int]:
    with tenant_context(body):
        return dict(ImfAllocation.objects.values_list("school__urn", "amount_pence"))


def _import(officer: Any, data: bytes, urn: str = "URN", amount: str = "IMF allocation", name: str = "a.csv") -> Any:
    table, _ = read_upload(_upload(data, name))
    return allocation_import_confirm(
        actor=officer.user,
        tenant=officer.responsible_body,
        period_label="2026-27",
        table=table,
        urn_column=urn,
        amount_column=amount,
    )


# --- A real DfE file ---------------------------------------------------------------------


def test_the_dfe_sample_file_is_where_ci_keeps_it() -> None:
    assert DFE_SAMPLE.exists(), f"missing {DFE_SAMPLE}"
    header, rows = dfe_sample(3)
    assert header[0] == "URN"
    assert TOTAL in header
    assert len(header) == 19
    assert rows[0][0] == "100000"


def test_a_slice_of_a_real_dfe_allocation_file_imports_to_the_penny(officer) -> None:
    body = officer.responsible_body
    header, rows = dfe_sample(25)
    register([int(r[0]) for r in rows])
    data = csv_bytes(header, rows)
    table, kept = read_upload(_upload(data, "pupil-premium-2019-2020.csv"))
    assert kept == data
    assert table.headers == header
    assert [line for line, _ in table.rows] == list(range(2, 27))
    assert guess_columns(table.headers) == ("URN", TOTAL)

    preview = allocation_import_preview(
        tenant=body, period_label="2026-27", table=table, urn_column="URN", amount_column=TOTAL
    )
    assert preview.problems == []
    assert (preview.row_count, preview.new_count, preview.changed_count) == (25, 25, 0)
    total_index = header.index(TOTAL)
    assert preview.total_pence == sum(int(r[total_index]) * 100 for r in rows)
    first = preview.rows[0]
    assert (first.line, first.urn, first.amount_pence, first.current_pence) == (2, 100000, 5_016_000, None)

    record = allocation_import_confirm(
        actor=officer.user, tenant=body, period_label="2026-27", table=table, urn_column="URN", amount_column=TOTAL
    )
    assert (record.file_name, record.file_sha256, record.urn_column, record.amount_column, record.rows_imported) == (
        "pupil-premium-2019-2020.csv",
        hashlib.sha256(data).hexdigest(),
        "URN",
        TOTAL,
        25,
    )
    assert record.imported_by_label == officer.user.email
    got = _allocations(body)
    assert got == {int(r[0]): int(r[total_index]) * 100 for r in rows}
    assert got[100000] == 5_016_000  # £50,160 for Sir John Cass's Foundation Primary School
    with tenant_context(body):
        assert set(ImfAllocation.objects.values_list("source_import_id", flat=True)) == {record.pk}
        [event] = AuditEvent.objects.filter(verb="allocations.imported")
    assert event.after["rows"] == 25
    assert event.after["new"] == 25
    assert event.before == {"changed": {}}


def test_the_amount_column_is_the_one_the_person_chose(officer) -> None:
    header, rows = dfe_sample(10)
    register([int(r[0]) for r in rows])
    primary = "Deprivation Pupil Premium Allocation (11)"
    _import(officer, csv_bytes(header, rows), amount=primary)
    assert _allocations(officer.responsible_body) == {int(r[0]): int(r[header.index(primary)]) * 100 for r in rows}


def test_reimporting_changes_amounts_and_audits_the_before_and_after(officer) -> None:
    body = officer.responsible_body
    a, b = SchoolFactory(), SchoolFactory()
    _import(officer, csv_bytes(["URN", "IMF allocation"], [[str(a.urn), "14000"], [str(b.urn), "48000"]]))
    second = _import(officer, csv_bytes(["URN", "IMF allocation"], [[str(a.urn), "14500.50"], [str(b.urn), "48000"]]))
    assert _allocations(body) == {a.urn: 1_450_050, b.urn: 4_800_000}
    with tenant_context(body):
        events = list(AuditEvent.objects.filter(verb="allocations.imported").order_by("id"))
        assert set(ImfAllocation.objects.values_list("source_import_id", flat=True)) == {second.pk}
    assert events[1].before == {"changed": {str(a.urn): 1_400_000}}
    assert events[1].after["changed"] == {str(a.urn): 1_450_050}
    assert (events[1].after["new"], events[1].after["unchanged"]) == (0, 1)


# --- Every bad value, with its line number, and nothing written -------------------------------


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(officer) -> None:
    body = officer.responsible_body
    good, other, s5, s9, s11 = (SchoolFactory() for _ in range(5))
    allocate(officer.user, body, other, 1_000)  # an earlier allocation stays as it was
    rows = [
        [str(good.urn), "Good Primary", "£14,000"],  # line 2
        ["999999", "Unknown", "100"],  # 3: not in the register
        [str(good.urn), "Again", "100"],  # 4: duplicate
        [str(s5.urn), "Negative", "-100"],  # 5: negative
        [str(other.urn), "Other", "14000.505"],  # 6: three decimals
        ["", "No URN", "100"],  # 7: empty URN
        ["12ab", "Bad URN", "100"],  # 8: not a number
        [str(s9.urn), "No amount", ""],  # 9: empty amount
        ["", "", ""],  # 10: blank row, skipped
        [str(s11.urn), "Words", "fourteen thousand"],  # 11: not a number
        ["0", "Zero URN", "5"],  # 12
    ]
    data = csv_bytes(["URN", "School", "IMF allocation"], rows)
    table, _ = read_upload(_upload(data))
    preview = allocation_import_preview(
        tenant=body, period_label="2026-27", table=table, urn_column="URN", amount_column="IMF allocation"
    )
    assert [(p.line, p.column, p.message) for p in preview.problems] == [
        (3, "URN", "URN 999999 is not in the school register."),
        (4, "URN", f"URN {good.urn} appears again (first on line 2)."),
        (5, "IMF allocation", "“-100” is negative: an allocation is 0 or more."),
        (6, "IMF allocation", "“14000.505” has more than 2 decimal places: enter pounds and pence."),
        (7, "URN", "The URN is empty."),
        (8, "URN", "“12ab” is not a URN (a whole number)."),
        (9, "IMF allocation", "The amount is empty."),
        (11, "IMF allocation", "“fourteen thousand” is not an amount in pounds."),
        (12, "URN", "“0” is not a URN (a whole number)."),
    ]
    assert not preview.can_import
    with pytest.raises(ApplicationError) as exc:
        allocation_import_confirm(
            actor=officer.user,
            tenant=body,
            period_label="2026-27",
            table=table,
            urn_column="URN",
            amount_column="IMF allocation",
        )
    assert exc.value.code == "allocation_file_invalid"
    assert "9 problems: nothing was imported" in exc.value.message
    assert exc.value.extra["problems"][0] == {
        "line": 3,
        "column": "URN",
        "value": "999999",
        "message": "URN 999999 is not in the school register.",
    }
    assert _allocations(body) == {other.urn: 1_000}
    with tenant_context(body):
        assert ImfAllocationImport.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "pence"),
    [("£14,000", 1_400_000), ("14000.5", 1_400_050), ("14000.50", 1_400_050), ("0", 0), (" 48,000.07 ", 4_800_007)],
)
def test_amounts_in_pounds_or_pounds_and_pence(officer, amount: str, pence: int) -> None:
    school = SchoolFactory()
    _import(officer, csv_bytes(["URN", "IMF allocation"], [[str(school.urn), amount]]))
    assert _allocations(officer.responsible_body) == {school.urn: pence}


def test_one_bad_row_among_many_good_ones_refuses_the_whole_file(officer) -> None:
    schools = [SchoolFactory() for _ in range(30)]
    rows = [[str(s.urn), "1000"] for s in schools]
    rows[17][1] = "1000.001"
    with pytest.raises(ApplicationError) as exc:
        _import(officer, csv_bytes(["URN", "IMF allocation"], rows))
    assert [p["line"] for p in exc.value.extra["problems"]] == [19]
    assert _allocations(officer.responsible_body) == {}


def test_a_file_with_only_a_header_has_nothing_to_import(officer) -> None:
    with pytest.raises(ApplicationError) as exc:
        _import(officer, b"URN,IMF allocation\r\n,\r\n")
    assert exc.value.extra["problems"][0]["message"] == "The file has no rows of allocations under its header."


@pytest.mark.parametrize(
    ("urn", "amount", "field", "code"),
    [
        ("Nope", "IMF allocation", "urn_column", "unknown_column"),
        ("URN", "Nope", "amount_column", "unknown_column"),
        ("URN", "URN", "amount_column", "same_column"),
    ],
)
def test_columns_must_be_two_different_headers_of_the_file(
    officer, urn: str, amount: str, field: str, code: str
) -> None:
    table = read_bytes(b"URN,IMF allocation\r\n100000,5\r\n", name="a.csv")
    with pytest.raises(ApplicationError) as exc:
        parse_allocations(table, urn_column=urn, amount_column=amount)
    assert (exc.value.field, exc.value.code) == (field, code)


def test_import_refused_once_the_period_is_closed(officer, pool) -> None:
    school = SchoolFactory()
    close(pool)
    with pytest.raises(ConflictError) as exc:
        _import(officer, csv_bytes(["URN", "IMF allocation"], [[str(school.urn), "1"]]))
    assert exc.value.code == "pool_closed"
    assert _allocations(officer.responsible_body) == {}


# --- Reading files ---------------------------------------------------------------------------


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_excel_files_with_title_rows_above_the_header_are_read(officer) -> None:
    a, b = SchoolFactory(), SchoolFactory()
    data = _xlsx(
        [
            ["Inclusive Mainstream Fund allocations 2026 to 2027"],
            [],
            ["URN", "School name", "IMF allocation (£)", None],
            [a.urn, "A", 14000.5],
            [b.urn, "B", 48000],
            [None, None, None],
            [b.urn, "B again", 0.125],
        ]
    )
    table, _ = read_upload(_upload(data, "imf.xlsx"))
    assert table.headers == ["URN", "School name", "IMF allocation (£)"]
    assert [(line, cells) for line, cells in table.rows] == [
        (4, [str(a.urn), "A", "14000.5"]),
        (5, [str(b.urn), "B", "48000"]),
        (6, ["", "", ""]),
        (7, [str(b.urn), "B again", "0.125"]),
    ]
    assert guess_columns(table.headers) == ("URN", "IMF allocation (£)")
    rows, problems = parse_allocations(table, urn_column="URN", amount_column="IMF allocation (£)")
    assert [(r.urn, r.amount_pence) for r in rows] == [(a.urn, 1_400_050), (b.urn, 4_800_000)]
    assert [(p.line, p.message) for p in problems] == [
        (7, f"URN {b.urn} appears again (first on line 5)."),
        (7, "“0.125” has more than 2 decimal places: enter pounds and pence."),
    ]


def test_csv_saved_by_excel_in_windows_encoding_is_read() -> None:
    data = "URN,Amount\r\n100000,£14\xa0000\r\n".encode("cp1252")
    table = read_bytes(data, name="a.csv")
    assert table.rows == [(2, ["100000", "£14\xa0000"])]


def test_headers_are_made_unique_and_blank_ones_named() -> None:
    table = read_bytes(b"URN,Amount,,Amount\r\n1,2,3,4\r\n", name="a.csv")
    assert table.headers == ["URN", "Amount", "Column 3", "Amount (2)"]


def test_a_column_may_be_named_ignoring_case_and_runs_of_spaces() -> None:
    table = read_bytes(b"URN,Number of  Secondary pupils,IMF\r\n100000,5,7\r\n", name="a.csv")
    assert table.headers == ["URN", "Number of  Secondary pupils", "IMF"]
    rows, problems = parse_allocations(table, urn_column="urn", amount_column="number of secondary pupils")
    assert [(r.urn, r.amount_pence) for r in rows] == [(100000, 500)]
    assert problems == []


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("allocations.pdf", b"%PDF-1.4\n%%EOF\n", "file_type_not_allowed"),
        ("allocations.txt", b"URN,Amount\n", "file_type_not_allowed"),
        ("allocations.csv", b"", "file_empty"),
        ("allocations.csv", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "file_content_mismatch"),
        ("allocations.xlsx", b"URN,Amount\r\n1,2\r\n", "file_content_mismatch"),
        ("allocations.csv", b"\r\n\r\n", "file_has_no_header"),
    ],
)
def test_files_that_are_not_allocation_files_are_refused(name: str, data: bytes, code: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        read_upload(_upload(data, name))
    assert (exc.value.code, exc.value.field) == (code, "file")


def test_a_file_over_the_size_limit_is_refused(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ApplicationError) as exc:
        read_upload(_upload(b"URN,Amount\r\n" + b"100000,1\r\n" * 20))
    assert exc.value.code == "file_too_large"


def test_guess_columns_prefers_imf_then_total_allocation() -> None:
    assert guess_columns(["URN", "Total allocation", "IMF 2026-27"]) == ("URN", "IMF 2026-27")
    assert guess_columns(["urn", "Name"]) == ("urn", "")
    assert guess_columns(["LAEstab", "Allocation"]) == ("", "Allocation")
