"""The auditor export: a zip of CSVs and a manifest, neutralised, streamed, to the penny."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import tracemalloc
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assurance.auditor import export as auditor
from assurance.auditor.export import MANIFEST_NAME, auditor_export_write
from core.errors import ApplicationError
from core.tenancy import tenant_context
from devtools import bench_export
from exceptional_resource.services import cases
from groupings.models import School
from pooling.models import AccountKind, Leg
from pooling.services.ledger import LegSpec, post
from reports import services as report_services
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.test_workflow import _approve
from tests.factories import TrustFactory, enable_mfa, member
from tests.pooling.audit_grants_support import pool_auditor
from tests.pooling.payments_support import confirm_and_pay
from tests.reports.reports_support import files_of, report_media, run_of
from tests.worker import running_worker

pytestmark = pytest.mark.django_db
__all__ = ["report_media"]

REPO = Path(__file__).resolve().parents[2]
CSV_FILES = [
    "ledger_transactions.csv",
    "ledger_legs.csv",
    "decisions_register.csv",
    "awards.csv",
    "instalments.csv",
    "payment_runs.csv",
    "payment_run_lines.csv",
    "arrangements.csv",
    "audit_events.csv",
]


def export(scene: Scene, period: str = "2026-27", **kwargs: Any) -> tuple[zipfile.ZipFile, auditor.ExportResult]:
    out = io.BytesIO()
    result = auditor_export_write(
        tenant=scene.body, period=period, out=out, requested_by="auditor@example.org", **kwargs
    )
    out.seek(0)
    return zipfile.ZipFile(out), result


def rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def approved_and_declined(
    scene: Scene, *, declined_reasons: str = '=HYPERLINK("http://evil.example","Click")', **approval: Any
) -> tuple[Any, Any]:
    """An approved case of £12,000 (``approval`` adds to its decision's terms) and a declined one."""
    approved = draft_case(scene, requested_pence=12_000_00)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=approved.pk)
    result = _approve(scene, approved, amount=12_000_00, **approval)
    declined = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=declined.pk)
    cases.case_decide(
        actor=scene.senior.user,
        tenant=scene.body,
        case_id=declined.pk,
        outcome="declined",
        criteria_met=[],
        reasons=declined_reasons,
    )
    return result, declined


