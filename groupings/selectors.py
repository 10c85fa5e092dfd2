"""Reads for groupings. The school register is platform-wide; arrangements and policies
are tenant-owned and read inside the tenant's context."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import tenant_context
from core.text import ascii_digits
from groupings.models import Arrangement, ArrangementStatus, GroupingPolicy, School, SchoolCensus

SEARCH_LIMIT = 50
CURRENT_STATUSES = (ArrangementStatus.ACTIVE, ArrangementStatus.NOTICE_GIVEN)


def school_search(*, q: str = "", la_code: str = "", trust: str = "", eligible_only: bool = False) -> QuerySet[School]:
    """Search the national register by name, URN, LA code or trust name.

    Name and trust searches use trigram GIN indexes, so they stay fast over the whole
    register; results are capped at ``SEARCH_LIMIT`` by callers."""
    qs = School.objects.all()
    q = q.strip()
    if ascii_digits(q):
        qs = qs.filter(urn=int(q))
    elif q:
        qs = qs.filter(name__icontains=q)
    if la_code.strip():
        qs = qs.filter(Q(la_code=la_code.strip()) | Q(la_name__iexact=la_code.strip()))
    if trust.strip():
        qs = qs.filter(trust_name__icontains=trust.strip())
    if eligible_only:
        qs = qs.filter(is_imf_eligible=True)
    return qs.order_by("name", "urn")


def school_get(*, school_id: int) -> School:
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise NotFound("No such school.")
    return school


def arrangement_list(
    *,
    tenant: ResponsibleBody,
    status: str = "",
    basis: str = "",
    q: str = "",
    school_ids: set[int] | None = None,
    with_policy: bool = False,
) -> QuerySet[Arrangement]:
    """Arrangements by school name, then start; ``with_policy`` joins each one's policy too."""
    qs = Arrangement.objects.for_tenant(tenant).select_related("school", "approved_by")
    if with_policy:
        qs = qs.select_related("policy")
    if status == "current":
        qs = qs.filter(status__in=CURRENT_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if basis:
        qs = qs.filter(basis=basis)
    if q.strip():
        term = q.strip()
        by_urn = ascii_digits(term)
        qs = qs.filter(Q(school__urn=int(term)) if by_urn else Q(school__name__icontains=term))
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    return qs.order_by("school__name", "start_date")


def arrangement_get(*, tenant: ResponsibleBody, arrangement_id: int) -> Arrangement:
    arrangement = arrangement_list(tenant=tenant).filter(pk=arrangement_id).first()
    if arrangement is None:
        raise NotFound("No such arrangement.")
    return arrangement


def arrangement_history(*, tenant: ResponsibleBody, arrangement: Arrangement) -> list[dict[str, object]]:
    """Every recorded change of the arrangement, oldest first (from the audit trail)."""
    from accounts.selectors import audit_event_list

    events = audit_event_list(tenant=tenant, object_type="groupings.arrangement", scope=None).filter(
        object_id=str(arrangement.pk)
    )
    return [
        {"when": e.created_at, "who": e.actor_label, "verb": e.verb, "after": e.after or {}}
        for e in events.order_by("id")
    ]


def policy_versions(*, tenant: ResponsibleBody) -> QuerySet[GroupingPolicy]:
    return GroupingPolicy.objects.for_tenant(tenant).order_by("-version")


def policy_in_force(*, tenant: ResponsibleBody, on: date | None = None) -> GroupingPolicy | None:
    day = on or timezone.localdate()
    return policy_versions(tenant=tenant).filter(effective_from__lte=day).order_by("-effective_from").first()


def grouping_members_on(*, tenant: ResponsibleBody, day: date | None = None) -> list[Arrangement]:
    """The schools in the body's grouping on ``day`` (for the public page)."""
    day = day or timezone.localdate()
    with tenant_context(tenant):
        return list(
            Arrangement.objects.filter(status__in=CURRENT_STATUSES, start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .select_related("school")
            .order_by("school__name")
        )


def school_census_for(*, urns: Iterable[int], on_or_before_year: int | None = None) -> dict[int, SchoolCensus]:
    """Each school's latest census figures by URN (platform reference data, no tenant):
    the most recent academic year stored, or the most recent up to ``on_or_before_year``
    (2026 for 2026/27). Schools without figures are absent. One query."""
    qs = SchoolCensus.objects.filter(urn__in=sorted(set(urns)))
    if on_or_before_year is not None:
        qs = qs.filter(academic_year__lte=on_or_before_year)
    return {row.urn: row for row in qs.order_by("urn", "-academic_year").distinct("urn")}


ARRANGEMENT_CSV_HEADER = [
    "URN",
    "School",
    "LA code",
    "Basis",
    "Status",
    "Counterparty",
    "Start date",
    "End date",
    "Agreement reference",
]


def arrangement_csv_rows(arrangements: QuerySet[Arrangement]) -> Iterator[list[Any]]:
    """The grouping's members export, one row an arrangement (read in chunks)."""
    for a in arrangements.iterator(chunk_size=500):
        yield [
            a.school.urn,
            a.school.name,
            a.school.la_code,
            a.get_basis_display(),
            a.get_status_display(),
            a.counterparty,
            a.start_date.isoformat(),
            a.end_date.isoformat() if a.end_date else "",
            a.agreement_reference,
        ]


def school_choices(*, school_ids: set[int]) -> QuerySet[School]:
    """Schools of the register by id, by name (the schools a user may pick from)."""
    return School.objects.filter(pk__in=school_ids).order_by("name")


def school_name_and_urn(school_key: str = "school_id") -> tuple[Subquery, Subquery]:
    """The name and the URN of the school rows point at by ``school_key``, to annotate them
    with: each read by the school's primary key, row by row, not joined. A body's list is a
    few hundred rows, and PostgreSQL plans a join of them to the register as a hash of all
    of it (21,971 schools in England), several times slower than looking up the few hundred
    (see docs/performance.md)."""
    school = School.objects.filter(pk=OuterRef(school_key)).order_by()
    return Subquery(school.values("name")), Subquery(school.values("urn"))
