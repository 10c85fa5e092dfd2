"""Demo data for cases, awards and the payments they make, so the year shows from the first
sign-in: at the trust's demo school (Gonville Academy) a case in each state a case reaches
without waiting for a date to pass (draft, sent for decision, information requested,
approved and partly approved with running awards, declined, withdrawn, reconsideration
requested, an award ended early), and the awards' instalments paid by a payment run that
was sent to the bank and paid, with a confirmed run for next month's. The later part of
the year too: an award whose review has come (its outcomes' review date is tomorrow, and
the daily task that marks reviews due is run for that day), an award renewed after its
review, and a case closed once its ended award was paid. Everything goes through the same
services the pages call; skipped once the demo cases exist."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.tenancy import body_only_context, tenant_context
from exceptional_resource.models import Case, Outcome
from exceptional_resource.services import cases as case_services
from exceptional_resource.services import drafts
from exceptional_resource.services.awards import award_end_early, awards_mark_reviews_due, review_record
from exceptional_resource.services.pupils import pupil_create
from exceptional_resource.services.reviews import review_decide
from groupings.models import School
from pooling.models import PaymentRun, Pool
from pooling.periods import period_of
from pooling.services.payment_runs import payment_run_record_paid, payment_run_send
from pooling.services.payments import payment_run_confirm

CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]
PANEL_EMAIL = "decision.panel@step.example"


@dataclass(frozen=True)
class DemoCase:
    name: str  # the pupil's name, as the school typed it
    need: str
    requested_pence: int
    journey: str  # how far it goes: see _take


CASES = (
    DemoCase("Amira Khan", "Speech and language needs; communicates with a few signs.", 6_000_00, "draft"),
    DemoCase("Ben Foster", "Autism; cannot stay in class for more than 10 minutes.", 7_200_00, "submitted"),
    DemoCase("Chloe Adams", "Physical disability; needs moving and handling support.", 5_400_00, "information"),
    DemoCase("Daniel Okafor", "Severe dyslexia with anxiety; refusing school.", 9_000_00, "approved"),
    DemoCase("Ella Brown", "Hearing impairment; needs a communication support worker.", 8_400_00, "partly"),
    DemoCase("Finn Walsh", "Social, emotional and mental health needs.", 4_800_00, "declined"),
    DemoCase("Grace Lee", "Moved school before the decision.", 3_600_00, "withdrawn"),
    DemoCase("Harry Patel", "Social communication needs; the school asks again.", 6_600_00, "reconsideration"),
    DemoCase("Isla Novak", "Medical needs; the pupil left the school.", 3_000_00, "ended"),
    DemoCase("Jack Turner", "Specific learning difficulty; a reading programme.", 4_200_00, "review_due"),
    DemoCase("Kai Robinson", "Autism; a key worker for unstructured times.", 5_000_00, "renewed"),
    DemoCase("Lily Evans", "Visual impairment; the school now funds it itself.", 2_400_00, "closed"),
)
# The journeys whose review comes before the others': their outcomes are reviewed tomorrow.
REVIEWED = ("review_due", "renewed")


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _decision_panel(ctx: Any, body: ResponsibleBody) -> User:
    """The decision officer who decided the demo cases: a person of its own with MFA set up
    (deciding needs it), so the demo's own decision officer signs in without a code."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import Membership, Role
    from accounts.policy import user_has_mfa
    from accounts.services import membership_invite

    user = ctx.person(PANEL_EMAIL, "Demo Decision Panel")
    with tenant_context(body):
        member = Membership.objects.filter(responsible_body=body, user=user, role=Role.DECISION_OFFICER).exists()
    if not member:
        membership_invite(
            actor=ctx.staff, tenant=body, email=PANEL_EMAIL, role=Role.DECISION_OFFICER, decision_limit_pence=25_000_00
        )
    if not user_has_mfa(user):
        TOTP.activate(user, generate_totp_secret())
    return user


def _draft(body: ResponsibleBody, head: User, school: School, spec: DemoCase, pool: Pool) -> Case:
    pupil = pupil_create(
        actor=head,
        tenant=body,
        school_id=school.pk,
        year_group="Y4",
        sen_status="sen_support",
        primary_need="SLCN",
        name=spec.name,
    )
    case = drafts.case_create_draft(
        actor=head,
        tenant=body,
        pupil_id=pupil.pk,
        need_description=spec.need,
        own_imf_pence=2_000_00,
        notional_sen_pence=6_000_00,
        parents_involved=True,
        parents_summary="Met the parents; they agree with the plan.",
        pupil_involved=True,
        pupil_summary="The pupil's views are recorded in the one-page profile.",
    )
    drafts.provision_row_add(
        actor=head,
        tenant=body,
        case_id=case.pk,
        provision="Small-group intervention",
        staff_role="Teaching assistant",
        group_size=4,
        sessions_per_week=3,
        minutes_per_session=30,
        weeks=38,
        hourly_cost_pence=20_00,
    )
    drafts.resource_line_add(
        actor=head,
        tenant=body,
        case_id=case.pk,
        kind="staffing_hours",
        description="One-to-one teaching assistant support",
        quantity=1,
        unit_cost_pence=spec.requested_pence,
        starts_on=pool.starts_on,
        ends_on=pool.ends_on,
    )
    drafts.outcome_add(
        actor=head,
        tenant=body,
        case_id=case.pk,
        description="Stays in class for the whole of four lessons a day",
        measure="Class teacher's log",
        review_on=_review_on(spec, pool),
    )
    return case


def _review_on(spec: DemoCase, pool: Pool) -> date:
    today = timezone.localdate()
    if spec.journey in REVIEWED:
        return today + timedelta(days=1)
    return max(today + timedelta(days=60), pool.starts_on + timedelta(days=1))


