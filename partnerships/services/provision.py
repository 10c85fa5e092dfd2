"""The specialist provision register: settings seeded from the GIAS school register and
edited by the local authority (places by need and phase with the number on roll,
planned new places)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError
from core.locking import lock_rows
from core.queries import one_or_not_found
from core.tenancy import tenant_context
from groupings.models import OPEN_STATUSES, School
from partnerships.error_codes import PartnershipError
from partnerships.models import (
    NEED_CODES,
    PHASES,
    CommissionedPlaces,
    Partnership,
    PlannedPlaces,
    ProvisionSetting,
    SettingKind,
)
from partnerships.services._common import check, whole_number

# GIAS "TypeOfEstablishment (name)" values for special schools and alternative provision.
SPECIAL_SCHOOL_TYPES = frozenset(
    {
        "Community special school",
        "Foundation special school",
        "Academy special converter",
        "Academy special sponsor led",
        "Free schools special",
        "Non-maintained special school",
    }
)
ALTERNATIVE_PROVISION_TYPES = frozenset(
    {
        "Pupil referral unit",
        "Academy alternative provision converter",
        "Academy alternative provision sponsor led",
        "Free schools alternative provision",
    }
)
SETTING_FIELDS = ["name", "kind", "locality"]


def locality_of(postcode: str) -> str:
    """The postcode district (``KT2 5QY`` → ``KT2``): a default locality, editable."""
    return postcode.strip().upper().split(" ")[0] if postcode.strip() else ""


@dataclass(frozen=True)
class SeedResult:
    created: int
    updated: int


def _gias_settings(la_code: str) -> list[tuple[School, str, int | None]]:
    found: list[tuple[School, str, int | None]] = []
    for school in School.objects.filter(la_code=la_code, status__in=OPEN_STATUSES).order_by("name"):
        if school.type_name in SPECIAL_SCHOOL_TYPES:
            found.append((school, SettingKind.SPECIAL_SCHOOL, None))
        elif school.type_name in ALTERNATIVE_PROVISION_TYPES:
            found.append((school, SettingKind.ALTERNATIVE_PROVISION, None))
        if school.resourced_provision_capacity:
            found.append((school, SettingKind.RESOURCED_PROVISION, school.resourced_provision_capacity))
        if school.sen_unit_capacity:
            found.append((school, SettingKind.SEN_UNIT, school.sen_unit_capacity))
    return found


def provision_seed_from_gias(*, actor: User, tenant: ResponsibleBody, partnership_id: int) -> SeedResult:
    """Add every open special school, alternative provision, resourced provision and SEN
    unit in the area from the register; refresh GIAS figures of those already there
    (never the places, localities or names the authority has edited). Idempotent."""
    created = updated = 0
    with tenant_context(tenant):
        partnership = one_or_not_found(lock_rows(Partnership.objects), "No such partnership.", pk=partnership_id)
        existing = {(s.school_id, s.kind): s for s in partnership.settings.filter(school__isnull=False)}
        for school, kind, capacity in _gias_settings(partnership.la_code):
            on_roll = (
                school.number_of_pupils
                if kind in (SettingKind.SPECIAL_SCHOOL, SettingKind.ALTERNATIVE_PROVISION)
                else None
            )
            setting = existing.get((school.pk, kind))
            if setting is None:
                ProvisionSetting.objects.create(
                    responsible_body=tenant,
                    partnership=partnership,
                    school=school,
                    name=school.name,
                    kind=kind,
                    locality=locality_of(school.postcode),
                    gias_type=school.type_name,
                    gias_capacity=capacity,
                    gias_number_on_roll=on_roll,
                )
                created += 1
            elif (setting.gias_type, setting.gias_capacity, setting.gias_number_on_roll) != (
                school.type_name,
                capacity,
                on_roll,
            ):
                setting.gias_type, setting.gias_capacity, setting.gias_number_on_roll = (
                    school.type_name,
                    capacity,
                    on_roll,
                )
                setting.updated_at = timezone.now()
                setting.save(update_fields=["gias_type", "gias_capacity", "gias_number_on_roll", "updated_at"])
                updated += 1
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PROVISION_SEEDED_FROM_GIAS,
            obj=partnership,
            after={"created": created, "updated": updated},
        )
    return SeedResult(created=created, updated=updated)


def _kind(kind: str) -> str:
    if kind not in SettingKind.values:
        raise ApplicationError("Choose the kind of setting.", code=PartnershipError.INVALID_KIND, field="kind")
    return kind


def setting_add(
    *, actor: User, tenant: ResponsibleBody, partnership_id: int, name: str, kind: str, locality: str = ""
) -> ProvisionSetting:
    """A setting the register does not show (a new base, commissioned independent AP)."""
    with tenant_context(tenant):
        partnership = one_or_not_found(Partnership.objects, "No such partnership.", pk=partnership_id)
        setting = ProvisionSetting(
            responsible_body=tenant,
            partnership=partnership,
            name=name.strip(),
            kind=_kind(kind),
            locality=locality.strip(),
        )
        check(setting)
        setting.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PROVISION_SETTING_ADDED,
            obj=setting,
            after=snapshot(setting, SETTING_FIELDS),
        )
    return setting


def setting_update(
    *, actor: User, tenant: ResponsibleBody, provisionsetting_id: int, name: str, kind: str, locality: str
) -> ProvisionSetting:
    with tenant_context(tenant):
        setting = one_or_not_found(
            lock_rows(ProvisionSetting.objects), "No such provision setting.", pk=provisionsetting_id
        )
        before = snapshot(setting, SETTING_FIELDS)
        setting.name, setting.kind, setting.locality = name.strip(), _kind(kind), locality.strip()
        setting.updated_at = timezone.now()
        check(setting)
        try:
            with transaction.atomic():
                setting.save(update_fields=[*SETTING_FIELDS, "updated_at"])
        except IntegrityError as exc:
            if not violates(exc, "psetting_once"):
                raise
            raise ConflictError(
                "The register already has this kind of setting at this school.",
                code=PartnershipError.SETTING_EXISTS,
                field="kind",
            ) from exc
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PROVISION_SETTING_UPDATED,
            obj=setting,
            before=before,
            after=snapshot(setting, SETTING_FIELDS),
        )
    return setting


def _need_phase(need: str, phase: str) -> None:
    if need not in NEED_CODES:
        raise ApplicationError("Choose a primary need from the list.", code=PartnershipError.UNKNOWN_NEED, field="need")
    if phase not in PHASES:
        raise ApplicationError("Choose a phase from the list.", code=PartnershipError.UNKNOWN_PHASE, field="phase")


def places_set(
    *, actor: User, tenant: ResponsibleBody, provisionsetting_id: int, need: str, phase: str, places: int, on_roll: int
) -> CommissionedPlaces | None:
    """Set the places commissioned for a need and phase and the number on roll in them.
    Both zero removes the line."""
    _need_phase(need, phase)
    whole_number(places, field="places", label="the number of places")
    whole_number(on_roll, field="on_roll", label="the number on roll")
    with tenant_context(tenant):
        setting = one_or_not_found(
            lock_rows(ProvisionSetting.objects), "No such provision setting.", pk=provisionsetting_id
        )
        line = setting.places.filter(need=need, phase=phase).first()
        before = snapshot(line, ["places", "on_roll"]) if line else None
        if places == 0 and on_roll == 0:
            if line is not None:
                line.delete()
            result = None
        else:
            if line is None:
                line = CommissionedPlaces(responsible_body=tenant, setting=setting, need=need, phase=phase)
            line.places, line.on_roll = places, on_roll
            line.save()
            result = line
        setting.updated_at = timezone.now()
        setting.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PROVISION_PLACES_SET,
            obj=setting,
            label=f"{setting.name}: {need} {phase}",
            before=before,
            after={"places": places, "on_roll": on_roll},
        )
    return result


def planned_add(
    *,
    actor: User,
    tenant: ResponsibleBody,
    provisionsetting_id: int,
    need: str,
    phase: str,
    places: int,
    opens_on: date,
    note: str = "",
) -> PlannedPlaces:
    _need_phase(need, phase)
    whole_number(places, field="places", label="the number of places")
    if places == 0:
        raise ApplicationError("Enter at least 1 planned place.", code=PartnershipError.TOO_SMALL, field="places")
    if opens_on < date(2000, 1, 1):
        raise ApplicationError("Enter the date the places open.", code=PartnershipError.INVALID_DATE, field="opens_on")
    with tenant_context(tenant):
        setting = one_or_not_found(ProvisionSetting.objects, "No such provision setting.", pk=provisionsetting_id)
        planned = PlannedPlaces(
            responsible_body=tenant,
            setting=setting,
            need=need,
            phase=phase,
            places=places,
            opens_on=opens_on,
            note=note.strip(),
        )
        check(planned)
        planned.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PROVISION_PLACES_PLANNED,
            obj=planned,
            after=snapshot(planned, ["setting", "need", "phase", "places", "opens_on"]),
        )
    return planned


def planned_remove(*, actor: User, tenant: ResponsibleBody, plannedplaces_id: int) -> None:
    with tenant_context(tenant):
        planned = one_or_not_found(PlannedPlaces.objects, "Not found.", pk=plannedplaces_id)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PROVISION_PLANNED_REMOVED,
            obj=planned,
            before=snapshot(planned, ["setting", "need", "phase", "places", "opens_on"]),
        )
        planned.delete()
