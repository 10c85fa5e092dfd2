"""Writes for report runs: request, claim, progress, finish, fail, expire and schedule.

The Celery task (``reports.tasks.report_run_task``) calls ``report_run_execute``.
A run moves ``queued → running → succeeded | failed``, and ``succeeded → expired`` when
retention removes its files. Every move is a compare-and-set under a row lock on the run's
status and attempt number, so a retried, duplicated or redelivered task produces one
result and one set of files:

- a worker claims a ``queued`` run, or a ``running`` one whose claim it already holds (the
  same Celery task id, redelivered after the worker died) or whose heartbeat is stale;
  each claim increments ``attempts``;
- progress and the final write check that the attempt still holds the claim, so a worker
  presumed dead that wakes up later changes nothing;
- files are written under a name fixed by body, run and file name, replacing what an
  interrupted attempt left, and recorded with the status change in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError
from core.locking import lock_rows
from core.outbox.services import outbox_enqueue
from core.storage import StorageUnavailable, storage_guard
from core.tenancy import platform_context, tenant_context
from reports.error_codes import ReportError
from reports.jobs import ReportFailed, ReportJob, ReportOutput, ReportRetry, RunSuperseded, scratch_dir
from reports.models import ReportFile, ReportRun
from reports.registry import ReportType, report_type_get, report_types
from reports.storage import report_dir, report_file_path, report_storage

logger = logging.getLogger(__name__)
Status = ReportRun.Status

# Worth retrying: the database, the file store or a network service was briefly unavailable.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    ReportRetry,
    StorageUnavailable,
    ConnectionError,
    TimeoutError,
)


def _enqueue(report_run_id: int) -> None:
    outbox_enqueue(task="reports.report_run", kwargs={"report_run_id": report_run_id})


def _enqueue_email(report_run_id: int) -> None:
    outbox_enqueue(task="reports.report_email", kwargs={"report_run_id": report_run_id})


def _type_or_error(key: str) -> ReportType:
    report_type = report_type_get(key)
    if report_type is None:
        raise ApplicationError("Choose a report to produce.", code=ReportError.UNKNOWN_REPORT_TYPE, field="report_type")
    return report_type


def report_parameters_clean(
    *, tenant: ResponsibleBody, report_type: str, data: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """Validate parameters with the type's form: ``(parameters, label)`` or an
    ``ApplicationError`` whose ``extra["fields"]`` names each field's errors."""
    rtype = _type_or_error(report_type)
    with tenant_context(tenant):
        form = rtype.form_class(data=data, tenant=tenant)
        valid = form.is_valid()
    if not valid:
        raise ApplicationError(
            "Some of the report's details are not valid.",
            code=ReportError.INVALID_PARAMETERS,
            field="parameters",
            extra={"fields": {name: [str(e) for e in errors] for name, errors in form.errors.items()}},
        )
    described = form.describe()
    label = f"{rtype.label}, {described}" if described else rtype.label
    return form.parameters(), label[:300]


def report_run_request(
    *,
    actor: User | None,
    tenant: ResponsibleBody,
    report_type: str,
    data: dict[str, Any],
    schedule_key: str = "",
) -> ReportRun:
    """Queue a report. The task is enqueued only when the request's transaction commits."""
    parameters, label = report_parameters_clean(tenant=tenant, report_type=report_type, data=data)
    rtype = _type_or_error(report_type)
    with tenant_context(tenant):
        run = ReportRun(
            responsible_body=tenant,
            report_type=report_type,
            label=label,
            parameters=parameters,
            requested_by=actor,
            requested_by_label=actor.email if actor is not None else "schedule",
            schedule_key=schedule_key,
        )
        run.full_clean()
        run.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.REPORT_REQUESTED,
            obj=run,
            label=run.label,
            after={"report_type": report_type, "parameters": parameters},
        )
        if rtype.requested_verb is not None:
            audit_record(actor=actor, tenant=tenant, verb=rtype.requested_verb, obj=run, label=run.label)
        _enqueue(run.pk)
    return run


# --- Executing a run (the Celery task's service) ---------------------------------------------


def _stale_before() -> Any:
    return timezone.now() - timedelta(seconds=settings.REPORTS_STALE_AFTER_SECONDS)


def _body_of_run(report_run_id: int) -> ResponsibleBody | None:
    """The task gets only the run's id; which body it belongs to is platform knowledge."""
    with platform_context():
        body_id = ReportRun.objects.filter(pk=report_run_id).values_list("responsible_body_id", flat=True).first()
    if body_id is None:
        return None
    return ResponsibleBody.objects.filter(pk=body_id).first()


