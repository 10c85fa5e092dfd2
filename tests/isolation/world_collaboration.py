"""Collaboration rows for both bodies: a request for advice on the world's case
(``advicerequest_id``) with a message, its guardian grant and an expertise profile."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from collaboration.models import (
    ADVISE_CODENAME,
    AdviceMessage,
    AdviceRequest,
    AdviceRequestUserObjectPermission,
    ExpertiseProfile,
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
    world.b_markers += ["Bravo Secret Advice question", "Bravo Secret Advice text", "bravo.secret.advice@example.org"]
