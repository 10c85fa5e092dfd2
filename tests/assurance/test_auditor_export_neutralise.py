"""The auditor export's CSV comes from PostgreSQL's COPY with formula neutralisation done in
SQL: read back, every cell equals what ``defusedcsv`` wrote when rows went through Python."""

from __future__ import annotations

import csv
import io
import operator
from datetime import date
from typing import Any

import pytest
from defusedcsv import csv as defusedcsv
from defusedcsv.csv import _escape as defusedcsv_escape
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from assurance import auditor
from assurance.auditor import ExportFile, csv_cell, export_files, export_parameters
from core.tenancy import tenant_context
from groupings import services as groupings_services
from pooling.models import AccountKind
from pooling.services.ledger import LegSpec, post
from pooling.services.payments import payment_run_confirm
from tests import hypothesis_profiles  # noqa: F401  (HYPOTHESIS_PROFILE=ci or deep applies here too)
from tests.assurance.test_auditor_export import CSV_FILES, _volume, approved_and_declined, export
from tests.exceptional_resource.conftest import Scene
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db

FORMULA_FIRST = "@+-=|%"
# Characters that matter to neutralisation or to CSV quoting, and digits Python's [0-9]
# does not match (Arabic-Indic three, fullwidth one).
TRICKY = "@+-=|%'\",;\r\n\t .0123456789\\\u0663\uff11"
any_char = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
tricky_text = st.text(st.one_of(st.sampled_from(TRICKY), any_char), max_size=12)
texts = st.one_of(
    st.none(),
    st.just(""),
    st.text(any_char, max_size=20),
    st.builds(operator.add, st.sampled_from(FORMULA_FIRST), tricky_text),  # starts like a formula
    st.from_regex(r"[-@+=|%]?-?[0-9,.\u0663]{1,6}\n?", fullmatch=True),  # numbers and near-numbers
    st.builds(operator.add, tricky_text, st.sampled_from(["\n", "\r\n", "\n\n", "\r", "\n "])),  # line ends
)
flags = st.one_of(st.none(), st.booleans())
integers = st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1))

PROBE = ExportFile(
    "probe.csv",
    "One row per value: its position and the value as text, yes/no and integer.",
    ("n", "text", "flag", "number"),
    """u.n, u.t, u.f, u.i
    \nFROM unnest(%(texts)s::text[], %(flags)s::boolean[], %(numbers)s::bigint[]) WITH ORDINALITY AS u(t, f, i, n)""",
    "u.n",
)


def copy_rows(spec: ExportFile, params: dict[str, Any]) -> list[list[str]]:
    """The file's rows as the export writes them (COPY of ``copy_sql``), read back."""
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(spec.describe_sql(), params)
        types = [column.type_code for column in cursor.description or ()]
        with cursor.copy(spec.copy_sql(types), params) as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def reference_rows(spec: ExportFile, params: dict[str, Any]) -> list[list[str]]:
    """The export before COPY (format 1): the query's rows fetched into Python and written
    by ``defusedcsv.writer`` (CRLF line ends), read back; header row first."""
    connection.ensure_connection()
    raw = connection.connection
    out = io.StringIO(newline="")
    writer = defusedcsv.writer(out)
    writer.writerow(spec.columns)
    with raw.cursor() as cursor:
        cursor.execute(spec.sql(), params)
        writer.writerows(cursor.fetchall())
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


def python_cell(value: Any) -> str:
    """What ``defusedcsv.writer`` puts in a cell, as ``csv.reader`` reads it back."""
    escaped = defusedcsv_escape(value)
    return "" if escaped is None else str(escaped)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(texts, flags, integers), max_size=10))
def test_sql_neutralisation_reads_back_exactly_as_defusedcsv_writes_each_value(
    values: list[tuple[str | None, bool | None, int | None]],
) -> None:
    params = {
        "texts": [t for t, _, _ in values],
        "flags": [f for _, f, _ in values],
        "numbers": [i for _, _, i in values],
    }

    got = copy_rows(PROBE, params)

    assert got == [[str(n), *(python_cell(v) for v in row)] for n, row in enumerate(values, start=1)]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("@cmd|' /C calc'!A0", "'@cmd\\|' /C calc'!A0"),
        ("-1,234.50", "-1,234.50"),  # a plain number stays a number
        ("-12\n", "-12\n"),  # and so does one with a final line feed (Python's $)
        ("-12\n\n", "'-12\n\n"),
        ("-\u0663", "'-\u0663"),  # not an ASCII digit
        ("%", "'%"),
        ("", ""),
        ("plain|text", "plain|text"),
    ],
)
def test_known_cells(text: str, cell: str) -> None:
    [[_, got, _, _]] = copy_rows(PROBE, {"texts": [text], "flags": [None], "numbers": [None]})
    assert got == cell == python_cell(text)