def report_run_claim(*, tenant: ResponsibleBody, report_run_id: int, task_id: str) -> int | None:
    """Take the run for this task: the attempt number, or ``None`` when there is nothing to
    do (finished already, or another live worker holds it)."""
    with tenant_context(tenant):
        run = lock_rows(ReportRun.objects).filter(pk=report_run_id).first()
        if run is None:
            return None
        if run.status == Status.RUNNING:
            mine = bool(task_id) and run.task_id == task_id
            stale = run.heartbeat_at is None or run.heartbeat_at < _stale_before()
            if not (mine or stale):
                return None
        elif run.status != Status.QUEUED:
            return None
        now = timezone.now()
        if run.attempts >= settings.REPORTS_MAX_ATTEMPTS:
            _fail_locked(
                run,
                tenant=tenant,
                message=f"The report was started {run.attempts} times without finishing; it has been stopped.",
            )
            return None
        run.status = Status.RUNNING
        run.attempts += 1
        run.task_id = task_id[:64]
        run.heartbeat_at = now
        run.started_at = run.started_at or now
        run.progress_percent = 0
        run.progress_note = "Started"
        run.save(
            update_fields=[
                "status",
                "attempts",
                "task_id",
                "heartbeat_at",
                "started_at",
                "progress_percent",
                "progress_note",
            ]
        )
        return run.attempts


def report_run_progress(*, tenant: ResponsibleBody, report_run_id: int, attempt: int, percent: int, note: str) -> None:
    """Record progress (and the heartbeat); raise ``RunSuperseded`` if the claim was lost."""
    with tenant_context(tenant):
        updated = ReportRun.objects.filter(pk=report_run_id, status=Status.RUNNING, attempts=attempt).update(
            progress_percent=percent, progress_note=note, heartbeat_at=timezone.now()
        )
    if not updated:
        raise RunSuperseded(f"Report run {report_run_id} attempt {attempt} no longer holds the run.")


def _locked_attempt(report_run_id: int, attempt: int) -> ReportRun:
    run = lock_rows(ReportRun.objects).filter(pk=report_run_id).first()
    if run is None or run.status != Status.RUNNING or run.attempts != attempt:
        raise RunSuperseded(f"Report run {report_run_id} attempt {attempt} no longer holds the run.")
    return run


def _store(*, run: ReportRun, outputs: list[ReportOutput]) -> list[ReportFile]:
    storage = report_storage()
    keep = set()
    files = []
    ReportFile.objects.filter(run=run).delete()
    for position, output in enumerate(outputs):
        path = report_file_path(body_id=run.responsible_body_id, run_id=run.pk, name=output.name)
        keep.add(output.name)
        with storage_guard("saved"), open(output.path, "rb") as handle:
            if storage.exists(path):
                storage.delete(path)
            saved = storage.save(path, File(handle, name=output.name))
        if saved != path:
            raise RuntimeError(f"Storage saved {path} as {saved}; report files must keep their fixed names.")
        files.append(
            ReportFile.objects.create(
                responsible_body_id=run.responsible_body_id,
                run=run,
                name=output.name,
                label=output.label,
                position=position,
                content_type=output.content_type,
                size_bytes=output.size_bytes,
                sha256=output.sha256,
                storage_path=path,
            )
        )
    folder = report_dir(body_id=run.responsible_body_id, run_id=run.pk)
    try:
        _dirs, names = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        names = []
    for leftover in set(names) - keep:
        storage.delete(f"{folder}/{leftover}")
    return files


def _succeed(*, tenant: ResponsibleBody, report_run_id: int, attempt: int, outputs: list[ReportOutput]) -> None:
    with tenant_context(tenant):
        run = _locked_attempt(report_run_id, attempt)
        files = _store(run=run, outputs=outputs)
        run.status = Status.SUCCEEDED
        run.progress_percent = 100
        run.progress_note = "Ready"
        run.finished_at = timezone.now()
        run.heartbeat_at = run.finished_at
        run.error_message = ""
        run.save(
            update_fields=[
                "status",
                "progress_percent",
                "progress_note",
                "finished_at",
                "heartbeat_at",
                "error_message",
            ]
        )
        audit_record(
            actor=None,
            tenant=tenant,
            verb=AuditVerb.REPORT_SUCCEEDED,
            obj=run,
            label=run.label,
            after={"files": {f.name: f.sha256 for f in files}, "attempts": run.attempts},
        )
        _enqueue_email(report_run_id)


