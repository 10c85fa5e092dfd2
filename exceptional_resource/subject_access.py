"""Subject access (#21 point 2) as a report type: for one pupil, a zip of everything the body
holds about them, built by a worker through the outbox like every report, stored through
``STORAGES`` and downloadable by the person who asked, once ready.

The zip holds ``identity.json`` (reference, school, year group, SEN status, needs, name and
UPN), for each case ``cases/<reference>/case.json`` (the request, provision, resources,
outcomes, legal holds), ``decisions.json`` (decisions and awards), ``timeline.json`` (the
timeline and comments), ``letters/`` (each decision letter as the school received it, PDF)
and ``evidence/`` (each file, byte for byte), ``notifications.json`` (the emails about the
case), and what other apps hold about the case through ``core.subject_access``
(``collaboration.json``: peer-advice requests, their messages and emails;
``shared_resources.json``: shared-resource requests for the case), ``audit/reads.json`` (every read of the record
in the audit trail: who, when, what) and ``audit/events.json`` (every change), and
``manifest.json`` listing every other file with its size and SHA-256."""

from __future__ import annotations

import hashlib
import json
import zipfile
from typing import Any

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.models import ResponsibleBody
from accounts.policy import Action, BodyAccess
from core.audit_verbs import AuditVerb
from core.models import AuditEvent
from core.storage import stored_file_verified
from core.subject_access import case_export_run, export_row
from core.tenancy import tenant_context
from exceptional_resource import letters, pupil_data
from exceptional_resource.models import Case, CaseDocument, Pupil
from notifications.models import Notification
from reports.jobs import ReportFailed, ReportJob
from reports.registry import ReportParametersForm, ReportType, register_report_type

REPORT_KEY = "subject_access"
READ_VERBS = frozenset(
    {
        AuditVerb.CASE_VIEWED,
        AuditVerb.PUPIL_IDENTITY_VIEWED,
        AuditVerb.DECISION_LETTER_VIEWED,
        AuditVerb.DECISION_LETTER_DOWNLOADED,
        AuditVerb.CASE_EVIDENCE_DOWNLOADED,
        AuditVerb.ADVICE_SUMMARY_VIEWED,
    }
)


class SubjectAccessForm(ReportParametersForm):
    pupil = forms.IntegerField(
        label="Pupil",
        min_value=1,
        error_messages={"required": "Choose a pupil", "invalid": "Choose a pupil", "min_value": "Choose a pupil"},
    )

    def clean_pupil(self) -> int:
        pupil_id: int = self.cleaned_data["pupil"]
        with tenant_context(self.tenant):
            pupil = Pupil.objects.filter(pk=pupil_id).first()
        if pupil is None:
            raise forms.ValidationError("Choose a pupil")
        self.pupil_reference = pupil.reference
        return pupil_id

    def describe(self) -> str:
        return f"pupil {self.pupil_reference}"


def _json(data: Any) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False, sort_keys=True).encode()