def test_a_column_of_a_type_without_a_csv_rule_is_refused() -> None:
    dated = ExportFile("dated.csv", "", ("day",), "d.day\nFROM (VALUES (date '2026-04-01')) AS d(day)", "d.day")
    with pytest.raises(TypeError, match=r"dated.csv day: no CSV rule for type date; cast it to text"):
        copy_rows(dated, {})
    with pytest.raises(TypeError, match="no CSV rule for type timestamptz"):
        csv_cell("x", 1184)


HOSTILE = [
    '=HYPERLINK("http://evil.example","Click")',
    "+44 20 7946 0000",
    "-1+2",
    "@cmd|' /C calc'!A0",
    "|pipe|and|more",
    "%percent",
    "-1,234.50",
    "-12\n",
    "=1\r\n=2\n",
    'a "quoted", comma',
    "line one\nline two",
]


def hostile_world(scene: Scene) -> None:
    """Free text everywhere the export shows it: school and counterparty names, agreement
    references, transaction descriptions and keys, decision reasons and conditions."""
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True)
    school = own_academy(scene.body, name="=HYPERLINK(\"x\")|School, 'A'")
    arrangement = groupings_services.arrangement_propose(
        actor=admin.user,
        tenant=scene.body,
        school_id=school.pk,
        basis="own_academy",
        counterparty="@Counterparty|x",
        agreement_reference="-2+3",
        start_date=date(2026, 4, 1),
    )
    groupings_services.arrangement_activate(actor=admin.user, tenant=scene.body, arrangement_id=arrangement.pk)
    for n, text in enumerate(HOSTILE):
        post(
            actor=scene.finance.user,
            tenant=scene.body,
            pool=scene.pool,
            kind="recovery",
            posted_on=date(2026, 6, 1),
            description=text,
            idempotency_key=f"{FORMULA_FIRST[n % 6]}key-{n}",
            source_type=FORMULA_FIRST[(n + 1) % 6] + "test",
            source_id=f"-{n}",
            legs=[
                LegSpec(AccountKind.POOL_BANK, 5_00 + n, school.pk),
                LegSpec(AccountKind.RECOVERIES, -(5_00 + n), school.pk),
            ],
        )
    approved_and_declined(
        scene, reasons=HOSTILE[0], conditions="+review|termly\r\n-1", declined_reasons="@SUM(1+1)|x\n"
    )
    payment_run_confirm(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2027, 1, 5),
    )
    _volume(scene, 40, first=1)  # the benchmark's descriptions, a fifth of them formula-like


def test_every_file_reads_back_exactly_as_the_defusedcsv_export_did(scene: Scene) -> None:
    hostile_world(scene)

    archive, result = export(scene)

    params = export_parameters(tenant=scene.body, pool=scene.pool)
    neutralised = 0
    with tenant_context(scene.body):
        for spec in export_files():
            content = archive.read(spec.name)
            assert content.startswith("\N{BYTE ORDER MARK}".encode())
            got = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
            expected = reference_rows(spec, params)
            assert got == expected, spec.name
            assert len(got) - 1 == result.rows[spec.name] > 0, spec.name
            neutralised += sum(cell.startswith("'") for row in got[1:] for cell in row)
    assert [spec.name for spec in export_files()] == CSV_FILES
    assert neutralised >= len(HOSTILE)  # the comparison is not vacuous


def test_the_files_are_written_by_copy_with_lf_line_ends_and_the_manifest_says_so(scene: Scene) -> None:
    hostile_world(scene)

    archive, result = export(scene)

    legs = archive.read("ledger_legs.csv")
    assert legs.startswith("\N{BYTE ORDER MARK}leg_id,transaction_id,".encode())
    assert b"\r\n" not in legs
    assert legs.endswith(b"\n")
    assert result.manifest["format_version"] == auditor.FORMAT_VERSION == 2
    assert "COPY" in result.manifest["encoding"]
    assert "LF" in result.manifest["encoding"]
    assert "as defusedcsv does it" in result.manifest["formula_neutralisation"]
