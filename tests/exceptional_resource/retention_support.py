"""A closed case with everything a case file holds (comments, evidence, an email, advice, a
forum line naming it, a shared-resource request for it), for the retention and
subject-access tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from collaboration.models import AdviceMessage, AdviceRequest, ForumSession
from core.tenancy import tenant_context
from exceptional_resource import pupil_data
from exceptional_resource.models import Case, Pupil
from exceptional_resource.services import cases as case_services
from exceptional_resource.services.comments import case_comment_add
from exceptional_resource.services.evidence import evidence_upload
from notifications.models import Notification
from shared_resources.models import ResourceRequest
from shared_resources.services.register import capacity_period_set, resource_register
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.evidence_files import PDF
from tests.factories import UserFactory


def resource_request_about(scene: Scene, case: Case) -> Any:
    """A declined shared-resource request for the case: the school's note and the
    allocator's reason both name the pupil."""
    resource = resource_register(
        actor=scene.finance.user,
        tenant=scene.body,
        kind="support_base",
        name="Hill SEMH base",
        areas_of_need=["SEMH"],
        capacity_unit="places",
        capacity_basis="term",
        host_school_id=scene.school.pk,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
        places=8,
        cost_per_place_pence=12_000_00,
    )
    period = capacity_period_set(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,
        label="Spring 2027",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        capacity_units=8,
    )
    with tenant_context(scene.body):
        return ResourceRequest.objects.create(
            responsible_body=scene.body,
            resource=resource,
            period=period,
            school_id=case.school_id,
            case=case,
            units=1,
            note="A place for Ada, who is non-verbal",
            status="declined",
            decision_reason="Ada's needs are met at her school",
            decided_by_label=scene.finance.user.email,
            requested_by_label=scene.head.user.email,
        )


CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, tzinfo=UTC)


def declined_case(scene: Scene, *, name: str = "Ada Lovelace", upn: str = "A123456789012") -> Case:
    """A case submitted with evidence and a comment, then declined (its file closes)."""
    case = draft_case(scene)
    with tenant_context(scene.body):
        Pupil.objects.filter(pk=case.pupil_id).update(
            name_encrypted=pupil_data.encrypt(name),
            upn_encrypted=pupil_data.encrypt(upn),
            upn_hash=pupil_data.upn_hash(body_id=scene.body.pk, upn=upn),
        )
    evidence_upload(
        actor=scene.head.user,
        tenant=scene.body,
        case_id=case.pk,
        upload=SimpleUploadedFile("EP report.pdf", PDF, content_type="application/pdf"),
    )
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    case_comment_add(actor=scene.head.user, tenant=scene.body, case_id=case.pk, text="Ada is non-verbal at home too")
    case_services.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="declined",
        criteria_met=CRITERIA,
        reasons="Ada's needs can be met from the school's own provision",
    )
    with tenant_context(scene.body):
        Notification.objects.create(
            responsible_body=scene.body,
            user=scene.head.user,
            kind="case_decided",
            delivery="digest",
            subject=f"Case {case.reference} decided",
            text="Declined",
            link="/",
            dedupe_key=f"case_decided:case {case.pk}:event 1",
        )
        return Case.objects.get(pk=case.pk)


def collaboration_about(scene: Scene, case: Case) -> dict[str, Any]:
    """Peer advice on the case, and a forum session whose notes name its pupil on one line."""
    adviser = UserFactory(email="adviser@example.org")
    with tenant_context(scene.body):
        request = AdviceRequest.objects.create(
            responsible_body=scene.body,
            case=case,
            school_id=case.school_id,
            asked_by=scene.head.user,
            asked_by_label=scene.head.user.email,
            adviser=adviser,
            adviser_label=adviser.email,
            question="How do we support Ada's communication?",
            expires_at=timezone.now() + timedelta(days=7),
        )
        message = AdviceMessage.objects.create(
            responsible_body=scene.body,
            advice_request=request,
            kind="advice",
            author=adviser,
            author_label=adviser.email,
            text="Try a visual timetable for Ada",
        )
        start = timezone.now() + timedelta(days=3)
        session = ForumSession.objects.create(
            responsible_body=scene.body,
            purpose="supervision",
            title="Termly supervision",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            place="Room 1",
            organiser=scene.head.user,
            organiser_label=scene.head.user.email,
            policy_version=1,
            notes=f"Attendance good.\nPupil {case.pupil.reference} discussed: parents worried.\nNext: moderation.",
        )
    return {"request": request, "message": message, "session": session}