def _row(instance: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    values = model_to_dict(instance, exclude=["responsible_body", *exclude])
    values["id"] = instance.pk
    for name in ("created_at", "updated_at", "decided_at", "erased_at", "anonymised_at", "uploaded_at", "placed_at"):
        if hasattr(instance, name):
            values[name] = getattr(instance, name)
    return values


def _event(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "when": event.created_at,
        "who": event.actor_label,
        "verb": event.verb,
        "object": f"{event.object_type} {event.object_id}",
        "label": event.object_label,
        "after": event.after,
    }


def _identity(pupil: Pupil) -> dict[str, Any]:
    return {
        "reference": pupil.reference,
        "name": pupil_data.decrypt(pupil.name_encrypted),
        "upn": pupil_data.decrypt(pupil.upn_encrypted),
        "school": {"urn": pupil.school.urn, "name": pupil.school.name},
        "year_group": pupil.year_group,
        "sen_status": pupil.sen_status,
        "primary_need": pupil.primary_need,
        "secondary_need": pupil.secondary_need,
        "recorded_at": pupil.created_at,
        "anonymised_at": pupil.anonymised_at,
    }


def _case_files(body: ResponsibleBody, case: Case) -> list[tuple[str, bytes]]:
    base = f"cases/{case.reference}"
    record = _row(case, exclude=("pupil",))
    record.update(
        provision=[_row(r, exclude=("case",)) for r in case.provision.order_by("pk")],
        resource_lines=[_row(r, exclude=("case",)) for r in case.resource_lines.order_by("pk")],
        outcomes=[_row(r, exclude=("case",)) for r in case.outcomes.order_by("pk")],
        legal_holds=[_row(h, exclude=("case",)) for h in case.legal_holds.order_by("pk")],
    )
    decisions = list(case.decisions.order_by("decided_at", "pk"))
    files = [
        (f"{base}/case.json", _json(record)),
        (
            f"{base}/decisions.json",
            _json(
                {
                    "decisions": [_row(d, exclude=("case", "officer")) for d in decisions],
                    "awards": [_row(a, exclude=("case",)) for a in case.awards.order_by("pk")],
                }
            ),
        ),
        (
            f"{base}/timeline.json",
            _json(
                {
                    "events": [_row(e, exclude=("case",)) for e in case.events.order_by("created_at", "pk")],
                    "comments": [_row(c, exclude=("case", "author")) for c in case.comments.order_by("pk")],
                }
            ),
        ),
    ]
    emails = Notification.objects.filter(dedupe_key__contains=f":case {case.pk}:").order_by("pk")
    files.append((f"{base}/notifications.json", _json([export_row(n, exclude=("digest",)) for n in emails])))
    for name, held in case_export_run(tenant=body, case_id=case.pk).items():
        files.append((f"{base}/{name}.json", _json(held)))
    for decision in decisions:
        _, letter = letters.letter_for_case(body=body, case=case, decision_id=str(decision.pk))
        files.append((f"{base}/letters/{letter.pdf_filename}", letters.letter_pdf(letter)))
    for document in CaseDocument.objects.filter(case=case).order_by("pk"):
        handle = stored_file_verified(
            document.file.storage, str(document.file.name), sha256=document.sha256, what="evidence file"
        )
        with handle:
            safe_name = document.original_name.replace("/", "_").replace("\\", "_")
            files.append((f"{base}/evidence/{document.pk}-{safe_name}", handle.read()))
    return files


def _audit(pupil: Pupil, cases: list[Case]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    case_ids = [str(c.pk) for c in cases]
    decision_ids = [str(d.pk) for c in cases for d in c.decisions.all()]
    about = (
        Q(object_type="exceptional_resource.pupil", object_id=str(pupil.pk))
        | Q(object_type="exceptional_resource.case", object_id__in=case_ids)
        | Q(object_type="exceptional_resource.decision", object_id__in=decision_ids)
        | Q(object_type="exceptional_resource.casedocument", after__case_id__in=[c.pk for c in cases])
    )
    events = [_event(e) for e in AuditEvent.objects.filter(about).order_by("id")]
    return [e for e in events if e["verb"] in READ_VERBS], events


def build_subject_access(job: ReportJob) -> None:
    job.progress(5, "Reading the pupil's record")
    files: list[tuple[str, bytes]] = []
    with tenant_context(job.tenant):
        pupil = Pupil.objects.select_related("school").filter(pk=job.parameters["pupil"]).first()
        if pupil is None:
            raise ReportFailed("The pupil is no longer held.")
        cases = list(Case.objects.filter(pupil=pupil).order_by("pk").prefetch_related("decisions"))
        files.append(("identity.json", _json(_identity(pupil))))
        for case in cases:
            files.extend(_case_files(job.tenant, case))
        reads, events = _audit(pupil, cases)
        files.append(("audit/reads.json", _json(reads)))
        files.append(("audit/events.json", _json(events)))
    job.progress(70, "Writing the zip")
    manifest = {
        "pupil": pupil.reference,
        "body": job.tenant.legal_name,
        "produced_at": timezone.now(),
        "files": [{"path": p, "size_bytes": len(d), "sha256": hashlib.sha256(d).hexdigest()} for p, d in files],
    }
    name = f"subject-access-{pupil.reference}.zip"
    with (
        job.open_file(name, "application/zip") as handle,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for path, data in files:
            archive.writestr(path, data)
        archive.writestr("manifest.json", _json(manifest))
    job.progress(100, "Done")


def _own_runs(access: BodyAccess) -> Q:
    return Q(requested_by=access.user)


def register() -> None:
    register_report_type(
        ReportType(
            key=REPORT_KEY,
            label="Subject-access export",
            description="Everything held about one pupil, in a zip with a manifest: for a subject-access request.",
            builder=build_subject_access,
            form_class=SubjectAccessForm,
            action=Action.ANSWER_SUBJECT_ACCESS,
            visible_runs=_own_runs,
            requested_verb=AuditVerb.SUBJECT_ACCESS_REQUESTED,
            delivered_verb=AuditVerb.SUBJECT_ACCESS_DELIVERED,
            page_url_name="cases:subject-access-run",
            step_up=True,
            download_step_up=True,
        )
    )
