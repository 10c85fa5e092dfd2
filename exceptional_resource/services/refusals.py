"""Refusals a decision keeps on the case's record (recusal, escalation above a delegated
limit, segregation of duties), and the segregation rule itself: nobody decides a case they
raised while the grouping policy says so."""

from __future__ import annotations

from accounts.models import User
from core.audit_verbs import AuditVerb
from core.errors import ConflictError
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Case
from exceptional_resource.services.award_effects import running_pool_id
from groupings.models import GroupingPolicy
from pooling.models import Pool


def case_requested_pence(case: Case) -> int:
    """What the school asked for: the sum of the case's resource lines."""
    return sum(line.total_pence for line in case.resource_lines.all())


def case_raised_by(case: Case) -> set[str]:
    """Who raised the case: the person who drafted it and whoever submitted it (sign-in emails)."""
    submitters = case.events.filter(verb="submit").values_list("actor_label", flat=True)
    return {case.created_by_label, *submitters} - {""}


def check_segregation(*, actor: User, case: Case, policy: GroupingPolicy | None) -> None:
    """Under the policy's segregation of duties (on by default) nobody decides a case they
    raised. ``policy`` None (no policy in force) applies the default, as confirming a payment
    run does (``pooling.services.duties``). The refusal is recorded on the case and audited by
    the caller."""
    if (policy is None or policy.segregation_of_duties) and actor.email in case_raised_by(case):
        raise ConflictError(
            "You raised this case, so under the grouping's segregation of duties another officer must decide it.",
            code=CaseError.SEGREGATION_OF_DUTIES,
            extra={"policy_version": policy.version if policy is not None else None},
        )


def refused_decision_pool_id(case: Case, *, outcome: str, pool_id: int | None) -> int | None:
    """The pool a decision on ``case`` refused on its record is about (``CaseEvent.pool``), so
    that only that pool's auditors read the refusal: the running award's, which a
    reconsideration varies (keeping its pool) or a decline ends; with none running, the pool
    an approval named, when it is one of the body's; a decline with nothing running commits
    no money and is about the case (None)."""
    running = running_pool_id(case)
    if running is not None or outcome == "declined" or pool_id is None:
        return running
    return pool_id if Pool.objects.filter(pk=pool_id).exists() else None


# A refusal's code -> (case event verb, audit verb, note on the case's record).
REFUSALS_RECORDED: dict[str, tuple[str, AuditVerb, str]] = {
    CaseError.RECUSED: ("recused", AuditVerb.CASE_RECUSED, "The officer works at this school and stood aside."),
    CaseError.SEGREGATION_OF_DUTIES: (
        "segregation_refused",
        AuditVerb.CASE_SEGREGATION_REFUSED,
        "Refused under the policy's segregation of duties: the officer raised this case, so another must decide it.",
    ),
    CaseError.OVER_DELEGATED_LIMIT: (
        "escalated",
        AuditVerb.CASE_ESCALATED,
        "Above the officer's delegated limit: an officer with a higher limit must decide it.",
    ),
}
