"""The case workflow. A status field with a database check, the transition table below
(from which statuses, to which, by whom), and one service per transition that locks the
case, checks the transition, writes, and records an audit event and a timeline entry.

    draft ─submit─▶ submitted ─request_information─▶ information_requested
                      ▲   └──────decide────────┐            │
                      └───provide_information──┼────────────┘
                                               ▼
                     approved / partly_approved ─(award)─▶ active ─▶ review_due ─▶ renewed / ended ─close─▶ closed
                     declined
    draft, submitted ─withdraw─▶ withdrawn
    approved, partly_approved, declined, active ─request_reconsideration─▶ reconsideration_requested ─decide─▶ …

There is no voting, no ranking of cases against each other and no bidding window: each
case is decided on its own merits by one accountable officer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, Role, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.money import format_pence
from core.tenancy import tenant_context
from exceptional_resource.clock import add_working_days, elapsed_working_days
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Award, Case, CaseStatus, Decision
from exceptional_resource.selectors.clock import case_pauses
from exceptional_resource.services.award_effects import (
    NEW,
    NewAwardTerms,
    case_unpaid_pence,
    decision_effect,
    running_awards,
    running_pool_id,
)
from exceptional_resource.services.decision_terms import award_terms_check, decision_amount_check, review_date_check
from exceptional_resource.services.refusals import (
    REFUSALS_RECORDED,
    case_requested_pence,
    check_segregation,
    refused_decision_pool_id,
)
from exceptional_resource.services.timeline import case_event_add as _event
from groupings.models import GroupingPolicy
from pooling.models import InstalmentSchedule
from pooling.services.ledger import InsufficientHeadroom

S = CaseStatus

# name: (from statuses, to status, the action the actor's role must allow)
TRANSITIONS: dict[str, tuple[frozenset[str], str, Action]] = {
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED, Action.RAISE_CASE),
    "request_information": (frozenset({S.SUBMITTED}), S.INFORMATION_REQUESTED, Action.DECIDE_CASE),
    "provide_information": (frozenset({S.INFORMATION_REQUESTED}), S.SUBMITTED, Action.RAISE_CASE),
    "approve": (frozenset({S.SUBMITTED, S.RECONSIDERATION_REQUESTED}), S.APPROVED, Action.DECIDE_CASE),
    "partly_approve": (frozenset({S.SUBMITTED, S.RECONSIDERATION_REQUESTED}), S.PARTLY_APPROVED, Action.DECIDE_CASE),
    "decline": (frozenset({S.SUBMITTED, S.RECONSIDERATION_REQUESTED}), S.DECLINED, Action.DECIDE_CASE),
    "withdraw": (frozenset({S.DRAFT, S.SUBMITTED}), S.WITHDRAWN, Action.RAISE_CASE),
    "request_reconsideration": (
        frozenset({S.APPROVED, S.PARTLY_APPROVED, S.DECLINED, S.ACTIVE}),
        S.RECONSIDERATION_REQUESTED,
        Action.RAISE_CASE,
    ),
    "close": (frozenset({S.ENDED}), S.CLOSED, Action.DECIDE_CASE),
}
# The audit verb each transition records: "case.<transition>".
TRANSITION_AUDIT_VERBS: dict[str, AuditVerb] = {
    "submit": AuditVerb.CASE_SUBMIT,
    "request_information": AuditVerb.CASE_REQUEST_INFORMATION,
    "provide_information": AuditVerb.CASE_PROVIDE_INFORMATION,
    "approve": AuditVerb.CASE_APPROVE,
    "partly_approve": AuditVerb.CASE_PARTLY_APPROVE,
    "decline": AuditVerb.CASE_DECLINE,
    "withdraw": AuditVerb.CASE_WITHDRAW,
    "request_reconsideration": AuditVerb.CASE_REQUEST_RECONSIDERATION,
    "close": AuditVerb.CASE_CLOSE,
}
# A case in one of these has nothing left to pay (the database refuses it too, migration 0009).
SETTLED_STATUSES = frozenset({S.DECLINED, S.WITHDRAWN, S.CLOSED})
MAX_OUTCOMES = 4


def _access(actor: User, tenant: ResponsibleBody) -> BodyAccess:
    return BodyAccess.load(actor, tenant)


def _lock(case_id: int) -> Case:
    case = lock_rows(Case.objects).filter(pk=case_id).first()
    if case is None:
        raise NotFound("No such case.")
    return case


def _move(
    *,
    actor: User,
    tenant: ResponsibleBody,
    case: Case,
    name: str,
    note: str = "",
    also_save: tuple[str, ...] = (),
    pool_id: int | None = None,
    **audit: Any,
) -> None:
    sources, target, action = TRANSITIONS[name]
    access = _access(actor, tenant)
    if not access.can(action, case):
        raise ApplicationError("Your role does not allow this on this case.", code=CaseError.NOT_ALLOWED)
    if action in {Action.DECIDE_CASE} and access.needs_mfa_for(action):
        raise ApplicationError("Set up multi-factor authentication before deciding cases.", code=CaseError.MFA_REQUIRED)
    if case.status not in sources:
        raise ConflictError(
            f"This case is {case.get_status_display().lower()}: it cannot move to "
            f"{CaseStatus(target).label.lower()} from there.",
            code=CaseError.INVALID_TRANSITION,
        )
    if target in SETTLED_STATUSES and (unpaid := case_unpaid_pence(case)):
        raise ConflictError(
            f"An award of this case still has {format_pence(unpaid)} of unpaid instalments: end the award "
            "first (its unpaid instalments are released) or pay them.",
            code=CaseError.UNPAID_INSTALMENTS,
            extra={"unpaid_pence": unpaid},
        )
    before = case.status
    case.status = target
    case.updated_at = timezone.now()
    case.save(update_fields=["status", "updated_at", *also_save])
    _event(case=case, actor=actor, verb=name, from_status=before, to_status=target, note=note, pool_id=pool_id)
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=TRANSITION_AUDIT_VERBS[name],
        obj=case,
        before={"status": before},
        after={"status": target, **audit},
    )


def _policy_on(day: date) -> GroupingPolicy | None:
    return GroupingPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def missing_for_submission(case: Case) -> list[tuple[str, str]]:
    """What a head must still give before the case can be submitted: (field, message). The
    one rule for completeness: ``case_submit`` refuses with it and the draft's task list
    shows it (reading the rows ``case_get`` prefetched, so the list costs no more queries)."""
    missing = []
    if not case.need_description.strip():
        missing.append(("need_description", "Describe the pupil's need."))
    if not case.provision.all():
        missing.append(("provision", "Add at least one row of the provision already in place, with its cost."))
    if not case.resource_lines.all():
        missing.append(("resource_lines", "Add what you are asking for."))
    outcomes = len(case.outcomes.all())
    if outcomes == 0:
        missing.append(("outcomes", "Add at least one intended outcome with a review date."))
    elif outcomes > MAX_OUTCOMES:
        missing.append(("outcomes", f"Keep to {MAX_OUTCOMES} intended outcomes or fewer."))
    today = timezone.localdate()
    first_start = min((line.starts_on for line in case.resource_lines.all()), default=None)
    if any(line.ends_on < today for line in case.resource_lines.all()):
        missing.append(("resource_lines", "Remove or change what you are asking for that has already ended."))
    for outcome in case.outcomes.all():
        try:
            review_date_check(review_on=outcome.review_on, today=today, starts_on=first_start)
        except ApplicationError as exc:
            missing.append(("outcomes", f"Change the review date of “{outcome.description}”: {exc.message}"))
            break
    if case.parents_involved is None:
        missing.append(("parents_involved", "Say whether the pupil's parents or carers were involved."))
    if case.pupil_involved is None:
        missing.append(("pupil_involved", "Say whether the pupil was involved."))
    return missing


def case_submit(*, actor: User, tenant: ResponsibleBody, case_id: int) -> Case:
    """Send a complete draft for decision: the decision clock starts today."""
    with tenant_context(tenant), transaction.atomic():
        case = _lock(case_id)
        missing = missing_for_submission(case) if case.status == S.DRAFT else []
        if missing:
            field, message = missing[0]
            raise ApplicationError(
                message, code=CaseError.INCOMPLETE_CASE, field=field, extra={"missing": dict(missing)}
            )
        today = timezone.localdate()
        policy = _policy_on(today)
        if policy is None:
            raise ConflictError(
                "The grouping has no policy in force, so cases cannot be decided yet.", code=CaseError.NO_POLICY
            )
        case.submitted_on = today
        case.policy = policy
        case.decision_due_on = add_working_days(today, policy.decision_target_working_days)
        _move(
            actor=actor,
            tenant=tenant,
            case=case,
            name="submit",
            also_save=("submitted_on", "policy", "decision_due_on"),
        )
    return case


def case_request_information(*, actor: User, tenant: ResponsibleBody, case_id: int, question: str) -> Case:
    """Ask the school for something the decision needs. The clock pauses until it answers."""
    if not question.strip():
        raise ApplicationError("Say what information you need.", code=CaseError.QUESTION_REQUIRED, field="question")
    with tenant_context(tenant), transaction.atomic():
        case = _lock(case_id)
        _move(actor=actor, tenant=tenant, case=case, name="request_information", note=question.strip())
    return case


def case_provide_information(*, actor: User, tenant: ResponsibleBody, case_id: int, answer: str) -> Case:
    if not answer.strip():
        raise ApplicationError("Give the information asked for.", code=CaseError.ANSWER_REQUIRED, field="answer")
    with tenant_context(tenant), transaction.atomic():
        case = _lock(case_id)
        _move(actor=actor, tenant=tenant, case=case, name="provide_information", note=answer.strip())
        paused = case_pauses(case)
        if case.submitted_on and case.policy:
            elapsed = elapsed_working_days(submitted_on=case.submitted_on, today=timezone.localdate(), paused=paused)
            remaining = max(case.policy.decision_target_working_days - elapsed, 0)
            case.decision_due_on = add_working_days(timezone.localdate(), remaining)
            case.save(update_fields=["decision_due_on"])
    return case


def case_withdraw(*, actor: User, tenant: ResponsibleBody, case_id: int, reason: str = "") -> Case:
    with tenant_context(tenant), transaction.atomic():
        case = _lock(case_id)
        _move(actor=actor, tenant=tenant, case=case, name="withdraw", note=reason.strip())
    return case


def case_close(*, actor: User, tenant: ResponsibleBody, case_id: int, note: str = "") -> Case:
    """Close a case whose award has ended and has nothing left to pay: its record is kept."""
    with tenant_context(tenant), transaction.atomic():
        case = _lock(case_id)
        _move(actor=actor, tenant=tenant, case=case, name="close", note=note.strip())
    return case


def case_request_reconsideration(*, actor: User, tenant: ResponsibleBody, case_id: int, grounds: str) -> Case:
    """Ask for a decision to be looked at again; a different officer decides it."""
    if not grounds.strip():
        raise ApplicationError(
            "Say why the decision should be reconsidered.", code=CaseError.GROUNDS_REQUIRED, field="grounds"
        )
    with tenant_context(tenant), transaction.atomic():
        case = _lock(case_id)
        _move(actor=actor, tenant=tenant, case=case, name="request_reconsideration", note=grounds.strip())
    return case


@dataclass(frozen=True)
class DecisionResult:
    decision: Decision
    award: Award | None


def case_decide(
    *,
    actor: User,
    tenant: ResponsibleBody,
    case_id: int,
    outcome: str,
    criteria_met: list[str],
    reasons: str,
    amount_pence: int = 0,
    pool_id: int | None = None,
    frequency: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    conditions: str = "",
    review_on: date | None = None,
    use_reserve: bool = False,
    end_on: date | None = None,
) -> DecisionResult:
    """Decide a case within the officer's delegated limit. Approving commits the money in
    the pool's ledger at once (and plans its instalments); if the pool cannot fund it, the
    decision is not made and the shortfall is recorded for governance to resolve.

    On a case whose award is already running (a reconsideration of an active award) the
    decision supersedes it, as ``award_effects.decision_effect`` decides: approving varies
    the running award to ``amount_pence`` (its pool, frequency and dates stay), declining
    ends it on ``end_on``, which is then required."""
    name = {"approved": "approve", "partly_approved": "partly_approve", "declined": "decline"}.get(outcome)
    if name is None:
        raise ApplicationError(
            "Choose approve, partly approve or decline.", code=CaseError.INVALID_OUTCOME, field="outcome"
        )
    if not reasons.strip():
        raise ApplicationError("Give the reasons for the decision.", code=CaseError.REASONS_REQUIRED, field="reasons")
    try:
        return _decide(
            actor=actor,
            tenant=tenant,
            case_id=case_id,
            name=name,
            outcome=outcome,
            criteria_met=criteria_met,
            reasons=reasons,
            amount_pence=amount_pence,
            pool_id=pool_id,
            frequency=frequency,
            starts_on=starts_on,
            ends_on=ends_on,
            conditions=conditions,
            review_on=review_on,
            use_reserve=use_reserve,
            end_on=end_on,
        )
    except InsufficientHeadroom as exc:
        with tenant_context(tenant), transaction.atomic():
            case = Case.objects.get(pk=case_id)
            _event(
                case=case,
                actor=actor,
                verb="headroom_shortfall",
                note=f"{exc.message} Escalated to the finance officers and trustees.",
                pool_id=running_pool_id(case) or pool_id,  # a running award keeps its pool
            )
            audit_record(actor=actor, tenant=tenant, verb=AuditVerb.CASE_HEADROOM_SHORTFALL, obj=case, after=exc.extra)
        raise
    except ConflictError as exc:
        # A refusal the case's record must show: the officer stood aside (recusal), or the
        # amount is above their delegated limit (escalated to an officer with a higher one).
        # The refused decision was rolled back; these are written after it, on their own.
        recorded = REFUSALS_RECORDED.get(exc.code)
        if recorded is not None:
            verb, audit_verb, note = recorded
            with tenant_context(tenant), transaction.atomic():
                case = Case.objects.get(pk=case_id)
                about = refused_decision_pool_id(case, outcome=outcome, pool_id=pool_id)
                _event(case=case, actor=actor, verb=verb, note=note.format(**(exc.extra or {})), pool_id=about)
                audit_record(actor=actor, tenant=tenant, verb=audit_verb, obj=case, after=exc.extra or None)
            exc.recorded = True
        raise


def _decide(
    *,
    actor: User,
    tenant: ResponsibleBody,
    case_id: int,
    name: str,
    outcome: str,
    criteria_met: list[str],
    reasons: str,
    amount_pence: int,
    pool_id: int | None,
    frequency: str,
    starts_on: date | None,
    ends_on: date | None,
    conditions: str,
    review_on: date | None,
    use_reserve: bool,
    end_on: date | None,
) -> DecisionResult:
    with tenant_context(tenant), transaction.atomic():
        case = _lock(case_id)
        access = _access(actor, tenant)
        if not access.can(Action.DECIDE_CASE, case):
            raise ApplicationError("Your role does not allow this on this case.", code=CaseError.NOT_ALLOWED)
        if any(m.role in (Role.HEAD, Role.SENDCO) and m.school_id == case.school_id for m in access.memberships):
            raise ConflictError(
                "You work at this school, so another officer must decide this case.", code=CaseError.RECUSED
            )
        if case.status == S.RECONSIDERATION_REQUESTED:
            previous = Decision.objects.filter(case=case).order_by("-decided_at").first()
            if previous is not None and previous.officer_id == actor.pk:
                raise ConflictError(
                    "A reconsideration is decided by a different officer.", code=CaseError.SAME_OFFICER_RECONSIDERATION
                )
        policy = case.policy or _policy_on(timezone.localdate())
        if policy is None:
            raise ConflictError("The grouping has no policy in force.", code=CaseError.NO_POLICY)
        check_segregation(actor=actor, case=case, policy=policy)
        unknown = [c for c in criteria_met if c not in policy.decision_criteria]
        if unknown:
            raise ApplicationError(
                "Tick criteria from the published list only.", code=CaseError.UNKNOWN_CRITERIA, field="criteria_met"
            )
        if case.status not in TRANSITIONS[name][0]:
            _move(actor=actor, tenant=tenant, case=case, name=name)  # refuses, naming the status
        running = running_awards(case)
        schedule = (
            InstalmentSchedule.objects.select_related("pool")
            .filter(source_type="award", source_id=str(running[-1].pk))
            .first()
            if running
            else None
        )
        pool = None
        if outcome != "declined":
            if amount_pence > 0:
                decision_amount_check(
                    outcome=outcome, amount_pence=amount_pence, requested_pence=case_requested_pence(case)
                )
            if schedule is not None:  # superseding: the running award keeps its pool, payments and dates
                pool_id, frequency = schedule.pool_id, schedule.frequency
                starts_on, ends_on = schedule.starts_on, schedule.ends_on
            pool = award_terms_check(
                access=access,
                policy=policy,
                amount_pence=amount_pence,
                pool_id=pool_id,
                frequency=frequency,
                starts_on=starts_on,
                ends_on=ends_on,
                review_on=review_on,
                use_reserve=use_reserve,
            ).pool
        previous = Decision.objects.filter(case=case).order_by("-decided_at", "-pk").first()
        decision = Decision.objects.create(
            responsible_body=tenant,
            case=case,
            officer=actor,
            officer_label=actor.email,
            outcome=outcome,
            criteria_met=criteria_met,
            reasons=reasons.strip(),
            amount_pence=amount_pence if pool else 0,
            pool=pool,
            frequency=frequency if pool else "",
            starts_on=starts_on if pool else None,
            ends_on=ends_on if pool else None,
            conditions=conditions.strip(),
            review_on=review_on if pool else None,
            policy=policy,
            is_reconsideration=previous is not None,
            used_reserve=use_reserve,
            supersedes=previous,
        )
        effect = decision_effect(
            actor=actor,
            tenant=tenant,
            case=case,
            decision="decline" if outcome == "declined" else "approve",
            reason=reasons.strip(),
            decision_id=decision.pk,
            amount_pence=amount_pence,
            terms=NewAwardTerms(
                pool_id=pool.pk,
                amount_pence=amount_pence,
                frequency=frequency,
                starts_on=starts_on,
                ends_on=ends_on,
            )
            if pool is not None and starts_on is not None and ends_on is not None
            else None,
            end_on=end_on,
            use_reserve=use_reserve,
        )
        decision.acts_on_award = running[-1] if running else None
        decision.award_effect = effect.kind
        decision.save(update_fields=["acts_on_award", "award_effect"])
        why, pence = reasons.strip(), amount_pence
        about = decision.pool_id or (running[-1].pool_id if running else None)  # a decline ends the running award
        _move(actor=actor, tenant=tenant, case=case, name=name, note=why, pool_id=about, amount_pence=pence)
        award = effect.award if outcome != "declined" else None
        if award is not None:
            case.status = S.ACTIVE
            case.save(update_fields=["status"])
            what = (
                f"{format_pence(amount_pence)} committed, paid {frequency} from {starts_on:%-d %B %Y}."
                if effect.kind == NEW
                else f"The running award varied to {format_pence(amount_pence)}."
            )
            _event(
                case=case,
                actor=actor,
                verb="award_committed" if effect.kind == NEW else "award_superseded",
                from_status=name,
                to_status=S.ACTIVE,
                note=what,
                pool_id=award.pool_id,
            )
    return DecisionResult(decision=decision, award=award)
