"""What a decision does to a case's money: the one place that decides it.

Every decision on a case goes through ``decision_effect``, whichever door it came in by
(the decide page and API, a reconsideration, a review's renew/change/end); the award's own
vary and end pages and API, and an arrangement that ends, use its two primitives below
(``award_vary_locked``, ``award_end_locked``), so there is one way to vary or end an award:

=====================  ==============================  ==========================================
the decision           no running award                a running (active) award
=====================  ==============================  ==========================================
approve, partly        ``new``: committed (headroom    ``varied``: the running award is varied to
approve                check under the pool's locks)   the new amount; up through the headroom
                       and scheduled                   check, down releasing unpaid instalments,
                                                       never below what is already paid
decline                ``none``                        ``ended``: the award ends on the date the
                                                       officer chooses, its unpaid instalments
                                                       after it released; refused while any
                                                       instalment due on or before it is unpaid
review: renew          ``new``                         ``renewed``: the running award ends the day
                                                       before the new one starts, then ``new``
review: change         refused (nothing to change)     ``varied``
review: end            ``none``                        ``ended`` (unpaid after the date released)
=====================  ==============================  ==========================================

The decision that supersedes another names it (``Decision.supersedes``) and the award it
acted on (``Decision.acts_on_award``), with what it did (``Decision.award_effect``), so
the record keeps both. A case is never declined, withdrawn or closed while an award of it
has unpaid instalments: ``case_unpaid_pence`` is the rule in the services, and a trigger on
the case table refuses it in the database too (migration 0009).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, text_fingerprint
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError
from core.locking import lock_rows
from core.money import format_pence
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Award, Case
from exceptional_resource.services.timeline import case_event_add
from pooling.models import Instalment, Pool
from pooling.services.payments import award_commit_and_schedule
from pooling.services.schedules import schedule_stop, schedule_vary

NEW, VARIED, ENDED, RENEWED, NONE = "new", "varied", "ended", "renewed", "none"
EFFECTS = (NEW, VARIED, ENDED, RENEWED, NONE)


@dataclass(frozen=True)
class NewAwardTerms:
    """A new award's terms (a first approval or a renewal)."""

    pool_id: int
    amount_pence: int
    frequency: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Effect:
    kind: str
    award: Award | None
    released_pence: int = 0


def running_awards(case: Case) -> list[Award]:
    """The case's active awards, locked, oldest first (the caller holds the case's lock)."""
    return list(lock_rows(Award.objects).filter(case=case, status=Award.Status.ACTIVE).order_by("pk"))


def running_pool_id(case: Case) -> int | None:
    """The pool of the case's latest running award (the one under review, or that a new
    decision on the case would vary), or None."""
    running = Award.objects.filter(case=case, status=Award.Status.ACTIVE).order_by("-created_at", "-id")
    return running.values_list("pool_id", flat=True).first()


def _unpaid(award_ids: list[int]) -> QuerySet[Instalment]:
    return Instalment.objects.filter(
        status=Instalment.Status.SCHEDULED,
        schedule__source_type="award",
        schedule__source_id__in=[str(pk) for pk in award_ids],
    )


def case_unpaid_pence(case: Case) -> int:
    """What the case's awards still have scheduled and unpaid (0 when settled)."""
    ids = list(Award.objects.filter(case=case).values_list("pk", flat=True))
    total = _unpaid(ids).aggregate(total=Sum("amount_pence"))["total"]
    return int(total or 0)


def _event(award: Award, actor: User | None, verb: str, note: str) -> None:
    """An entry on the award's case's timeline, about the award's pool."""
    case_event_add(case=award.case, actor=actor, verb=verb, note=note, pool_id=award.pool_id)


def award_vary_locked(
    *, actor: User, tenant: ResponsibleBody, award: Award, new_amount_pence: int, reason: str, use_reserve: bool = False
) -> Award:
    """Vary a locked, active award to ``new_amount_pence``: the commitment moves by the
    difference (``commitment_post`` locks the pool's accounts and re-checks headroom for an
    increase) and the unpaid instalments are re-split; never below what is paid."""
    if award.status != Award.Status.ACTIVE:
        raise ConflictError("Only an active award can be varied.", code=CaseError.AWARD_NOT_ACTIVE)
    before = award.amount_pence
    if new_amount_pence == before:
        return award
    schedule_vary(
        actor=actor,
        tenant=tenant,
        source_type="award",
        source_id=str(award.pk),
        new_total_pence=new_amount_pence,
        may_use_reserve=use_reserve,
        reason=reason.strip(),
    )
    award.amount_pence = new_amount_pence
    award.save(update_fields=["amount_pence"])
    _event(
        award,
        actor,
        "award_varied",
        f"From {format_pence(before)} to {format_pence(new_amount_pence)}: {reason.strip()}",
    )
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=AuditVerb.AWARD_VARIED,
        obj=award,
        before={"amount_pence": before},
        after={"amount_pence": new_amount_pence, "reason": text_fingerprint(reason)},
    )
    return award


