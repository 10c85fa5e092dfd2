"""The report framework without a worker: requesting, claiming (compare-and-set), building,
storing, failing, downloading, permissions, retention and the monthly schedule. The task's
service is called directly here; tests/reports/test_reports_worker.py runs real workers."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from reports import services
from reports.models import ReportRun
from reports.tasks import report_email_task
from tests.factories import TrustFactory, member
from tests.reports.report_types import SELFTEST
from tests.reports.reports_support import files_of, report_media, run_of, stored_paths

pytestmark = pytest.mark.django_db
__all__ = ["report_media"]


@pytest.fixture
def body():  # type: ignore[no-untyped-def]
    return TrustFactory(legal_name="Reporting Trust")


@pytest.fixture
def officer(body):  # type: ignore[no-untyped-def]
    return member(Role.FINANCE_OFFICER, body, mfa=True).user


def _request(body, officer, **data):  # type: ignore[no-untyped-def]
    data.setdefault("title", "Quarterly check")
    data.setdefault("steps", 2)
    return services.report_run_request(actor=officer, tenant=body, report_type=SELFTEST, data=data)


def test_request_queues_a_run_with_label_parameters_and_audit(
    body, officer, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        run = _request(body, officer)
    assert len(callbacks) == 1  # the task is enqueued only after commit
    run = run_of(body, run.pk)
    assert run.status == "queued"
    assert run.label == "Self-test report, Quarterly check"
    assert run.parameters == {"title": "Quarterly check", "steps": 2, "sleep_seconds": None, "behaviour": ""}
    assert run.requested_by_label == officer.email
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="report.requested", object_id=str(run.pk)).count() == 1


def test_request_with_bad_parameters_names_each_field(body, officer) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.report_run_request(
            actor=officer, tenant=body, report_type=SELFTEST, data={"title": "", "steps": "lots"}
        )
    assert caught.value.code == "invalid_parameters"
    assert caught.value.extra["fields"] == {"title": ["Enter a title"], "steps": ["Enter a whole number."]}
    with tenant_context(body):
        assert ReportRun.objects.count() == 0


def test_request_of_an_unknown_type_is_refused(body, officer) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.report_run_request(actor=officer, tenant=body, report_type="no-such", data={})
    assert caught.value.code == "unknown_report_type"


def test_execute_builds_stores_files_with_checksums_and_emails(body, officer, report_media: Path) -> None:
    run = _request(body, officer, steps=3)
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    run = run_of(body, run.pk)
    assert (run.status, run.progress_percent, run.attempts) == ("succeeded", 100, 1)
    assert run.started_at is not None
    assert run.finished_at is not None
    files = files_of(body, run.pk)
    assert [f.name for f in files] == ["rows.csv", "summary.txt"]
    summary = (report_media / files[1].storage_path).read_bytes()
    assert summary == b"Quarterly check\nattempt 1\n"
    assert files[1].sha256 == hashlib.sha256(summary).hexdigest()
    assert files[1].size_bytes == len(summary)
    assert files[1].storage_path == f"reports/{body.pk}/{run.pk}/summary.txt"
    assert stored_paths(report_media) == [
        f"reports/{body.pk}/{run.pk}/rows.csv",
        f"reports/{body.pk}/{run.pk}/summary.txt",
    ]
    report_email_task.apply(args=[run.pk])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [officer.email]
    assert mail.outbox[0].subject == "Your report is ready: Self-test report, Quarterly check"
    assert f"/b/{body.slug}/reports/{run.pk}/" in mail.outbox[0].body


def test_a_second_or_duplicate_task_after_success_does_nothing(body, officer, report_media: Path) -> None:
    run = _request(body, officer)
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    first = {f.name: (f.pk, f.sha256) for f in files_of(body, run.pk)}
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "skipped"
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-2") == "skipped"
    assert {f.name: (f.pk, f.sha256) for f in files_of(body, run.pk)} == first
    assert run_of(body, run.pk).attempts == 1


def test_a_duplicate_task_leaves_a_run_held_by_a_live_worker_alone(body, officer) -> None:
    run = _request(body, officer)
    assert services.report_run_claim(tenant=body, report_run_id=run.pk, task_id="t-1") == 1
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-other") == "skipped"
    assert run_of(body, run.pk).attempts == 1


def test_the_same_task_redelivered_takes_its_run_back_and_replaces_partial_files(
    body, officer, report_media: Path
) -> None:
    run = _request(body, officer)
    assert services.report_run_claim(tenant=body, report_run_id=run.pk, task_id="t-1") == 1
    leftover = report_media / f"reports/{body.pk}/{run.pk}"
    leftover.mkdir(parents=True)
    (leftover / "summary.txt").write_bytes(b"half written")
    (leftover / "old-name.tmp").write_bytes(b"from a dead attempt")
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    run = run_of(body, run.pk)
    assert run.attempts == 2
    assert stored_paths(report_media) == [
        f"reports/{body.pk}/{run.pk}/rows.csv",
        f"reports/{body.pk}/{run.pk}/summary.txt",
    ]
    assert (leftover / "summary.txt").read_bytes() == b"Quarterly check\nattempt 2\n"


def test_a_stale_run_is_taken_over_and_the_superseded_attempt_changes_nothing(
    body, officer, report_media: Path, settings
) -> None:
    run = _request(body, officer)
    assert services.report_run_claim(tenant=body, report_run_id=run.pk, task_id="t-dead") == 1
    with tenant_context(body):
        ReportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-new") == "succeeded"
    with pytest.raises(services.RunSuperseded):
        services.report_run_progress(tenant=body, report_run_id=run.pk, attempt=1, percent=50, note="late")
    with pytest.raises(services.RunSuperseded):
        services.report_run_fail(tenant=body, report_run_id=run.pk, attempt=1, message="late failure")
    run = run_of(body, run.pk)
    assert (run.status, run.attempts, run.progress_percent, run.error_message) == ("succeeded", 2, 100, "")


def test_report_failed_fails_the_run_with_its_message(body, officer, report_media: Path) -> None:
    run = _request(body, officer, behaviour="fail")
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "failed"
    run = run_of(body, run.pk)
    assert run.status == "failed"
    assert run.error_message == "Totals do not reconcile: section total £10.00 but ledger £10.01."
    assert files_of(body, run.pk) == []
    assert stored_paths(report_media) == []
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="report.failed", object_id=str(run.pk)).count() == 1
    report_email_task.apply(args=[run.pk])
    assert mail.outbox[0].subject.startswith("Your report could not be produced")
    assert "Totals do not reconcile" in mail.outbox[0].body


def test_an_unexpected_crash_fails_the_run_clearly(body, officer, report_media: Path) -> None:
    run = _request(body, officer, behaviour="crash")
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "failed"
    assert run_of(body, run.pk).error_message == (
        "The report could not be produced because of an unexpected error (ZeroDivisionError). "
        f"The details are in the worker's log under report run {run.pk}."
    )


def test_a_transient_error_releases_the_run_for_the_retry(body, officer, report_media: Path) -> None:
    run = _request(body, officer, behaviour="transient_once")
    with pytest.raises(services.OperationalError):
        services.report_run_execute(report_run_id=run.pk, task_id="t-1")
    released = run_of(body, run.pk)
    assert (released.status, released.attempts) == ("queued", 1)
    assert released.progress_note == "Waiting to retry: the database went away (test)"
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    assert run_of(body, run.pk).attempts == 2


def test_a_run_started_too_often_is_stopped(body, officer, settings) -> None:
    settings.REPORTS_MAX_ATTEMPTS = 2
    run = _request(body, officer)
    with tenant_context(body):
        ReportRun.objects.filter(pk=run.pk).update(attempts=2)
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "skipped"
    run = run_of(body, run.pk)
    assert run.status == "failed"
    assert run.error_message == "The report was started 2 times without finishing; it has been stopped."


def test_status_and_progress_are_checked_by_the_database(body, officer) -> None:
    from django.db import IntegrityError, transaction

    run = _request(body, officer)
    with tenant_context(body):
        for change in (
            {"status": "done"},
            {"progress_percent": 101},
            {"status": "failed", "finished_at": timezone.now()},
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                ReportRun.objects.filter(pk=run.pk).update(**change)


def test_retention_deletes_old_files_and_keeps_the_run_marked_expired(
    body, officer, report_media: Path, settings
) -> None:
    settings.REPORTS_RETENTION_DAYS = 30
    old = _request(body, officer, title="Old")
    new = _request(body, officer, title="New")
    for run in (old, new):
        services.report_run_execute(report_run_id=run.pk, task_id=f"t-{run.pk}")
    with tenant_context(body):
        ReportRun.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=31))
    assert services.reports_expire() == [old.pk]
    expired = run_of(body, old.pk)
    assert expired.status == "expired"
    assert expired.expired_at is not None
    assert all(f.deleted_at is not None for f in files_of(body, old.pk))
    assert stored_paths(report_media) == [
        f"reports/{body.pk}/{new.pk}/rows.csv",
        f"reports/{body.pk}/{new.pk}/summary.txt",
    ]
    assert services.reports_expire() == []


def test_monthly_schedule_queues_one_run_per_body_and_month(body, officer) -> None:
    other = TrustFactory()
    first = services.reports_schedule_monthly(today=date(2026, 12, 1))
    again = services.reports_schedule_monthly(today=date(2026, 12, 1))
    assert len(first) >= 2
    assert again == []
    run = next(iter(run_of(body, pk) for pk in first if _owns(body, pk)))
    assert run.label == "Self-test report, Monthly December 2026"
    assert run.requested_by is None
    assert run.requested_by_label == "schedule"
    assert any(_owns(other, pk) for pk in first)


def _owns(body, pk) -> bool:  # type: ignore[no-untyped-def]
    with tenant_context(body):
        return ReportRun.objects.filter(pk=pk).exists()


def test_scheduled_run_emails_the_roles_that_may_see_it(body, officer, report_media: Path) -> None:
    trustee = member(Role.TRUSTEE, body).user
    member(Role.HEAD, body)
    created = services.reports_schedule_monthly(today=date(2026, 12, 1))
    run_id = next(pk for pk in created if _owns(body, pk))
    services.report_run_execute(report_run_id=run_id, task_id="t-1")
    report_email_task.apply(args=[run_id])
    # One message each, so no one sees another recipient's address.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([officer.email, trustee.email])
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)


def test_stale_and_lost_runs_are_found_for_requeueing(body, officer, settings) -> None:
    fresh = _request(body, officer, title="Fresh")
    lost = _request(body, officer, title="Lost")
    dead = _request(body, officer, title="Dead")
    services.report_run_claim(tenant=body, report_run_id=dead.pk, task_id="t-dead")
    with tenant_context(body):
        ReportRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
        ReportRun.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    import reports.services as module

    enqueued: list[int] = []
    original = module._enqueue
    module._enqueue = enqueued.append  # type: ignore[assignment]
    try:
        assert sorted(services.reports_requeue_stale()) == sorted([lost.pk, dead.pk])
    finally:
        module._enqueue = original
    assert sorted(enqueued) == sorted([lost.pk, dead.pk])
    assert fresh.pk not in enqueued


# --- Pages, API and downloads ---------------------------------------------------------------


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def make(user):  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client

    return make


def test_page_request_shows_errors_on_fields_then_queues(body, officer, client_for) -> None:
    client = client_for(officer)
    url = reverse("reports:report-new", kwargs={"body_slug": body.slug}) + f"?type={SELFTEST}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Self-test report" in page.content.decode()
    bad = client.post(url, {"report_type": SELFTEST, "title": "", "steps": "0"})
    html = bad.content.decode()
    assert bad.status_code == 200
    assert "Error: Self-test report" in html
    assert "Enter a title" in html
    assert "Ensure this value is greater than or equal to 1." in html
    with tenant_context(body):
        assert ReportRun.objects.count() == 0
    good = client.post(url, {"report_type": SELFTEST, "title": "From the page", "steps": "2"})
    with tenant_context(body):
        run = ReportRun.objects.get()
    assert good.status_code == 302
    assert good["Location"] == reverse("reports:report", kwargs={"body_slug": body.slug, "reportrun_id": run.pk})


def test_detail_page_polls_while_running_and_stops_when_ready(body, officer, client_for, report_media) -> None:
    client = client_for(officer)
    run = _request(body, officer)
    url = reverse("reports:report", kwargs={"body_slug": body.slug, "reportrun_id": run.pk})
    progress_url = reverse("reports:report-progress", kwargs={"body_slug": body.slug, "reportrun_id": run.pk})
    html = client.get(url).content.decode()
    assert f'hx-get="{progress_url}"' in html
    assert "0% complete" in html
    assert "vendor/htmx.min.js" in html
    services.report_run_claim(tenant=body, report_run_id=run.pk, task_id="t-1")
    services.report_run_progress(tenant=body, report_run_id=run.pk, attempt=1, percent=40, note="Pool statement")
    fragment = client.get(progress_url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="report-progress"')
    assert "40% complete: Pool statement" in fragment
    assert 'value="40"' in fragment
    services.report_run_execute(report_run_id=run.pk, task_id="t-1")
    fragment = client.get(progress_url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in fragment
    assert "Download summary.txt" in fragment


def test_the_page_and_api_list_files_in_the_order_the_build_made_them_saying_what_each_is(
    body, officer, client_for, report_media
) -> None:
    """By name, "rows.csv" would come before "summary.txt" (as a governance pack's
    "…-appendix-…" came before its summary "….pdf"); the build made the summary first."""
    client = client_for(officer)
    run = _request(body, officer)
    services.report_run_execute(report_run_id=run.pk, task_id="t-1")
    detail = client.get(f"/api/v1/bodies/{body.slug}/reports/{run.pk}/").json()
    assert [(f["name"], f["label"]) for f in detail["files"]] == [("summary.txt", "Summary"), ("rows.csv", "")]
    progress_url = reverse("reports:report-progress", kwargs={"body_slug": body.slug, "reportrun_id": run.pk})
    words = " ".join(re.sub(r"<[^>]+>", " ", client.get(progress_url).content.decode()).split())
    assert "Files Summary Download summary.txt (" in words
    assert words.index("Download summary.txt") < words.index("Download rows.csv")


def test_download_checks_checksum_audits_and_serves_the_file(body, officer, client_for, report_media) -> None:
    run = _request(body, officer)
    services.report_run_execute(report_run_id=run.pk, task_id="t-1")
    summary = next(f for f in files_of(body, run.pk) if f.name == "summary.txt")
    url = reverse(
        "reports:report-file", kwargs={"body_slug": body.slug, "reportrun_id": run.pk, "reportfile_id": summary.pk}
    )
    response = client_for(officer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Quarterly check\nattempt 1\n"
    assert response["Content-Disposition"] == 'attachment; filename="summary.txt"'
    with tenant_context(body):
        event = AuditEvent.objects.get(verb="report.downloaded")
    assert event.actor_id == officer.pk
    assert event.after == {"sha256": summary.sha256}
    (report_media / summary.storage_path).write_bytes(b"tampered")
    assert client_for(officer).get(url).status_code == 403


def test_roles_without_reports_and_other_bodies_get_404(body, officer, client_for, report_media) -> None:
    run = _request(body, officer)
    services.report_run_execute(report_run_id=run.pk, task_id="t-1")
    report_file = files_of(body, run.pk)[0]
    kwargs = {"body_slug": body.slug, "reportrun_id": run.pk}
    file_url = reverse("reports:report-file", kwargs={**kwargs, "reportfile_id": report_file.pk})
    head = member(Role.HEAD, body).user
    outsider = member(Role.FINANCE_OFFICER, TrustFactory(), mfa=True).user
    for user in (head, outsider):
        client = client_for(user)
        for url in (
            reverse("reports:report", kwargs=kwargs),
            file_url,
            reverse("reports:reports", kwargs={"body_slug": body.slug}),
        ):
            assert client.get(url).status_code == 404, (user, url)
    trustee = member(Role.TRUSTEE, body).user
    assert client_for(trustee).get(file_url).status_code == 200


def test_expired_file_download_is_404_with_the_reason(body, officer, client_for, report_media, settings) -> None:
    run = _request(body, officer)
    services.report_run_execute(report_run_id=run.pk, task_id="t-1")
    with tenant_context(body):
        ReportRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(days=400))
    services.reports_expire()
    report_file = files_of(body, run.pk)[0]
    url = reverse(
        "reports:report-file", kwargs={"body_slug": body.slug, "reportrun_id": run.pk, "reportfile_id": report_file.pk}
    )
    assert client_for(officer).get(url).status_code == 404
    page = client_for(officer).get(reverse("reports:report", kwargs={"body_slug": body.slug, "reportrun_id": run.pk}))
    assert "were deleted on" in page.content.decode()


def test_api_requests_lists_and_downloads(body, officer, client_for, report_media) -> None:
    client = client_for(officer)
    base = f"/api/v1/bodies/{body.slug}/reports/"
    bad = client.post(
        base + "request/",
        {"report_type": SELFTEST, "parameters": {"title": "", "steps": 0}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["fields"]["parameters"] == {
        "title": ["Enter a title"],
        "steps": ["Ensure this value is greater than or equal to 1."],
    }
    unknown = client.post(base + "request/", {"report_type": "nope"}, content_type="application/json")
    assert unknown.status_code == 400
    assert "report_type" in unknown.json()["fields"]
    created = client.post(
        base + "request/",
        {"report_type": SELFTEST, "parameters": {"title": "By API", "steps": 1}},
        content_type="application/json",
    )
    assert created.status_code == 201
    run_id = created.json()["id"]
    assert created.json()["status"] == "queued"
    assert created.json()["label"] == "Self-test report, By API"
    services.report_run_execute(report_run_id=run_id, task_id="t-1")
    detail = client.get(f"{base}{run_id}/").json()
    assert detail["status"] == "succeeded"
    assert detail["progress_percent"] == 100
    summary = next(f for f in detail["files"] if f["name"] == "summary.txt")
    download = client.get(summary["download_url"])
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == summary["sha256"]
    listed = client.get(base).json()
    assert [r["id"] for r in listed["results"]] == [run_id]


def test_a_failed_run_keeps_no_partial_files(body, officer, report_media: Path) -> None:
    run = _request(body, officer, behaviour="fail")
    folder = report_media / f"reports/{body.pk}/{run.pk}"
    folder.mkdir(parents=True)
    (folder / "summary.txt").write_bytes(b"from an interrupted attempt")
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "failed"
    assert stored_paths(report_media) == []


def test_list_page_and_api_cost_the_same_few_queries_whatever_the_number_of_runs(
    body, officer, client_for, report_media, django_assert_max_num_queries
) -> None:
    client = client_for(officer)
    page_url = reverse("reports:reports", kwargs={"body_slug": body.slug})
    api_url = f"/api/v1/bodies/{body.slug}/reports/"
    for n in (2, 12):
        while True:
            with tenant_context(body):
                if ReportRun.objects.count() >= n:
                    break
            run = _request(body, officer, title=f"Run {n}")
            services.report_run_execute(report_run_id=run.pk, task_id=f"t-{run.pk}")
        with django_assert_max_num_queries(16):
            assert client.get(page_url).status_code == 200
        with django_assert_max_num_queries(16):
            assert len(client.get(api_url).json()["results"]) == n


def test_periodic_report_tasks_are_declared_and_registered(body, officer, report_media, settings) -> None:
    from celery.schedules import crontab

    from config.celery import app
    from reports import tasks

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["reports-requeue-stale"] == {"task": "reports.reports_requeue_stale", "schedule": 300}
    assert schedule["reports-expire"]["task"] == "reports.reports_expire"
    assert schedule["reports-monthly"]["task"] == "reports.reports_schedule_monthly"
    assert schedule["reports-monthly"]["schedule"] == crontab(minute="0", hour="6", day_of_month="1")
    mine = ("reports-requeue-stale", "reports-expire", "reports-monthly")
    for name in ("reports.report_run", "reports.report_email", *(schedule[k]["task"] for k in mine)):
        assert name in app.tasks, name
    settings.REPORTS_RETENTION_DAYS = 0
    run = _request(body, officer)
    services.report_run_execute(report_run_id=run.pk, task_id="t-1")
    assert tasks.reports_expire_task.apply().get() == 1
    assert run_of(body, run.pk).status == "expired"
