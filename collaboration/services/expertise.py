"""The expertise directory: each person writes their own entry (areas of need,
qualifications, availability); nobody edits anyone else's."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from collaboration import verbs
from collaboration.error_codes import CollaborationError as Code
from collaboration.models import ExpertiseProfile
from core.audit import audit_record
from core.errors import ApplicationError
from core.tenancy import tenant_context
from groupings.policy_defaults import AREAS_OF_NEED, need_labels

NEED_LABELS = need_labels(AREAS_OF_NEED)
QUALIFICATIONS = dict(ExpertiseProfile.Qualification.choices)


def _short(value: str, *, field: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ApplicationError("Enter your name as colleagues know you.", code=Code.TEXT_REQUIRED, field=field)
    if len(text) > limit:
        raise ApplicationError(f"Keep it to {limit} characters or fewer.", code=Code.TEXT_TOO_LONG, field=field)
    return text


def expertise_save(
    *,
    actor: User,
    tenant: ResponsibleBody,
    display_name: str,
    areas_of_need: list[str],
    qualifications: list[str],
    summary: str = "",
    availability: str = "",
) -> ExpertiseProfile:
    """Create or replace the actor's own entry."""
    unknown = [a for a in areas_of_need if a not in NEED_LABELS]
    if unknown or not areas_of_need:
        raise ApplicationError(
            "Choose at least one area of need from the list.", code=Code.AREA_OF_NEED_UNKNOWN, field="areas_of_need"
        )
    if any(q not in QUALIFICATIONS for q in qualifications):
        raise ApplicationError(
            "Choose qualifications from the list.", code=Code.QUALIFICATION_UNKNOWN, field="qualifications"
        )
    values = {
        "display_name": _short(display_name, field="display_name", limit=200, required=True),
        "areas_of_need": sorted(set(areas_of_need)),
        "qualifications": sorted(set(qualifications)),
        "summary": _short(summary, field="summary", limit=500),
        "availability": _short(availability, field="availability", limit=200),
    }
    with tenant_context(tenant), transaction.atomic():
        if not BodyAccess.load(actor, tenant).can(Action.COLLABORATE):
            raise ApplicationError("Only the grouping's people can add themselves.", code=Code.NOT_ALLOWED)
        profile = ExpertiseProfile.objects.for_tenant(tenant).select_for_update().filter(
            user=actor
        ).first() or ExpertiseProfile(responsible_body=tenant, user=actor)
        before = {k: getattr(profile, k) for k in values} if profile.pk else None
        for key, value in values.items():
            setattr(profile, key, value)
        profile.updated_at = timezone.now()
        profile.save()
        audit_record(actor=actor, tenant=tenant, verb=verbs.EXPERTISE_SAVED, obj=profile, before=before, after=values)
        return profile
