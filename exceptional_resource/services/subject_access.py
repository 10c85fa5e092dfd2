"""Answering a subject-access request: a decision officer or the body's admin asks for one
pupil's export (``exceptional_resource.subject_access``). The request is a report run, so
it is built by a worker through the outbox and audited as requested (``subject_access.
requested``) and, when the requester downloads it, delivered (``subject_access.delivered``)."""

from __future__ import annotations

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.errors import ApplicationError, NotFound
from core.tenancy import tenant_context
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Pupil
from exceptional_resource.subject_access import REPORT_KEY
from reports.models import ReportRun
from reports.services import report_run_request


def subject_access_request(
    *, actor: User, tenant: ResponsibleBody, pupil_id: int | None = None, reference: str = ""
) -> ReportRun:
    """Queue the export for the pupil with ``pupil_id`` (or pseudonymous ``reference``). Another
    body's pupil is the same 404 as a missing one; a school's staff may not ask."""
    with tenant_context(tenant):
        access = BodyAccess.load(actor, tenant)
        if not access.can(Action.ANSWER_SUBJECT_ACCESS):
            raise ApplicationError(
                "Only a decision officer or the body's admin answers a subject-access request.",
                code=CaseError.NOT_ALLOWED,
            )
        pupils = Pupil.objects.all()
        if pupil_id is not None:
            pupil = pupils.filter(pk=pupil_id).first()
        else:
            pupil = pupils.filter(reference=reference.strip().upper()).first() if reference.strip() else None
    if pupil is None:
        raise NotFound("No such pupil.")
    return report_run_request(actor=actor, tenant=tenant, report_type=REPORT_KEY, data={"pupil": pupil.pk})