def _decide(
    body: ResponsibleBody,
    officer: User,
    case: Case,
    pool: Pool,
    outcome: str,
    amount: int,
    review_on: date | None = None,
) -> Any:
    today = timezone.localdate()
    return case_services.case_decide(
        actor=officer,
        tenant=body,
        case_id=case.pk,
        outcome=outcome,
        criteria_met=CRITERIA if outcome != "declined" else [],
        reasons="Meets the criteria" if outcome != "declined" else "Can be met from the school's own resources.",
        amount_pence=amount if outcome != "declined" else 0,
        pool_id=pool.pk if outcome != "declined" else None,
        frequency="monthly" if outcome != "declined" else "",
        starts_on=pool.starts_on if outcome != "declined" else None,
        ends_on=pool.ends_on if outcome != "declined" else None,
        review_on=(review_on or max(today + timedelta(days=60), pool.starts_on + timedelta(days=1)))
        if outcome != "declined"
        else None,
    )


def _take(body: ResponsibleBody, head: User, officer: User, case: Case, spec: DemoCase, pool: Pool) -> None:
    if spec.journey == "draft":
        return
    case_services.case_submit(actor=head, tenant=body, case_id=case.pk)
    if spec.journey == "submitted":
        return
    if spec.journey == "information":
        case_services.case_request_information(
            actor=officer, tenant=body, case_id=case.pk, question="Please attach the speech therapist's report."
        )
    elif spec.journey == "withdrawn":
        case_services.case_withdraw(actor=head, tenant=body, case_id=case.pk, reason="The pupil moved school.")
    elif spec.journey == "declined":
        _decide(body, officer, case, pool, "declined", 0)
    elif spec.journey == "reconsideration":
        _decide(body, officer, case, pool, "declined", 0)
        case_services.case_request_reconsideration(
            actor=head, tenant=body, case_id=case.pk, grounds="New evidence from the educational psychologist."
        )
    elif spec.journey in ("approved", "ended", "closed", *REVIEWED):
        award = _decide(body, officer, case, pool, "approved", spec.requested_pence, _review_on(spec, pool)).award
        if spec.journey in ("ended", "closed"):
            award_end_early(
                actor=officer, tenant=body, award_id=award.pk, end_on=timezone.localdate(), reason="The pupil left."
            )
    elif spec.journey == "partly":
        _decide(body, officer, case, pool, "partly_approved", spec.requested_pence * 3 // 4)


def _reviews(body: ResponsibleBody, head: User, officer: User, pool: Pool, case: Case) -> None:
    """The reviews of tomorrow marked due (what the daily task does then); the school
    records progress on one of them and the officer renews its award from today."""
    today = timezone.localdate()
    awards_mark_reviews_due(tenant=body, today=today + timedelta(days=1))
    with tenant_context(body):
        outcomes = list(Outcome.objects.filter(case=case).values_list("pk", flat=True))
    review_record(
        actor=head,
        tenant=body,
        case_id=case.pk,
        results={pk: ("partly", "Joins in at lunchtimes with his key worker.") for pk in outcomes},
    )
    review_decide(
        actor=officer,
        tenant=body,
        case_id=case.pk,
        decision="renew",
        reasons="Good progress; the key worker is still needed at unstructured times.",
        criteria_met=CRITERIA,
        amount_pence=4_000_00,
        pool_id=pool.pk,
        frequency="monthly",
        starts_on=today,
        ends_on=pool.ends_on,
        review_on=today + timedelta(days=90),
    )


def _close(body: ResponsibleBody, officer: User, case: Case) -> None:
    """The case whose award ended, paid to its end, closed."""
    case_services.case_close(actor=officer, tenant=body, case_id=case.pk, note="Award ended and paid in full.")


def _payment_runs(body: ResponsibleBody, finance: User, pool: Pool) -> None:
    """This month's instalments paid (sent to the bank and paid today); next month's in a
    confirmed run, unless the period ends first."""
    today = timezone.localdate()
    with tenant_context(body):
        if PaymentRun.objects.filter(pool=pool).exists():
            return
    paid = payment_run_confirm(actor=finance, tenant=body, pool=pool, due_up_to=today, pay_on=today)
    payment_run_send(actor=finance, tenant=body, payment_run_id=paid.pk)
    payment_run_record_paid(actor=finance, tenant=body, payment_run_id=paid.pk, paid_on=today, bank_reference="DEMO")
    next_month = date(today.year, today.month, 1) + timedelta(days=32)
    due_up_to = date(next_month.year, next_month.month, monthrange(next_month.year, next_month.month)[1])
    if due_up_to <= pool.ends_on:
        payment_run_confirm(
            actor=finance,
            tenant=body,
            pool=pool,
            due_up_to=due_up_to,
            pay_on=date(next_month.year, next_month.month, 1),
        )


def seed(ctx: Any) -> None:
    body = ctx.bodies["step-academy-trust"]
    school = School.objects.filter(name="Gonville Academy").first()
    with tenant_context(body):
        pool = Pool.objects.filter(responsible_body=body, label=period_of(timezone.localdate()).label).first()
        started = Case.objects.filter(responsible_body=body).exists()
    if school is None or pool is None or started:
        return
    head = _user("head@step.example")
    with body_only_context(body):  # the services see only the body's rows (not the platform's all)
        officer = _decision_panel(ctx, body)
        made = {}
        for spec in CASES:
            case = _draft(body, head, school, spec, pool)
            _take(body, head, officer, case, spec, pool)
            made[spec.journey] = case
        _reviews(body, head, officer, pool, made["renewed"])
        _payment_runs(body, _user("finance.officer@step.example"), pool)
        _close(body, officer, made["closed"])
