"""Writes for exceptional resource. Pupils are created pseudonymous; a name and UPN, if
given, are stored encrypted, and a UPN already known in the body finds the same pupil.

A UPN recorded at another of the body's schools is never handed to the school asking: that
would let anyone who knows (or mistypes) a UPN see and take over another school's pupil.
The school is told the pupil is already recorded in the grouping, and a decision officer
moves the record (``pupil_transfer``), so a pupil who moves school still keeps one record.

Audit events carry the pupil's reference, school and year group only: never a name, a UPN
or their needs (audit rows are kept for good and read by administrators)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from exceptional_resource import pupil_data
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Pupil
from groupings.models import Arrangement
from groupings.policy_defaults import need_codes
from groupings.selectors import policy_in_force

PUPIL_FIELDS = ("reference", "school", "year_group")


def _school_is_member(*, tenant: ResponsibleBody, school_id: int) -> bool:
    return Arrangement.objects.filter(school_id=school_id, status__in=["active", "notice_given"]).exists()


def pupil_create(
    *,
    actor: User,
    tenant: ResponsibleBody,
    school_id: int,
    year_group: str,
    sen_status: str,
    primary_need: str,
    secondary_need: str = "",
    name: str = "",
    upn: str = "",
) -> Pupil:
    """Record a pupil, or return the school's existing record for the same UPN. A UPN the
    body holds for a pupil at another school is refused (``pupil_elsewhere``) without
    saying anything about that pupil; a decision officer transfers the record.

    The areas of need are the grouping policy's in force: with no policy in force yet the
    pupil is refused (``no_policy``), on the page and in the API alike, so no pupil is
    recorded with a need a later policy might not list."""
    with tenant_context(tenant):
        policy = policy_in_force(tenant=tenant)
    if policy is None:
        raise ApplicationError(
            "The grouping has no policy in force yet: a body admin publishes one before pupils are recorded.",
            code=CaseError.NO_POLICY,
        )
    needs = need_codes(policy.areas_of_need)
    if sen_status not in Pupil.SenStatus.values:
        raise ApplicationError("Choose SEN support or EHC plan.", code=CaseError.INVALID_SEN_STATUS, field="sen_status")
    if primary_need not in needs:
        raise ApplicationError(
            "Choose the primary need from the list.", code=CaseError.INVALID_NEED, field="primary_need"
        )
    if secondary_need and secondary_need not in needs:
        raise ApplicationError(
            "Choose the secondary need from the list.", code=CaseError.INVALID_NEED, field="secondary_need"
        )
    if year_group not in {y for y, _ in Pupil._meta.get_field("year_group").choices or []}:
        raise ApplicationError("Choose the pupil's year group.", code=CaseError.INVALID_YEAR_GROUP, field="year_group")
    with tenant_context(tenant), transaction.atomic():
        if not _school_is_member(tenant=tenant, school_id=school_id):
            raise ApplicationError(
                "That school is not a member of this grouping.", code=CaseError.SCHOOL_NOT_IN_GROUPING, field="school"
            )
        upn_hash = pupil_data.upn_hash(body_id=tenant.pk, upn=upn) if upn.strip() else ""
        if upn_hash:
            existing = lock_rows(Pupil.objects).filter(upn_hash=upn_hash).first()
            if existing is not None:
                if existing.school_id != school_id:
                    raise ApplicationError(
                        "A pupil with this UPN is already recorded at another school in the grouping. "
                        "Ask a decision officer to move their record to your school.",
                        code=CaseError.PUPIL_ELSEWHERE,
                        field="upn",
                    )
                return existing
        pupil = Pupil(
            responsible_body=tenant,
            school_id=school_id,
            year_group=year_group,
            sen_status=sen_status,
            primary_need=primary_need,
            secondary_need=secondary_need,
            name_encrypted=pupil_data.encrypt(name.strip()),
            upn_encrypted=pupil_data.encrypt(pupil_data.normalise_upn(upn)) if upn.strip() else b"",
            upn_hash=upn_hash,
        )
        try:
            with transaction.atomic():
                pupil.save()
        except IntegrityError as exc:
            if not violates(exc, "one_pupil_per_upn_per_body"):
                raise
            raise ApplicationError("That pupil is already recorded.", code=CaseError.PUPIL_EXISTS, field="upn") from exc
        audit_record(
            actor=actor, tenant=tenant, verb=AuditVerb.PUPIL_CREATED, obj=pupil, after=snapshot(pupil, PUPIL_FIELDS)
        )
    return pupil


def pupil_identity_view(*, actor: User, tenant: ResponsibleBody, pupil: Pupil) -> dict[str, str]:
    """Decrypt a pupil's name and UPN for someone allowed to see them, and audit the view.
    The caller checks ``Action.VIEW_PUPIL_IDENTITY`` first."""
    with tenant_context(tenant), transaction.atomic():
        audit_record(actor=actor, tenant=tenant, verb=AuditVerb.PUPIL_IDENTITY_VIEWED, obj=pupil)
    return {"name": pupil_data.decrypt(pupil.name_encrypted), "upn": pupil_data.decrypt(pupil.upn_encrypted)}


def pupil_transfer(
    *, actor: User, tenant: ResponsibleBody, pupil_id: int, school_id: int, year_group: str = ""
) -> Pupil:
    """Move a pupil's record to another of the grouping's schools (they changed school), so
    their cases and awards stay on one record. For the body's decision officers; the caller
    checks ``Action.DECIDE_CASE``."""
    if year_group and year_group not in {y for y, _ in Pupil._meta.get_field("year_group").choices or []}:
        raise ApplicationError("Choose the pupil's year group.", code=CaseError.INVALID_YEAR_GROUP, field="year_group")
    with tenant_context(tenant), transaction.atomic():
        pupil = lock_rows(Pupil.objects).filter(pk=pupil_id).first()
        if pupil is None:
            raise NotFound("No such pupil.")
        if not _school_is_member(tenant=tenant, school_id=school_id):
            raise ApplicationError(
                "That school is not a member of this grouping.",
                code=CaseError.SCHOOL_NOT_IN_GROUPING,
                field="school_id",
            )
        if pupil.school_id == school_id:
            raise ApplicationError(
                "The pupil is already recorded at that school.", code=CaseError.SAME_SCHOOL, field="school_id"
            )
        before = snapshot(pupil, PUPIL_FIELDS)
        pupil.school_id = school_id
        if year_group:
            pupil.year_group = year_group
        pupil.save(update_fields=["school", "year_group"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PUPIL_MOVED_SCHOOL,
            obj=pupil,
            before=before,
            after=snapshot(pupil, PUPIL_FIELDS),
        )
    return pupil
