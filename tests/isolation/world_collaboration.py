"""Collaboration rows for both bodies: a request for advice on the world's case
(``advicerequest_id``) with a message, its guardian grant and an expertise profile; a
forum session with an invitation, a shared file and an action; a peer review with a
finding and an action."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone

from collaboration.models import (
    ADVISE_CODENAME,
    AdviceMessage,
    AdviceRequest,
    AdviceRequestUserObjectPermission,
    AgreedAction,
    ExpertiseProfile,
    ForumSession,
    PeerReview,
    PeerReviewFinding,
    SessionInvitation,
    SessionMaterial,
)
from core.tenancy import platform_context
from exceptional_resource.models import Case
from tests.factories import UserFactory
from tests.isolation.world import World


def extend(world: World) -> None:
    permission = Permission.objects.get(codename=ADVISE_CODENAME)
    for body, user, secret in (
        (world.body_a, world.user_a, "Alpha Advice"),
        (world.body_b, world.user_b, "Bravo Secret Advice"),
    ):
        adviser = UserFactory(email=f"{secret.lower().replace(' ', '.')}@example.org")
        with platform_context():
            case = Case.objects.filter(responsible_body=body).order_by("id").first()
            assert case is not None
            request = AdviceRequest.objects.create(
                responsible_body=body,
                case=case,
                school_id=case.school_id,
                asked_by=user,
                asked_by_label=user.email,
                adviser=adviser,
                adviser_label=adviser.email,
                question=f"{secret} question",
                expires_at=timezone.now() + timedelta(days=7),
            )
            AdviceMessage.objects.create(
                responsible_body=body,
                advice_request=request,
                kind="advice",
                author=adviser,
                author_label=adviser.email,
                text=f"{secret} text",
            )
            AdviceRequestUserObjectPermission.objects.create(
                responsible_body=body, user=adviser, permission=permission, content_object=request
            )
            ExpertiseProfile.objects.create(
                responsible_body=body, user=user, display_name=f"{secret} expert", areas_of_need=["ASD"]
            )
            _forum(body, user, adviser, case.school_id, secret)
    world.b_markers += ["Bravo Secret Advice session", "Bravo Secret Advice finding", "Bravo Secret Advice action"]
    world.b_markers += ["Bravo Secret Advice question", "Bravo Secret Advice text", "bravo.secret.advice@example.org"]
    world.b_markers.append("Bravo Secret Advice expert")


def _forum(body, user, other, school_id, secret):  # type: ignore[no-untyped-def]
    start = timezone.now() + timedelta(days=3)
    session = ForumSession.objects.create(
        responsible_body=body,
        purpose="supervision",
        title=f"{secret} session",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Room 1",
        organiser=user,
        organiser_label=user.email,
        policy_version=1,
    )
    SessionInvitation.objects.create(responsible_body=body, session=session, invitee=other, invitee_label=other.email)
    material = SessionMaterial(
        responsible_body=body,
        session=session,
        original_name="agenda.pdf",
        content_type="application/pdf",
        size_bytes=15,
        sha256="0" * 64,
        uploaded_by=user,
        uploaded_by_label=user.email,
    )
    material.file.save("agenda.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    material.save()
    review = PeerReview.objects.create(
        responsible_body=body,
        school_id=school_id,
        reviewer_one=user,
        reviewer_one_label=user.email,
        reviewer_two=other,
        reviewer_two_label=other.email,
        visit_on=date(2026, 10, 1),
        follow_up_on=date(2027, 1, 1),
        headings=["Leadership"],
        policy_version=1,
        created_by_label=user.email,
    )
    PeerReviewFinding.objects.create(
        responsible_body=body, review=review, position=0, heading="Leadership", text=f"{secret} finding"
    )
    for parent in ({"session": session}, {"peer_review": review}):
        AgreedAction.objects.create(
            responsible_body=body,
            description=f"{secret} action",
            owner=user,
            owner_label=user.email,
            due_on=date(2027, 1, 1),
            created_by_label=user.email,
            **parent,
        )
