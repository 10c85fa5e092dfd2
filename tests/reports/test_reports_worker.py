"""Report runs executed by real Celery worker processes on Redis (not eager): progress is
visible while running, transient failures are retried, duplicated tasks give one result,
and a worker killed mid-run is recovered with exactly one succeeded run and one file set."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from accounts.models import Role
from core.tenancy import tenant_context
from reports import services
from reports.models import ReportRun
from reports.tasks import report_run_task
from tests.factories import TrustFactory, member
from tests.reports.report_types import SELFTEST
from tests.reports.reports_support import files_of, report_media, run_of, stored_paths
from tests.worker import running_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
__all__ = ["report_media"]


def wait_for(check: Callable[[], bool], *, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def body_and_officer():  # type: ignore[no-untyped-def]
    body = TrustFactory(legal_name="Worker Reporting Trust")
    return body, member(Role.FINANCE_OFFICER, body, mfa=True).user


def _request(body, officer, **data) -> ReportRun:  # type: ignore[no-untyped-def]
    data.setdefault("title", "Worker run")
    return services.report_run_request(actor=officer, tenant=body, report_type=SELFTEST, data=data)


def test_worker_builds_the_run_and_progress_is_visible_meanwhile(body_and_officer, report_media: Path) -> None:
    body, officer = body_and_officer
    with running_worker():
        run = _request(body, officer, steps=6, sleep_seconds=0.4)
        seen: set[int] = set()

        def finished() -> bool:
            current = run_of(body, run.pk)
            if current.status == "running":
                seen.add(current.progress_percent)
            return current.status == "succeeded"

        wait_for(finished, what="the run to succeed")
    assert any(0 < p < 100 for p in seen), seen
    done = run_of(body, run.pk)
    assert (done.attempts, done.progress_percent) == (1, 100)
    assert [f.name for f in files_of(body, run.pk)] == ["rows.csv", "summary.txt"]
    assert (report_media / f"reports/{body.pk}/{run.pk}/summary.txt").read_bytes() == b"Worker run\nattempt 1\n"


def test_worker_retries_a_transient_database_error(body_and_officer, report_media: Path, monkeypatch) -> None:
    body, officer = body_and_officer
    monkeypatch.setenv("REPORTS_RETRY_BASE_SECONDS", "0.2")
    with running_worker():
        run = _request(body, officer, steps=1, behaviour="transient_once")
        wait_for(lambda: run_of(body, run.pk).status == "succeeded", what="the retried run to succeed")
    done = run_of(body, run.pk)
    assert done.attempts == 2
    assert (report_media / f"reports/{body.pk}/{run.pk}/summary.txt").read_bytes() == b"Worker run\nattempt 2\n"


def test_worker_records_a_failure_clearly(body_and_officer, report_media: Path) -> None:
    body, officer = body_and_officer
    with running_worker():
        run = _request(body, officer, steps=1, behaviour="fail")
        wait_for(lambda: run_of(body, run.pk).status == "failed", what="the run to fail")
    assert run_of(body, run.pk).error_message == "Totals do not reconcile: section total £10.00 but ledger £10.01."
    assert stored_paths(report_media) == []


def test_duplicated_tasks_on_two_worker_processes_give_one_result(body_and_officer, report_media: Path) -> None:
    body, officer = body_and_officer
    with running_worker(concurrency=2):
        run = _request(body, officer, steps=4, sleep_seconds=0.3)
        report_run_task.delay(run.pk)
        report_run_task.delay(run.pk)
        wait_for(lambda: run_of(body, run.pk).status == "succeeded", what="the run to succeed")
        time.sleep(2)  # let the duplicates finish (they skip)
    done = run_of(body, run.pk)
    assert done.attempts == 1
    assert stored_paths(report_media) == [
        f"reports/{body.pk}/{run.pk}/rows.csv",
        f"reports/{body.pk}/{run.pk}/summary.txt",
    ]
    with tenant_context(body):
        assert ReportRun.objects.count() == 1


def test_killing_the_worker_mid_run_then_restarting_gives_one_run_and_one_file_set(
    body_and_officer, report_media: Path, monkeypatch, settings
) -> None:
    body, officer = body_and_officer
    monkeypatch.setenv("REPORTS_STALE_AFTER_SECONDS", "2")
    settings.REPORTS_STALE_AFTER_SECONDS = 2
    with running_worker() as worker:
        run = _request(body, officer, steps=20, sleep_seconds=0.3)
        wait_for(lambda: run_of(body, run.pk).progress_percent >= 15, what="the run to be well under way")
        worker.kill()  # SIGKILL: no warm shutdown, the task message is never acknowledged
        worker.wait(timeout=10)
    interrupted = run_of(body, run.pk)
    assert interrupted.status == "running"
    assert 15 <= interrupted.progress_percent < 100
    assert files_of(body, run.pk) == []
    time.sleep(2.5)  # the dead worker's heartbeat goes stale
    with running_worker():
        assert services.reports_requeue_stale() == [run.pk]  # what the beat task does every 5 minutes
        wait_for(lambda: run_of(body, run.pk).status == "succeeded", what="the recovered run to succeed")
    done = run_of(body, run.pk)
    assert done.attempts == 2
    with tenant_context(body):
        assert ReportRun.objects.count() == 1
        assert ReportRun.objects.filter(status="succeeded").count() == 1
    assert [f.name for f in files_of(body, run.pk)] == ["rows.csv", "summary.txt"]
    assert stored_paths(report_media) == [
        f"reports/{body.pk}/{run.pk}/rows.csv",
        f"reports/{body.pk}/{run.pk}/summary.txt",
    ]
    assert (report_media / f"reports/{body.pk}/{run.pk}/summary.txt").read_bytes() == b"Worker run\nattempt 2\n"
