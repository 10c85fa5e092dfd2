"""A realistic pool for the governance-pack tests: two schools (a primary and a
secondary) contributing, cases decided (approved, declined, one varied), a payment run,
reviews with outcomes and, when the census model is there, school census figures; and
helpers that build the pack and find its reconciliation checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.utils import timezone

from accounts.models import ResponsibleBody, Role, User
from assurance.governance.gather import gather
from assurance.governance.pack import Pack
from assurance.governance.subledgers import reconciliation_failure
from core.tenancy import platform_context, tenant_context
from exceptional_resource.models import Award, Case, Decision, Outcome, ProvisionRow, Pupil, ResourceLine
from exceptional_resource.services import awards as award_services
from exceptional_resource.services import cases as case_services
from groupings.models import School
from groupings.services.arrangements import arrangement_activate, arrangement_propose
from groupings.services.policy import policy_ensure_default
from pooling.models import AccountKind, Pool
from pooling.services.ledger import LegSpec, pool_open, post
from tests.factories import TrustFactory, member, own_academy
from tests.pooling.payments_support import confirm_and_pay

CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]


@dataclass
class GovScene:
    body: ResponsibleBody
    pool: Pool
    primary: School
    secondary: School
    finance: User
    officer: User
    heads: dict[int, User]
    cases: list[Case] = field(default_factory=list)


def _contribute(scene: GovScene, school: School, expected: int, reserve: int, received: int) -> None:
    body, pool, actor = scene.body, scene.pool, scene.finance
    for kind, key, day, legs in (
        (
            "contribution_expected",
            "expected",
            date(2026, 4, 1),
            [
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, expected, school.pk),
                LegSpec(AccountKind.CONTRIBUTIONS, -expected, school.pk),
            ],
        ),
        (
            "reserve_set_aside",
            "reserve",
            date(2026, 4, 1),
            [LegSpec(AccountKind.CONTRIBUTIONS, reserve, school.pk), LegSpec(AccountKind.RESERVE, -reserve, school.pk)],
        ),
        (
            "receipt",
            "receipt",
            date(2026, 5, 15),
            [
                LegSpec(AccountKind.POOL_BANK, received, school.pk),
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, -received, school.pk),
            ],
        ),
    ):
        post(
            actor=actor,
            tenant=body,
            pool=pool,
            kind=kind,
            posted_on=day,
            description=f"{kind} {school.name}",
            idempotency_key=f"{body.pk}:gov:{school.pk}:{key}",
            source_type="contribution",
            source_id=f"gov-{school.pk}",
            legs=legs,
        )


LATER_REVIEW = date(2027, 3, 1)


def decided_case(
    scene: GovScene,
    school: School,
    *,
    need: str,
    outcome: str = "approved",
    amount: int = 0,
    review_on: date = LATER_REVIEW,
    sen_status: str = "sen_support",
    description: str = "Needs a therapist",
    starts_on: date = date(2026, 9, 1),
    ends_on: date = date(2027, 3, 31),
) -> Case:
    body = scene.body
    with tenant_context(body):
        pupil = Pupil.objects.create(
            responsible_body=body, school=school, year_group="Y3", sen_status=sen_status, primary_need=need
        )
        case = Case.objects.create(
            responsible_body=body,
            reference=f"GOV-{body.pk}-{Case.objects.count() + 1:04d}",
            school=school,
            pupil=pupil,
            need_description=description,
            own_imf_pence=2_000_00,
            notional_sen_pence=6_000_00,
            parents_involved=True,
            parents_summary="Met parents",
            pupil_involved=True,
            pupil_summary="Views recorded",
            created_by_label="head@example.org",
        )
        ProvisionRow.objects.create(
            responsible_body=body,
            case=case,
            provision="Small-group support",
            staff_role="TA",
            group_size=4,
            sessions_per_week=3,
            minutes_per_session=30,
            weeks=38,
            hourly_cost_pence=20_00,
        )
        ResourceLine.objects.create(
            responsible_body=body,
            case=case,
            kind="specialist_teaching",
            description=description,
            quantity=1,
            unit_cost_pence=amount or 1_000_00,  # approved: the award is what was asked
            starts_on=date(2026, 9, 1),
            ends_on=date(2027, 3, 31),
        )
        Outcome.objects.create(
            responsible_body=body, case=case, description="Uses 50 signs", measure="Count", review_on=LATER_REVIEW
        )
    _submit_and_decide(scene, case, school=school, outcome=outcome, amount=amount, starts_on=starts_on, ends_on=ends_on)
    if review_on != LATER_REVIEW:
        # Time has passed since the decision: its review date (set, as it must be, after the
        # day it was decided) has come. Reviews move outcome dates the same way.
        with tenant_context(body):
            Outcome.objects.filter(case=case).update(review_on=review_on)
            Decision.objects.filter(case=case).exclude(review_on=None).update(review_on=review_on)
    scene.cases.append(case)
    return case


def _submit_and_decide(
    scene: GovScene,
    case: Case,
    *,
    school: School,
    outcome: str,
    amount: int,
    starts_on: date,
    ends_on: date,
) -> None:
    body = scene.body
    case_services.case_submit(actor=scene.heads[school.pk], tenant=body, case_id=case.pk)
    terms: dict[str, Any] = {}
    if outcome != "declined":
        terms = dict(
            amount_pence=amount,
            pool_id=scene.pool.pk,
            frequency="monthly",
            starts_on=starts_on,
            ends_on=ends_on,
            review_on=LATER_REVIEW,
        )
    case_services.case_decide(
        actor=scene.officer,
        tenant=body,
        case_id=case.pk,
        outcome=outcome,
        criteria_met=CRITERIA,
        reasons="Meets the criteria" if outcome != "declined" else "Within the school's own provision",
        **terms,
    )


def add_census(school: School, *, sen_support: int, ehc_plan: int, year: int = 2025) -> bool:
    """School census figures, if the census model has landed (``import_sen_census``)."""
    try:
        census = apps.get_model("groupings", "SchoolCensus")
    except LookupError:
        return False
    with platform_context():
        census.objects.update_or_create(
            urn=school.urn,
            academic_year=year,
            defaults={"pupils_total": 400, "sen_support_pupils": sen_support, "ehc_plan_pupils": ehc_plan},
        )
    return True


def governance_scene(*, body_name: str = "Governance Test Trust") -> GovScene:
    admin = member(Role.BODY_ADMIN, TrustFactory(legal_name=body_name), mfa=True)
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    primary = own_academy(body, name="Alder Primary Academy", phase="Primary")
    secondary = own_academy(
        body, name='=HYPERLINK("http://x") Beech High', phase="Secondary", statutory_low_age=11, statutory_high_age=16
    )
    heads: dict[int, User] = {}
    for school in (primary, secondary):
        arrangement = arrangement_propose(
            actor=admin.user,
            tenant=body,
            school_id=school.pk,
            basis="own_academy",
            counterparty="Trust",
            start_date=date(2026, 4, 1),
        )
        arrangement_activate(actor=admin.user, tenant=body, arrangement_id=arrangement.pk)
        heads[school.pk] = member(Role.HEAD, body, school=school).user
    finance = member(Role.FINANCE_OFFICER, body, mfa=True).user
    officer = member(Role.DECISION_OFFICER, body, mfa=True, decision_limit_pence=100_000_00).user
    pool = pool_open(actor=finance, tenant=body, label="2026-27")
    scene = GovScene(
        body=body, pool=pool, primary=primary, secondary=secondary, finance=finance, officer=officer, heads=heads
    )
    _contribute(scene, primary, expected=120_000_00, reserve=6_000_00, received=90_000_33)
    _contribute(scene, secondary, expected=80_000_01, reserve=4_000_00, received=80_000_01)
    for amount in (7_000_00, 7_500_50, 8_000_00, 8_250_25, 9_000_00):
        decided_case(scene, primary, need="SLCN", amount=amount, review_on=date(2026, 11, 1))
    decided_case(scene, primary, need="SEMH", outcome="declined")
    varied = decided_case(scene, secondary, need="ASD", amount=12_000_00)
    decided_case(scene, secondary, need="SEMH", outcome="declined", sen_status="ehc_plan")
    with tenant_context(body):
        award_id = varied.awards.get().pk
    award_services.award_vary(
        actor=officer, tenant=body, award_id=award_id, new_amount_pence=10_500_00, reason="Fewer sessions"
    )
    confirm_and_pay(actor=finance, tenant=body, pool=pool, due_up_to=date(2026, 10, 31), pay_on=date(2026, 11, 2))
    award_services.awards_mark_reviews_due(tenant=body, today=timezone.localdate())
    results = ["achieved", "achieved", "partly", "not_yet", "achieved"]
    for case, result in zip(scene.cases[:5], results, strict=True):
        with tenant_context(body):
            outcome_id = case.outcomes.get().pk
        award_services.review_record(
            actor=heads[primary.pk], tenant=body, case_id=case.pk, results={outcome_id: (result, "Reviewed")}
        )
    add_census(primary, sen_support=52, ehc_plan=3)
    add_census(secondary, sen_support=140, ehc_plan=21)
    return scene


def award_of(scene: GovScene, case: Case) -> Award:
    """The case's latest award (a renewal adds one)."""
    with tenant_context(scene.body):
        award = case.awards.order_by("-pk").first()
    assert award is not None, f"case {case.pk} has no award"
    return award


def pack_of(scene: GovScene, *, period_end: date | None = None, pool: Pool | None = None) -> Pack:
    with tenant_context(scene.body):
        return gather(tenant=scene.body, pool=pool or scene.pool, period_end=period_end or timezone.localdate())


def subledger_figures(pack: Pack) -> dict[str, tuple[int, int]]:
    """The checks of instalments, payment runs and awards (after the eleven of the pack's
    own totals): name to (pack or subledger figure, figure it must equal)."""
    checks = [c for c in pack.checks if c.name != "Recoveries (award by award)"]  # money's own check
    return {c.name: (c.pack_pence, c.ledger_pence) for c in checks[11:]}


def failure_of(pack: Pack) -> str:
    return reconciliation_failure(pack.checks)