def _remove_leftovers(run: ReportRun) -> None:
    """A failed run keeps no files: remove whatever an interrupted store left behind."""
    storage = report_storage()
    folder = report_dir(body_id=run.responsible_body_id, run_id=run.pk)
    try:
        _dirs, names = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in names:
        storage.delete(f"{folder}/{name}")


def _fail_locked(run: ReportRun, *, tenant: ResponsibleBody, message: str) -> None:
    _remove_leftovers(run)
    run.status = Status.FAILED
    run.finished_at = timezone.now()
    run.error_message = message[:4000] or "The report failed."
    run.progress_note = "Failed"
    run.save(update_fields=["status", "finished_at", "error_message", "progress_note"])
    audit_record(
        actor=None, tenant=tenant, verb=AuditVerb.REPORT_FAILED, obj=run, label=run.label, after={"error": message}
    )
    _enqueue_email(run.pk)


def report_run_fail(*, tenant: ResponsibleBody, report_run_id: int, attempt: int, message: str) -> None:
    with tenant_context(tenant):
        run = _locked_attempt(report_run_id, attempt)
        _fail_locked(run, tenant=tenant, message=message)


def report_run_release(*, tenant: ResponsibleBody, report_run_id: int, attempt: int, reason: str) -> None:
    """Give the run back to the queue before a retry (a transient error)."""
    with tenant_context(tenant):
        ReportRun.objects.filter(pk=report_run_id, status=Status.RUNNING, attempts=attempt).update(
            status=Status.QUEUED, progress_note=f"Waiting to retry: {reason}"[:200]
        )


def report_run_execute(*, report_run_id: int, task_id: str) -> str:
    """Claim the run, build it and store its files. Returns what happened, for the task's
    result. Transient errors (``OperationalError``, ``ReportRetry``…) propagate to the task,
    which releases the claim and retries; anything else fails the run with its message."""
    tenant = _body_of_run(report_run_id)
    if tenant is None:
        return "missing"
    attempt = report_run_claim(tenant=tenant, report_run_id=report_run_id, task_id=task_id)
    if attempt is None:
        return "skipped"
    with tenant_context(tenant):
        run = ReportRun.objects.get(pk=report_run_id)
    rtype = report_type_get(run.report_type)
    if rtype is None:
        report_run_fail(
            tenant=tenant,
            report_run_id=report_run_id,
            attempt=attempt,
            message=f"This service no longer produces reports of type {run.report_type!r}.",
        )
        return "failed"

    def progress(percent: int, note: str) -> None:
        report_run_progress(tenant=tenant, report_run_id=report_run_id, attempt=attempt, percent=percent, note=note)

    with scratch_dir() as workdir:
        job = ReportJob(run=run, tenant=tenant, parameters=dict(run.parameters), workdir=workdir, _progress=progress)
        try:
            rtype.builder(job)
            _succeed(tenant=tenant, report_run_id=report_run_id, attempt=attempt, outputs=job.outputs)
        except RunSuperseded:
            logger.warning("Report run %s attempt %s was taken over by another worker", report_run_id, attempt)
            return "superseded"
        except TRANSIENT_ERRORS as exc:
            _release_after_transient(tenant=tenant, report_run_id=report_run_id, attempt=attempt, exc=exc)
            raise
        except ReportFailed as exc:
            message = str(exc)
        except ApplicationError as exc:
            message = exc.message
        except Exception as exc:
            # The exception's own text can hold row values, so it goes to the log only; the
            # run (shown to people and emailed) names the kind of error and where to look.
            logger.exception("Report run %s failed", report_run_id)
            message = (
                f"The report could not be produced because of an unexpected error ({type(exc).__name__}). "
                f"The details are in the worker's log under report run {report_run_id}."
            )
        else:
            return "succeeded"
    try:
        report_run_fail(tenant=tenant, report_run_id=report_run_id, attempt=attempt, message=message)
    except RunSuperseded:
        return "superseded"
    return "failed"


def _release_after_transient(*, tenant: ResponsibleBody, report_run_id: int, attempt: int, exc: Exception) -> None:
    """Hand the run back to the queue; if the database is what failed, a fresh connection
    may work, and if it does not, the retry's claim (same task id) takes the run anyway."""
    if not connection.in_atomic_block:
        connection.close()
    try:
        report_run_release(
            tenant=tenant, report_run_id=report_run_id, attempt=attempt, reason=str(exc) or type(exc).__name__
        )
    except DatabaseError:
        logger.warning("Could not release report run %s before retrying", report_run_id)