def test_the_zip_holds_every_file_and_a_manifest_whose_checksums_and_counts_match(scene: Scene) -> None:
    result, declined = approved_and_declined(scene)
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2027, 1, 5),
    )

    archive, outcome = export(scene)

    assert archive.namelist() == [*CSV_FILES, MANIFEST_NAME]
    manifest = json.loads(archive.read(MANIFEST_NAME))
    assert manifest["report"] == "auditor_export"
    assert manifest["app_version"] == settings.APP_VERSION
    assert manifest["filters"]["period"] == "2026-27"
    assert manifest["filters"]["period_starts_on"] == "2026-04-01"
    assert manifest["filters"]["period_ends_on"] == "2027-03-31"
    assert manifest["responsible_body"]["slug"] == scene.body.slug
    assert manifest["requested_by"] == "auditor@example.org"
    assert manifest["generated_at"].endswith("Z")
    assert manifest["data_as_at"].endswith("Z")
    assert manifest["data_as_at"] <= manifest["generated_at"]
    for entry in manifest["files"]:
        content = archive.read(entry["name"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        assert len(content) == entry["bytes"]
        assert len(rows(archive, entry["name"])) == entry["rows"]
        assert next(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == entry["columns"]
    assert [entry["name"] for entry in manifest["files"]] == CSV_FILES
    assert outcome.rows == {entry["name"]: entry["rows"] for entry in manifest["files"]}

    award = result.award
    awards = rows(archive, "awards.csv")
    assert [(a["award_id"], a["amount_pence"], a["amount_pounds"], a["school_urn"]) for a in awards] == [
        (str(award.pk), "1200000", "12000.00", str(scene.school.urn))
    ]
    decisions = {d["case_reference"]: d for d in rows(archive, "decisions_register.csv")}
    assert decisions[declined.reference]["outcome"] == "declined"
    assert decisions[declined.reference]["award_id"] == ""
    assert decisions[result.award.case.reference]["award_id"] == str(award.pk)
    assert decisions[result.award.case.reference]["officer"] == scene.officer.user.email
    assert decisions[declined.reference]["officer"] == scene.senior.user.email
    instalments = rows(archive, "instalments.csv")
    assert sum(int(i["amount_pence"]) for i in instalments) == 12_000_00
    assert {i["status"] for i in instalments if i["due_on"] <= "2026-12-31"} == {"paid"}
    runs = rows(archive, "payment_runs.csv")
    assert len(runs) == 1
    assert runs[0]["status"] == "paid"
    lines = rows(archive, "payment_run_lines.csv")
    assert sum(int(x["amount_pence"]) for x in lines) == int(runs[0]["total_pence"])
    assert [a["school_urn"] for a in rows(archive, "arrangements.csv")] == [str(scene.school.urn)]
    events = rows(archive, "audit_events.csv")
    assert {"case.decided", "payment_run.confirmed"} & {e["verb"] for e in events}
    assert all(len(e["hash"]) == 64 for e in events)


def test_every_transactions_legs_sum_to_zero_and_match_the_ledger_to_the_penny(scene: Scene) -> None:
    approved_and_declined(scene)

    archive, _ = export(scene)

    legs = rows(archive, "ledger_legs.csv")
    by_transaction: dict[str, int] = defaultdict(int)
    for leg in legs:
        by_transaction[leg["transaction_id"]] += int(leg["amount_pence"])
        assert f"{int(leg['amount_pence']) / 100:.2f}" == leg["amount_pounds"]
    assert set(by_transaction.values()) == {0}
    transactions = rows(archive, "ledger_transactions.csv")
    assert {t["transaction_id"] for t in transactions} == set(by_transaction)
    debits = {t["transaction_id"]: int(t["total_debits_pence"]) for t in transactions}
    for transaction_id in by_transaction:
        assert debits[transaction_id] == sum(
            int(leg["amount_pence"])
            for leg in legs
            if leg["transaction_id"] == transaction_id and int(leg["amount_pence"]) > 0
        )
    awards_balance = sum(int(leg["amount_pence"]) for leg in legs if leg["account"] == AccountKind.AWARDS)
    assert awards_balance == 12_000_00
    funded = sum(int(leg["amount_pence"]) for leg in legs if leg["account"] == AccountKind.POOL_BANK)
    assert funded == 40_000_00


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+44 20 7946 0000", "-1+2", "@cmd|' /C calc'!A0"])
def test_a_cell_from_user_text_starting_with_a_formula_character_is_neutralised(scene: Scene, text: str) -> None:
    school = School.objects.get(pk=scene.school.pk)
    post(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        kind="recovery",
        posted_on=date(2026, 6, 1),
        description=text,
        idempotency_key="formula",
        source_type="test",
        source_id="formula",
        legs=[
            LegSpec(AccountKind.POOL_BANK, 5_00, school.pk),
            LegSpec(AccountKind.RECOVERIES, -5_00, school.pk),
        ],
    )

    archive, _ = export(scene)

    [row] = [t for t in rows(archive, "ledger_transactions.csv") if t["idempotency_key"] == "formula"]
    assert row["description"] == "'" + text.replace("|", "\\|")
    negative = [leg for leg in rows(archive, "ledger_legs.csv") if leg["amount_pence"] == "-500"]
    assert [leg["amount_pounds"] for leg in negative] == ["-5.00"]  # a plain negative number stays a number


def test_a_declined_decisions_formula_reasons_are_neutralised_in_the_register(scene: Scene) -> None:
    _, declined = approved_and_declined(scene)

    archive, _ = export(scene)

    register = {d["case_reference"]: d for d in rows(archive, "decisions_register.csv")}
    assert register[declined.reference]["reasons"] == '\'=HYPERLINK("http://evil.example","Click")'


def test_an_unknown_or_malformed_period_is_a_clear_error(scene: Scene) -> None:
    for period in ("2031-32", "", "twenty-six"):
        with pytest.raises(ApplicationError) as caught:
            export(scene, period=period)
        assert caught.value.code == "unknown_period"
        assert caught.value.field == "period"
        assert "Periods with a pool: 2026-27." in caught.value.message


def test_another_bodys_ledger_never_appears(scene: Scene) -> None:
    other = member("finance_officer", mfa=True)
    from pooling.services.ledger import pool_open
    from tests.pooling.conftest import fund

    other_pool = pool_open(actor=other.user, tenant=other.responsible_body, label="2026-27")
    fund(other, other_pool, 99_999_00, key="other")

    archive, _ = export(scene)

    assert all(int(leg["amount_pence"]) != 99_999_00 for leg in rows(archive, "ledger_legs.csv"))
    assert len(rows(archive, "ledger_transactions.csv")) == 2  # the scene's contribution and receipt


def _volume(scene: Scene, transactions: int, first: int) -> None:
    bench = bench_export
    with tenant_context(scene.body), connection.cursor() as cursor:
        bench.insert_synthetic_ledger(
            cursor,
            body_id=scene.body.pk,
            pool_id=scene.pool.pk,
            school_ids=[scene.school.pk],
            transactions=transactions,
            first=first,
        )


def _peak_bytes(scene: Scene) -> tuple[int, auditor.ExportResult]:
    sink = _NullSink()
    tracemalloc.start()
    try:
        result = auditor_export_write(tenant=scene.body, period="2026-27", out=sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


class _NullSink(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


def test_memory_stays_flat_as_the_ledger_grows(scene: Scene) -> None:
    _volume(scene, 5_000, first=1)
    small_peak, small = _peak_bytes(scene)
    _volume(scene, 15_000, first=5_001)
    large_peak, large = _peak_bytes(scene)

    assert small.rows["ledger_legs.csv"] == 10_004
    assert large.rows["ledger_legs.csv"] == 40_004
    # Four times the rows; the peak is set by the write buffer and one row, not by the ledger's size.
    assert large_peak < small_peak * 1.5
    assert large_peak < 16 * 1024 * 1024


@pytest.mark.django_db(transaction=True)
def test_rows_stream_through_copy_and_progress_is_reported_during_a_file(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    _volume(scene, 6_000, first=1)
    during: list[tuple[str, str]] = []

    def progress(percent: int, note: str) -> None:
        with connection.cursor() as cursor:  # the export's own connection's latest statement
            cursor.execute(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND query LIKE 'COPY (%%'"
            )
            during.extend((note, query) for (query,) in cursor.fetchall())

    monkeypatch.setattr(auditor, "PROGRESS_EVERY_ROWS", 5_000)
    _, result = export(scene, progress=progress)

    assert result.rows["ledger_legs.csv"] == 12_004
    # Each file's COPY follows its own describe query, so a COPY seen at a tick is that file's.
    notes = [note for note, _ in during]
    assert "Writing ledger_legs.csv: 5,000 rows" in notes
    assert "Writing ledger_legs.csv: 10,000 rows" in notes


def test_inside_a_transaction_progress_comes_between_files_and_rows_are_counted_by_copy(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    _volume(scene, 3_000, first=1)
    notes: list[str] = []

    def progress(percent: int, note: str) -> None:
        with connection.cursor() as cursor:  # the export's connection is free: no COPY under way
            cursor.execute("SELECT 1")
        notes.append(note)

    monkeypatch.setattr(auditor, "PROGRESS_EVERY_ROWS", 1_000)
    _, result = export(scene, progress=progress)

    assert result.rows["ledger_legs.csv"] == 6_004
    assert "Writing ledger_legs.csv (6,004 rows)" in notes
    assert not [note for note in notes if note.endswith(" rows") and ": " in note]
    assert notes[-1] == "Export written"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_export_reads_one_snapshot_on_its_own_connection(scene: Scene) -> None:
    approved_and_declined(scene)
    own_backend = connection.cursor().connection.info.backend_pid
    backends: list[int] = []

    def progress(percent: int, note: str) -> None:
        with connection.cursor() as cursor:  # the caller's connection stays free for progress
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_xid IS NULL AND state = 'idle in transaction'"
            )
            backends.extend(pid for (pid,) in cursor.fetchall())

    archive, result = export(scene, progress=progress)

    manifest = json.loads(archive.read(MANIFEST_NAME))
    assert manifest["consistency"] == "one REPEATABLE READ snapshot for every file"
    assert result.rows["awards.csv"] == 1
    assert result.rows["decisions_register.csv"] == 2
    assert backends
    assert own_backend not in backends


def test_an_auditor_requests_the_export_as_a_report_run_and_gets_one_zip_with_its_checksum(
    scene: Scene, report_media: Path
) -> None:
    approved_and_declined(scene)
    auditor_user = pool_auditor(scene.body)

    run = report_services.report_run_request(
        actor=auditor_user, tenant=scene.body, report_type="auditor_export", data={"period": "2026-27"}
    )
    assert report_services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"

    [stored] = files_of(scene.body, run.pk)
    assert stored.name == f"auditor-export-{scene.body.slug}-2026-27.zip"
    content = (report_media / stored.storage_path).read_bytes()
    assert hashlib.sha256(content).hexdigest() == stored.sha256
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(content)).read(MANIFEST_NAME))
    assert manifest["requested_by"] == auditor_user.email
    assert run_of(scene.body, run.pk).label == "Auditor export, funding period 2026-27"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_real_worker_builds_the_export_once_and_its_legs_equal_the_ledger(scene: Scene, report_media: Path) -> None:
    """Requested like any report, built by a Celery worker process on Redis (not eager)."""
    approved_and_declined(scene)
    auditor_user = pool_auditor(scene.body)
    with running_worker():
        run = report_services.report_run_request(
            actor=auditor_user, tenant=scene.body, report_type="auditor_export", data={"period": "2026-27"}
        )
        deadline = time.monotonic() + 120
        while run_of(scene.body, run.pk).status in {"queued", "running"} and time.monotonic() < deadline:
            time.sleep(0.3)
    done = run_of(scene.body, run.pk)
    assert done.status == "succeeded", done.error_message
    [stored] = files_of(scene.body, run.pk)
    content = (report_media / stored.storage_path).read_bytes()
    assert hashlib.sha256(content).hexdigest() == stored.sha256
    archive = zipfile.ZipFile(io.BytesIO(content))
    legs = list(csv.DictReader(io.StringIO(archive.read("ledger_legs.csv").decode("utf-8-sig"))))
    with tenant_context(scene.body):
        expected = sorted(Leg.objects.filter(account__pool=scene.pool).values_list("pk", "amount_pence"))
    assert sorted((int(r["leg_id"]), int(r["amount_pence"])) for r in legs) == expected
    assert sum(int(r["amount_pence"]) for r in legs) == 0


def test_the_export_request_names_a_bad_period_and_other_roles_cannot_request_it(scene: Scene) -> None:
    auditor_user = pool_auditor(scene.body)
    with pytest.raises(ApplicationError) as bad:
        report_services.report_run_request(
            actor=auditor_user, tenant=scene.body, report_type="auditor_export", data={"period": "2019-20"}
        )
    assert bad.value.extra["fields"] == {"period": ["Choose a funding period this body has a pool for"]}

    page = reverse("reports:report-new", kwargs={"body_slug": scene.body.slug}) + "?type=auditor_export"
    enable_mfa(auditor_user)  # an auditor sets up MFA before any export (#21)
    auditor_client, finance_client = Client(), Client()
    auditor_client.force_login(auditor_user)
    finance_client.force_login(scene.finance.user)
    assert auditor_client.get(page).status_code == 200
    assert finance_client.get(page).status_code == 404
    refused = finance_client.post(page, {"report_type": "auditor_export", "period": "2026-27"})
    assert refused.status_code == 404


def test_only_a_current_auditor_of_the_body_sees_and_downloads_the_export(scene: Scene, report_media: Path) -> None:
    approved_and_declined(scene)
    auditor_user = pool_auditor(scene.body)
    run = report_services.report_run_request(
        actor=auditor_user, tenant=scene.body, report_type="auditor_export", data={"period": "2026-27"}
    )
    report_services.report_run_execute(report_run_id=run.pk, task_id="t-1")
    [stored] = files_of(scene.body, run.pk)
    kwargs = {"body_slug": scene.body.slug, "reportrun_id": run.pk}
    run_page = reverse("reports:report", kwargs=kwargs)
    download = reverse("reports:report-file", kwargs={**kwargs, "reportfile_id": stored.pk})
    expired = member(
        Role.AUDITOR,
        scene.body,
        valid_from=timezone.localdate() - timedelta(days=400),
        valid_to=timezone.localdate() - timedelta(days=1),
    ).user
    outsider = member(Role.AUDITOR, TrustFactory(), valid_to=date(2027, 12, 31)).user

    allowed = Client()
    allowed.force_login(auditor_user)
    assert allowed.get(run_page).status_code == 200
    response = allowed.get(download)
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == stored.sha256
    for user in (scene.finance.user, scene.head.user, expired, outsider):
        client = Client()
        client.force_login(user)
        assert client.get(run_page).status_code == 404, user.email
        assert client.get(download).status_code == 404, user.email
