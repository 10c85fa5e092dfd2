"""Experts at Hand: capacity per term and profession, and days allocated to schools."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError
from core.queries import one_or_not_found
from core.tenancy import tenant_context
from groupings.models import School
from partnerships.error_codes import PartnershipError
from partnerships.models import PROFESSIONS, ExpertAllocation, ExpertCapacity, Partnership
from partnerships.models.vocab import is_term

MAX_DAYS = Decimal("9999.9")


def parse_days(value: object, *, field: str) -> Decimal:
    """Days as people type them: 0 or more, in half or tenth days (one decimal place)."""
    try:
        days = Decimal(str(value).strip()) if not isinstance(value, float) else Decimal("NaN")
    except InvalidOperation:
        days = Decimal("NaN")
    if isinstance(value, bool) or not days.is_finite():
        raise ApplicationError(
            "Enter a number of days, like 12 or 12.5.", code=PartnershipError.INVALID_DAYS, field=field
        )
    if days < 0:
        raise ApplicationError("The number of days cannot be negative.", code=PartnershipError.NEGATIVE, field=field)
    if days > MAX_DAYS:
        raise ApplicationError("Enter no more than 9,999.9 days.", code=PartnershipError.TOO_LARGE, field=field)
    if days != days.quantize(Decimal("0.1")):
        raise ApplicationError(
            "Enter days to one decimal place at most, like 12.5.", code=PartnershipError.TOO_PRECISE, field=field
        )
    return days.quantize(Decimal("0.1"))


def _term_profession(term: str, profession: str) -> str:
    term = term.strip().lower()
    if not is_term(term):
        raise ApplicationError("Enter the term like 2026/27 autumn.", code=PartnershipError.INVALID_TERM, field="term")
    if profession not in PROFESSIONS:
        raise ApplicationError(
            "Choose a profession from the list.", code=PartnershipError.INVALID_PROFESSION, field="profession"
        )
    return term


def capacity_set(
    *, actor: User, tenant: ResponsibleBody, partnership_id: int, term: str, profession: str, days: object
) -> ExpertCapacity:
    term = _term_profession(term, profession)
    amount = parse_days(days, field="days")
    with tenant_context(tenant):
        partnership = one_or_not_found(Partnership.objects, "No such partnership.", pk=partnership_id)
        capacity, _ = ExpertCapacity.objects.update_or_create(
            partnership=partnership,
            term=term,
            profession=profession,
            defaults={"responsible_body": tenant, "days": amount},
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.EXPERTS_CAPACITY_SET,
            obj=capacity,
            after={"term": term, "profession": profession, "days": amount},
        )
    return capacity


def allocation_set(
    *,
    actor: User,
    tenant: ResponsibleBody,
    partnership_id: int,
    term: str,
    profession: str,
    school_urn: int,
    days_planned: object,
    days_used: object,
) -> ExpertAllocation:
    """Plan (and record use of) days of a profession at one school of the area in a term."""
    term = _term_profession(term, profession)
    planned = parse_days(days_planned, field="days_planned")
    used = parse_days(days_used, field="days_used")
    with tenant_context(tenant):
        partnership = one_or_not_found(Partnership.objects, "No such partnership.", pk=partnership_id)
        school = School.objects.filter(urn=school_urn, la_code=partnership.la_code).first()
        if school is None:
            raise ApplicationError(
                f"No school with that URN is in {partnership.la_name}.",
                code=PartnershipError.UNKNOWN_SCHOOL,
                field="school_urn",
            )
        allocation, _ = ExpertAllocation.objects.update_or_create(
            partnership=partnership,
            term=term,
            profession=profession,
            school=school,
            defaults={"responsible_body": tenant, "days_planned": planned, "days_used": used},
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.EXPERTS_ALLOCATION_SET,
            obj=allocation,
            label=f"{school.name}: {profession} {term}",
            after={"days_planned": planned, "days_used": used},
        )
    return allocation
