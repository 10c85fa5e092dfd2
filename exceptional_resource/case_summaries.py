"""The case-summary provider for peer advice (``groupings.case_summaries``): a case's need
by label, year group, SEN status, provision map without costs and outcomes sought. No
pupil name, UPN or reference, no case reference, no amount, no decision leaves here.

Registered from ``ExceptionalResourceConfig.ready``; ``collaboration`` never imports this."""

from __future__ import annotations

from accounts.models import ResponsibleBody, User
from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseStatus
from groupings.case_summaries import CaseChoice, CaseSummary, OutcomeSought, ProvisionLine
from groupings.policy_defaults import AREAS_OF_NEED, need_labels

# Cases a school may ask peers about: raised and not yet finished with.
ADVISABLE = (
    CaseStatus.DRAFT,
    CaseStatus.SUBMITTED,
    CaseStatus.INFORMATION_REQUESTED,
    CaseStatus.ACTIVE,
    CaseStatus.REVIEW_DUE,
    CaseStatus.APPROVED,
    CaseStatus.PARTLY_APPROVED,
)


EVIDENCE_PREFIX = "Advice from a colleague, attached by the school as evidence:\n\n"


class ExceptionalResourceCaseSummaries:
    def summary(self, *, tenant: ResponsibleBody, case_id: int, school_ids: set[int] | None) -> CaseSummary | None:
        with tenant_context(tenant):
            qs = Case.objects.for_tenant(tenant).filter(pk=case_id)
            if school_ids is not None:
                qs = qs.filter(school_id__in=school_ids)
            case = qs.select_related("pupil", "policy").prefetch_related("provision", "outcomes").first()
            if case is None:
                return None
            labels = need_labels(case.policy.areas_of_need if case.policy else AREAS_OF_NEED)
            pupil = case.pupil
            return CaseSummary(
                case_id=case.pk,
                school_id=case.school_id,
                year_group=pupil.get_year_group_display(),
                sen_status=pupil.get_sen_status_display(),
                primary_need=labels.get(pupil.primary_need, pupil.primary_need),
                secondary_need=labels.get(pupil.secondary_need, pupil.secondary_need),
                provision=tuple(
                    ProvisionLine(
                        provision=row.provision,
                        staff_role=row.staff_role,
                        group_size=row.group_size,
                        sessions_per_week=row.sessions_per_week,
                        minutes_per_session=row.minutes_per_session,
                        weeks=row.weeks,
                    )
                    for row in case.provision.all()
                ),
                outcomes=tuple(
                    OutcomeSought(description=o.description, measure=o.measure, review_on=o.review_on)
                    for o in case.outcomes.all()
                ),
            )

    def attach_evidence(self, *, actor: User, tenant: ResponsibleBody, case_id: int, text: str) -> None:
        """Put advice the school chose to share on the case's comments (the school's record
        that the decision officer reads), through the comment service and its checks."""
        from exceptional_resource.services.comments import case_comment_add

        case_comment_add(actor=actor, tenant=tenant, case_id=case_id, text=EVIDENCE_PREFIX + text)

    def choices(self, *, tenant: ResponsibleBody, school_id: int) -> list[CaseChoice]:
        with tenant_context(tenant):
            rows = (
                Case.objects.for_tenant(tenant)
                .filter(school_id=school_id, status__in=ADVISABLE)
                .order_by("-created_at", "-id")
                .values_list("pk", "reference")
            )
            return [CaseChoice(case_id=pk, label=f"Case {reference}") for pk, reference in rows]
