"""Celery tasks for reports. Thin: the run's id only; the services do the work and make
running twice harmless. Registered by ``AccountsConfig.ready()`` importing this module."""

from __future__ import annotations

import random

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse

from accounts.models import Membership, User
from accounts.policy import ROLE_ACTIONS, Action, current_memberships_q
from core.tenancy import platform_context, tenant_context
from reports import services
from reports.models import ReportRun
from reports.registry import report_type_get


def retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter: about 10 s, 20 s, 40 s… capped at 10 minutes."""
    base: float = min(600.0, settings.REPORTS_RETRY_BASE_SECONDS * (2**retries))
    return base * (0.75 + random.random() / 2)  # noqa: S311 - jitter, not security


@shared_task(name="reports.report_run", bind=True, max_retries=5, acks_late=True, reject_on_worker_lost=True)
def report_run_task(self, report_run_id: int) -> str:  # type: ignore[no-untyped-def]
    """Produce one report run. Retries transient failures with backoff; after the last
    retry the run is failed with the reason."""
    try:
        return services.report_run_execute(report_run_id=report_run_id, task_id=self.request.id or "")
    except services.TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            services.report_run_fail_unexpected(
                report_run_id=report_run_id,
                message=(
                    f"The report could not be produced after {self.request.retries + 1} tries "
                    f"because a service was unavailable ({type(exc).__name__}: {exc})."
                ),
            )
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


def _recipients(run: ReportRun) -> list[str]:
    if run.requested_by_id is not None:
        user = User.objects.filter(pk=run.requested_by_id, is_active=True).first()
        return [user.email] if user else []
    rtype = report_type_get(run.report_type)
    action = rtype.action if rtype else Action.REQUEST_REPORT
    roles = ROLE_ACTIONS[action]
    emails = (
        Membership.objects.filter(current_memberships_q(), role__in=roles, user__is_active=True)
        .values_list("user__email", flat=True)
        .distinct()
    )
    return sorted(emails)


@shared_task(name="reports.report_email", bind=True, max_retries=5, default_retry_delay=60)
def report_email_task(self, report_run_id: int) -> int:  # type: ignore[no-untyped-def]
    """Tell the person who asked (or, for a scheduled run, the roles that may see it) that
    the report is ready or failed. Names the report and the body only: no pupil data."""
    with platform_context():
        run = ReportRun.objects.filter(pk=report_run_id).select_related("responsible_body").first()
    if run is None or run.status not in {ReportRun.Status.SUCCEEDED, ReportRun.Status.FAILED}:
        return 0
    body = run.responsible_body
    with tenant_context(body):
        recipients = _recipients(run)
    if not recipients:
        return 0
    rtype = report_type_get(run.report_type)
    page = rtype.page_url_name if rtype else "reports:report"
    link = settings.SITE_URL.rstrip("/") + reverse(page, kwargs={"body_slug": body.slug, "reportrun_id": run.pk})
    if run.status == ReportRun.Status.SUCCEEDED:
        subject = f"Your report is ready: {run.label}"
        message = f"The report “{run.label}” for {body.legal_name} is ready.\n\nDownload it:\n{link}\n"
    else:
        subject = f"Your report could not be produced: {run.label}"
        message = (
            f"The report “{run.label}” for {body.legal_name} could not be produced.\n\n"
            f"Reason: {run.error_message}\n\nDetails:\n{link}\n"
        )
    try:
        # One message each: trustees and (external) auditors never see each other's addresses.
        send_mass_mail(tuple((subject[:200], message, None, [recipient]) for recipient in recipients))
    except OSError as exc:
        raise self.retry(exc=exc) from exc
    return len(recipients)


@shared_task(name="reports.reports_requeue_stale")
def reports_requeue_stale_task() -> int:
    return len(services.reports_requeue_stale())


@shared_task(name="reports.reports_expire")
def reports_expire_task() -> int:
    return len(services.reports_expire())


@shared_task(name="reports.reports_schedule_monthly")
def reports_schedule_monthly_task() -> int:
    return len(services.reports_schedule_monthly())
