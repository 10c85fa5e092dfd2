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
from core.errors import ApplicationError
from core.tenancy import tenant_context
from exceptional_resource import pupil_data
from exceptional_resource.models import Pupil
from groupings.models import Arrangement

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
    need_codes: set[str],
) -> Pupil:
    """Record a pupil, or return the school's existing record for the same UPN. A UPN the
    body holds for a pupil at another school is refused (``pupil_elsewhere``) without
    saying anything about that pupil; a decision officer transfers the record."""
    if sen_status not in Pupil.SenStatus.values:
        raise ApplicationError("Choose SEN support or EHC plan.", code="invalid_sen_status", field="sen_status")
    if primary_need not in need_codes:
        raise ApplicationError("Choose the primary need from the list.", code="invalid_need", field="primary_need")
    if secondary_need and secondary_need not in need_codes:
        raise ApplicationError("Choose the secondary need from the list.", code="invalid_need", field="secondary_need")
    if year_group not in {y for y, _ in Pupil._meta.get_field("year_group").choices or []}:
        raise ApplicationError("Choose the pupil's year group.", code="invalid_year_group", field="year_group")
    with tenant_context(tenant), transaction.atomic():
        if not _school_is_member(tenant=tenant, school_id=school_id):
            raise ApplicationError(
                "That school is not a member of this grouping.", code="school_not_in_grouping", field="school"
            )
        upn_hash = pupil_data.upn_hash(body_id=tenant.pk, upn=upn) if upn.strip() else ""
        if upn_hash:
            existing = Pupil.objects.select_for_update().filter(upn_hash=upn_hash).first()
            if existing is not None:
                if existing.school_id != school_id:
                    raise ApplicationError(
                        "A pupil with this UPN is already recorded at another school in the grouping. "
                        "Ask a decision officer to move their record to your school.",
                        code="pupil_elsewhere",
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
            raise ApplicationError("That pupil is already recorded.", code="pupil_exists", field="upn") from exc
        audit_record(actor=actor, tenant=tenant, verb="pupil.created", obj=pupil, after=snapshot(pupil, PUPIL_FIELDS))
    return pupil


def pupil_identity_view(*, actor: User, tenant: ResponsibleBody, pupil: Pupil) -> dict[str, str]:
    """Decrypt a pupil's name and UPN for someone allowed to see them, and audit the view.
    The caller checks ``Action.VIEW_PUPIL_IDENTITY`` first."""
    with tenant_context(tenant), transaction.atomic():
        audit_record(actor=actor, tenant=tenant, verb="pupil.identity_viewed", obj=pupil)
    return {"name": pupil_data.decrypt(pupil.name_encrypted), "upn": pupil_data.decrypt(pupil.upn_encrypted)}


def pupil_transfer(
    *, actor: User, tenant: ResponsibleBody, pupil_id: int, school_id: int, year_group: str = ""
) -> Pupil:
    """Move a pupil's record to another of the grouping's schools (they changed school), so
    their cases and awards stay on one record. For the body's decision officers; the caller
    checks ``Action.DECIDE_CASE``."""
    if year_group and year_group not in {y for y, _ in Pupil._meta.get_field("year_group").choices or []}:
        raise ApplicationError("Choose the pupil's year group.", code="invalid_year_group", field="year_group")
    with tenant_context(tenant), transaction.atomic():
        pupil = Pupil.objects.select_for_update().filter(pk=pupil_id).first()
        if pupil is None:
            raise ApplicationError("No such pupil.", code="not_found")
        if not _school_is_member(tenant=tenant, school_id=school_id):
            raise ApplicationError(
                "That school is not a member of this grouping.", code="school_not_in_grouping", field="school_id"
            )
        if pupil.school_id == school_id:
            raise ApplicationError(
                "The pupil is already recorded at that school.", code="same_school", field="school_id"
            )
        before = snapshot(pupil, PUPIL_FIELDS)
        pupil.school_id = school_id
        if year_group:
            pupil.year_group = year_group
        pupil.save(update_fields=["school", "year_group"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb="pupil.moved_school",
            obj=pupil,
            before=before,
            after=snapshot(pupil, PUPIL_FIELDS),
        )
    return pupil
