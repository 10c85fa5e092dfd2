"""Reads for partnerships. Every selector takes ``tenant=`` and is called inside its
context; ``platform_*`` selectors are the only cross-tenant reads (a trust's invitations,
which trusts consent), and return ids and labels only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Model, Prefetch, QuerySet

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.queries import one_or_not_found
from core.tenancy import platform_context
from partnerships.models import (
    DemandForecast,
    ExpertAllocation,
    ExpertCapacity,
    NeedSignalConsent,
    NeedSignalSnapshot,
    Participation,
    Partnership,
    PartnershipContact,
    PartnershipMember,
    PlanAction,
    PlannedPlaces,
    PlanPriority,
    PlanVersion,
    ProvisionSetting,
)
from reports.models import ReportRun


def partnership_list(*, tenant: ResponsibleBody) -> QuerySet[Partnership]:
    return Partnership.objects.for_tenant(tenant).order_by("name")


def partnership_get(*, tenant: ResponsibleBody, partnership_id: int) -> Partnership:
    return one_or_not_found(Partnership.objects.for_tenant(tenant), "No such partnership.", pk=partnership_id)


def member_list(*, tenant: ResponsibleBody, partnership: Partnership) -> QuerySet[PartnershipMember]:
    return (
        PartnershipMember.objects.for_tenant(tenant)
        .filter(partnership=partnership)
        .select_related("member_body")
        .prefetch_related("contacts")
        .order_by("kind", "organisation_name")
    )


def member_get(*, tenant: ResponsibleBody, partnershipmember_id: int) -> PartnershipMember:
    return one_or_not_found(
        (
            PartnershipMember.objects.for_tenant(tenant)
            .select_related("partnership", "member_body")
            .prefetch_related("contacts")
        ),
        "No such member.",
        pk=partnershipmember_id,
    )


def plan_versions(*, tenant: ResponsibleBody, partnership: Partnership) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.for_tenant(tenant).filter(partnership=partnership).order_by("-number")


def plan_get(*, tenant: ResponsibleBody, planversion_id: int) -> PlanVersion:
    actions = PlanAction.objects.select_related("owner").order_by("due_on", "pk")
    priorities = PlanPriority.objects.prefetch_related(Prefetch("actions", queryset=actions)).order_by("position", "pk")
    return one_or_not_found(
        (
            PlanVersion.objects.for_tenant(tenant)
            .select_related("partnership")
            .prefetch_related(Prefetch("priorities", queryset=priorities))
        ),
        "No such plan.",
        pk=planversion_id,
    )


def setting_list(*, tenant: ResponsibleBody, partnership: Partnership) -> QuerySet[ProvisionSetting]:
    return (
        ProvisionSetting.objects.for_tenant(tenant)
        .filter(partnership=partnership)
        .select_related("school")
        .prefetch_related("places", "planned")
        .order_by("name", "kind")
    )


def setting_get(*, tenant: ResponsibleBody, provisionsetting_id: int) -> ProvisionSetting:
    return one_or_not_found(
        (
            ProvisionSetting.objects.for_tenant(tenant)
            .select_related("partnership", "school")
            .prefetch_related("places", "planned")
        ),
        "No such provision setting.",
        pk=provisionsetting_id,
    )


def forecast_list(*, tenant: ResponsibleBody, partnership: Partnership) -> QuerySet[DemandForecast]:
    return DemandForecast.objects.for_tenant(tenant).filter(partnership=partnership).order_by("year", "need", "phase")


def latest_snapshot(*, tenant: ResponsibleBody, partnership: Partnership) -> NeedSignalSnapshot | None:
    return (
        NeedSignalSnapshot.objects.for_tenant(tenant)
        .filter(partnership=partnership)
        .prefetch_related("counts")
        .order_by("-refreshed_at", "-pk")
        .first()
    )


def capacity_list(*, tenant: ResponsibleBody, partnership: Partnership) -> QuerySet[ExpertCapacity]:
    return ExpertCapacity.objects.for_tenant(tenant).filter(partnership=partnership).order_by("term", "profession")


def allocation_list(*, tenant: ResponsibleBody, partnership: Partnership) -> QuerySet[ExpertAllocation]:
    return (
        ExpertAllocation.objects.for_tenant(tenant)
        .filter(partnership=partnership)
        .select_related("school")
        .order_by("term", "profession", "school__name")
    )


def report_list(*, tenant: ResponsibleBody, partnership: Partnership) -> QuerySet[ReportRun]:
    """The partnership's sufficiency report runs (the report-run framework's rows)."""
    from partnerships.reports import REPORT_TYPE

    return (
        ReportRun.objects.for_tenant(tenant)
        .filter(report_type=REPORT_TYPE, parameters__partnership_id=partnership.pk)
        .prefetch_related("files")
        .order_by("-created_at", "-pk")
    )


def report_get(*, tenant: ResponsibleBody, reportrun_id: int) -> ReportRun:
    """A sufficiency report run; any other report type is the same 404."""
    from partnerships.reports import REPORT_TYPE

    return one_or_not_found(
        ReportRun.objects.for_tenant(tenant).prefetch_related("files"),
        "No such report.",
        pk=reportrun_id,
        report_type=REPORT_TYPE,
    )


def participation_list(*, tenant: ResponsibleBody) -> QuerySet[Participation]:
    consents = NeedSignalConsent.objects.select_related("given_by", "revoked_by").order_by("-given_at")
    return (
        Participation.objects.for_tenant(tenant)
        .prefetch_related(Prefetch("consents", queryset=consents))
        .order_by("partnership_label")
    )


def participation_get(*, tenant: ResponsibleBody, participation_id: int) -> Participation:
    return one_or_not_found(participation_list(tenant=tenant), "No such participation.", pk=participation_id)


# --- Cross-tenant reads (platform context, ids and labels only) ----------------------------


@dataclass(frozen=True)
class Invitation:
    member_id: int
    partnership_id: int
    partnership_name: str
    area: str
    convened_by: str


def platform_invitations(*, body: ResponsibleBody) -> list[Invitation]:
    """Partnerships that name ``body`` (a trust) as a member."""
    with platform_context():
        members = (
            PartnershipMember.objects.filter(member_body=body)
            .select_related("partnership__responsible_body")
            .order_by("pk")
        )
        return [
            Invitation(
                member_id=m.pk,
                partnership_id=m.partnership_id,
                partnership_name=m.partnership.name,
                area=m.partnership.la_name,
                convened_by=m.partnership.responsible_body.legal_name,
            )
            for m in members
        ]


@dataclass(frozen=True)
class MemberStatus:
    joined_at: datetime | None
    sharing_since: datetime | None


def platform_member_statuses(*, partnership_id: int) -> dict[int, MemberStatus]:
    """For the convening authority: which named trusts have joined, and which share."""
    with platform_context():
        participations = list(Participation.objects.filter(partnership_id=partnership_id).prefetch_related("consents"))
    statuses: dict[int, MemberStatus] = {}
    for p in participations:
        open_consent = next((c for c in p.consents.all() if c.revoked_at is None), None)
        statuses[p.member_id] = MemberStatus(p.joined_at, open_consent.given_at if open_consent else None)
    return statuses


def platform_consenting_body_ids(*, partnership_id: int) -> list[int]:
    """The trusts whose consent to share need signals with the partnership is open today."""
    with platform_context():
        return sorted(
            set(
                NeedSignalConsent.objects.filter(
                    participation__partnership_id=partnership_id, revoked_at__isnull=True
                ).values_list("responsible_body_id", flat=True)
            )
        )


def priority_get(*, tenant: ResponsibleBody, planpriority_id: int) -> PlanPriority:
    return one_or_not_found(
        PlanPriority.objects.for_tenant(tenant).select_related("version"), "No such priority.", pk=planpriority_id
    )


def action_get(*, tenant: ResponsibleBody, planaction_id: int) -> PlanAction:
    return one_or_not_found(
        PlanAction.objects.for_tenant(tenant).select_related("priority__version", "owner"),
        "No such action.",
        pk=planaction_id,
    )


def platform_invitation_get(*, body: ResponsibleBody, partnershipmember_id: int) -> Invitation:
    """One invitation naming ``body``; ``NotFound`` for another body's member row."""
    for invitation in platform_invitations(body=body):
        if invitation.member_id == partnershipmember_id:
            return invitation
    raise NotFound("No such invitation.")


def platform_partnership_ids() -> list[tuple[int, int]]:
    """Every partnership as ``(partnership_id, convening body id)``, for the nightly refresh."""
    with platform_context():
        return list(Partnership.objects.order_by("pk").values_list("pk", "responsible_body_id"))


def contact_get(*, tenant: ResponsibleBody, partnershipcontact_id: int) -> PartnershipContact:
    return one_or_not_found(PartnershipContact.objects.for_tenant(tenant), "No such contact.", pk=partnershipcontact_id)


def planned_get(*, tenant: ResponsibleBody, plannedplaces_id: int) -> PlannedPlaces:
    return one_or_not_found(PlannedPlaces.objects.for_tenant(tenant), "No such planned places.", pk=plannedplaces_id)


def row_get(*, tenant: ResponsibleBody, model: type[Model], pk: int) -> Model:
    """The body's row of ``model`` (a tenant-owned partnerships model), or ``NotFound``."""
    return one_or_not_found(model.objects.for_tenant(tenant), "Not found.", pk=pk)  # type: ignore[attr-defined]