def award_end_locked(
    *, actor: User | None, tenant: ResponsibleBody, award: Award, end_on: date, reason: str, settle: bool = False
) -> int:
    """End a locked award on ``end_on``: its unpaid instalments due after the date are
    released, exactly. With ``settle`` (a decline), refused while an instalment due on or
    before the date is unpaid, so nothing is left to pay on a declined case. Returns the
    pence released; an award already ended releases nothing."""
    if award.status == Award.Status.ENDED:
        return 0
    if settle:
        left = _unpaid([award.pk]).filter(due_on__lte=end_on)
        owed = int(left.aggregate(total=Sum("amount_pence"))["total"] or 0)
        if owed:
            first = left.order_by("due_on").values_list("due_on", flat=True).first()
            raise ConflictError(
                f"{format_pence(owed)} of this award is due on or before {end_on:%-d %B %Y} and not yet paid: "
                f"pay it in a payment run first, or end the award before {first:%-d %B %Y}.",
                code=CaseError.UNPAID_INSTALMENTS,
                field="end_on",
                extra={"unpaid_pence": owed},
            )
    stopped = schedule_stop(actor=actor, tenant=tenant, source_type="award", source_id=str(award.pk), stop_on=end_on)
    award.status = Award.Status.ENDED
    award.ended_on = end_on
    award.save(update_fields=["status", "ended_on"])
    _event(award, actor, "award_ended", f"Ended on {end_on:%-d %B %Y}: {reason}")
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=AuditVerb.AWARD_ENDED_EARLY,
        obj=award,
        after={"ended_on": end_on, "reason": text_fingerprint(reason), "released_pence": stopped.released_pence},
    )
    return stopped.released_pence


def _new_award(
    *, actor: User, tenant: ResponsibleBody, case: Case, decision_id: int, terms: NewAwardTerms, use_reserve: bool
) -> Award:
    pool = Pool.objects.filter(pk=terms.pool_id, status="open").first()
    if pool is None:
        raise ApplicationError("Choose an open funding period.", code=CaseError.INVALID_POOL, field="pool_id")
    award = Award.objects.create(
        responsible_body=tenant,
        case=case,
        decision_id=decision_id,
        school_id=case.school_id,
        pool=pool,
        amount_pence=terms.amount_pence,
    )
    award_commit_and_schedule(
        actor=actor,
        tenant=tenant,
        pool=pool,
        school_id=case.school_id,
        source_type="award",
        source_id=str(award.pk),
        total_pence=terms.amount_pence,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        frequency=terms.frequency,
        may_use_reserve=use_reserve,
    )
    return award


def decision_effect(
    *,
    actor: User,
    tenant: ResponsibleBody,
    case: Case,
    decision: str,
    reason: str,
    decision_id: int | None = None,
    amount_pence: int = 0,
    terms: NewAwardTerms | None = None,
    end_on: date | None = None,
    use_reserve: bool = False,
) -> Effect:
    """Apply ``decision`` (``approve``, ``decline``, ``renew``, ``change`` or ``end``) to the
    case's money, as the table at the top of this module says. The caller has locked the
    case, checked the officer, the limits and the transition, and records the decision and
    the case's new status; this changes only awards, schedules and the ledger."""
    running = running_awards(case)
    latest = running[-1] if running else None
    if decision in ("decline", "end"):
        if not running:
            return Effect(NONE, None)
        if end_on is None:
            raise ApplicationError(
                "This case has a running award: enter the day it ends (unpaid instalments after it are released).",
                code=CaseError.END_ON_REQUIRED,
                field="end_on",
            )
        settle = decision == "decline"
        released = sum(
            award_end_locked(actor=actor, tenant=tenant, award=a, end_on=end_on, reason=reason, settle=settle)
            for a in running
        )
        return Effect(ENDED, latest, released)
    if decision in ("approve", "change") and latest is not None:
        for older in running[:-1]:  # only from before one running award per case was the rule
            award_end_locked(actor=actor, tenant=tenant, award=older, end_on=timezone.localdate(), reason=reason)
        varied = award_vary_locked(
            actor=actor,
            tenant=tenant,
            award=latest,
            new_amount_pence=amount_pence,
            reason=reason,
            use_reserve=use_reserve,
        )
        return Effect(VARIED, varied)
    if decision == "change":
        raise ConflictError("This case has no active award to change.", code=CaseError.AWARD_NOT_ACTIVE)
    if terms is None or decision_id is None:
        raise ApplicationError("Enter the award's terms.", code=CaseError.AMOUNT_REQUIRED, field="amount_pence")
    kind = NEW
    if decision == "renew" and running:
        for old in running:
            award_end_locked(
                actor=actor, tenant=tenant, award=old, end_on=terms.starts_on - timedelta(days=1), reason=reason
            )
        kind = RENEWED
    award = _new_award(
        actor=actor, tenant=tenant, case=case, decision_id=decision_id, terms=terms, use_reserve=use_reserve
    )
    return Effect(kind, award)


__all__ = [
    "EFFECTS",
    "Effect",
    "NewAwardTerms",
    "award_end_locked",
    "award_vary_locked",
    "case_unpaid_pence",
    "decision_effect",
    "running_awards",
    "running_pool_id",
]