def report_run_fail_unexpected(*, report_run_id: int, message: str) -> None:
    """Fail a run whatever attempt holds it (the task gave up, or the builder crashed)."""
    tenant = _body_of_run(report_run_id)
    if tenant is None:
        return
    with tenant_context(tenant):
        run = lock_rows(ReportRun.objects).filter(pk=report_run_id).first()
        if run is None or run.status not in {Status.QUEUED, Status.RUNNING}:
            return
        _fail_locked(run, tenant=tenant, message=message)


# --- Housekeeping: stale runs, retention, the monthly schedule ----------------------------------


def reports_requeue_stale() -> list[int]:
    """Enqueue again runs whose task was lost: queued for longer than the stale interval,
    or running with no heartbeat for that long (the worker died). The claim's
    compare-and-set makes a duplicate harmless."""
    cutoff = _stale_before()
    with platform_context():
        ids = list(
            ReportRun.objects.filter(
                Q(status=Status.QUEUED, created_at__lt=cutoff)
                | Q(status=Status.RUNNING, heartbeat_at__lt=cutoff)
                | Q(status=Status.RUNNING, heartbeat_at__isnull=True)
            ).values_list("pk", flat=True)
        )
    with transaction.atomic():
        for run_id in ids:
            _enqueue(run_id)
    return ids


def reports_expire(*, now: Any = None) -> list[int]:
    """Delete the files of runs finished more than ``REPORTS_RETENTION_DAYS`` ago; the run
    row stays, marked expired, with its files' names and checksums."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.REPORTS_RETENTION_DAYS)
    with platform_context():
        due = list(
            ReportRun.objects.filter(status=Status.SUCCEEDED, finished_at__lt=cutoff).values_list(
                "pk", "responsible_body_id"
            )
        )
    storage = report_storage()
    expired = []
    for run_id, body_id in due:
        body = ResponsibleBody.objects.get(pk=body_id)
        with tenant_context(body):
            run = lock_rows(ReportRun.objects).filter(pk=run_id, status=Status.SUCCEEDED).first()
            if run is None:
                continue
            removed_at = timezone.now()
            for report_file in ReportFile.objects.filter(run=run, deleted_at__isnull=True):
                with storage_guard("deleted"):
                    if storage.exists(report_file.storage_path):
                        storage.delete(report_file.storage_path)
                report_file.deleted_at = removed_at
                report_file.save(update_fields=["deleted_at"])
            run.status = Status.EXPIRED
            run.expired_at = removed_at
            run.save(update_fields=["status", "expired_at"])
            audit_record(
                actor=None,
                tenant=body,
                verb=AuditVerb.REPORT_EXPIRED,
                obj=run,
                label=run.label,
                after={"retention_days": settings.REPORTS_RETENTION_DAYS},
            )
            expired.append(run_id)
    return expired


def _schedule_key(report_type: str, today: date, parameters: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:16]
    return f"monthly:{report_type}:{today:%Y-%m}:{digest}"


def reports_schedule_monthly(*, today: date | None = None) -> list[int]:
    """For each body and each report type with a monthly schedule, queue this month's runs
    (once: the schedule key is unique per body, so running this twice adds nothing)."""
    today = today or timezone.localdate()
    created: list[int] = []
    for body in ResponsibleBody.objects.order_by("pk"):
        for rtype in report_types():
            if rtype.monthly is None:
                continue
            with tenant_context(body):
                parameter_sets = rtype.monthly(body, today)
            for parameters in parameter_sets:
                key = _schedule_key(rtype.key, today, parameters)
                with tenant_context(body):
                    if ReportRun.objects.filter(schedule_key=key).exists():
                        continue
                try:
                    with transaction.atomic():
                        run = report_run_request(
                            actor=None, tenant=body, report_type=rtype.key, data=parameters, schedule_key=key
                        )
                except IntegrityError as exc:  # queued at the same moment by another beat process
                    if not violates(exc, "reportrun_one_per_schedule_key"):
                        raise
                    continue
                except ApplicationError as exc:
                    logger.warning("Scheduled %s for body %s not queued: %s", rtype.key, body.pk, exc.message)
                    continue
                created.append(run.pk)
    return created
