"""The decision letter to the school: what was decided and why, the published criteria met,
the amount, period, payment schedule, conditions, review date and how to ask for the
decision to be reconsidered, in plain English, as a page and as a PDF (WeasyPrint).

The letter names the pupil only by the system's pseudonymous reference, never by name or
UPN: a letter is printed, emailed and filed, and the school already knows who the
reference is (its head and SENDCO can see the name on the pupil's page, audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import html_to_pdf
from core.text import ascii_digits
from exceptional_resource.clock import add_working_days

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody
    from exceptional_resource.models import Case, Decision

# How long a school has to ask for a decision to be reconsidered.
RECONSIDERATION_WINDOW_WORKING_DAYS = 20


@dataclass(frozen=True)
class LetterPayment:
    due_on: date
    amount_pence: int


@dataclass(frozen=True)
class LetterOutcome:
    description: str
    measure: str
    review_on: date


@dataclass(frozen=True)
class Letter:
    body_name: str
    school_name: str
    school_urn: int
    case_reference: str
    pupil_reference: str
    year_group: str
    outcome: str  # approved, partly_approved, declined
    outcome_label: str
    summary: str
    is_reconsideration: bool
    decided_on: date
    officer_label: str
    policy_version: int
    reasons: str
    criteria_met: list[str]
    criteria_not_met: list[str]
    requested_pence: int
    amount_pence: int
    frequency: str
    starts_on: date | None
    ends_on: date | None
    conditions: str
    review_on: date | None
    outcomes: list[LetterOutcome]
    payments: list[LetterPayment]
    reconsider_by: date
    target_working_days: int
    can_reconsider: bool

    @property
    def payments_total_pence(self) -> int:
        return sum(p.amount_pence for p in self.payments)

    @property
    def pdf_filename(self) -> str:
        return f"decision-{self.case_reference}-{self.decided_on:%Y%m%d}.pdf"


def _summary(outcome: str, amount_pence: int, requested_pence: int, pupil: str) -> str:
    from core.money import format_pence

    if outcome == "approved":
        return f"We have agreed to fund the exceptional resource your school asked for to support pupil {pupil}."
    if outcome == "partly_approved":
        return (
            f"We have agreed to fund part of what your school asked for to support pupil {pupil}: "
            f"{format_pence(amount_pence)} of the {format_pence(requested_pence)} requested."
        )
    return f"We have decided not to fund the exceptional resource your school asked for to support pupil {pupil}."


def _planned(decision: Decision) -> list[LetterPayment]:
    """The payment schedule as the decision made it: its amount split over its dates, the
    same split the award's instalments were created with. A later variation or end has its
    own letter; this one stays the decision as made."""
    from pooling.services.schedules import schedule_parts, split_by_days

    if decision.starts_on is None or decision.ends_on is None or not decision.frequency:
        return []
    parts = schedule_parts(starts_on=decision.starts_on, ends_on=decision.ends_on, frequency=decision.frequency)
    amounts = split_by_days(decision.amount_pence, parts)
    return [LetterPayment(start, amount) for (start, _), amount in zip(parts, amounts, strict=True)]


def letter_for(
    *,
    body: ResponsibleBody,
    case: Case,
    decision: Decision,
    latest: bool,
) -> Letter:
    """The letter for ``decision``, as it was made. ``latest`` says whether it is the
    case's most recent decision: only that one can be reconsidered."""
    policy = decision.policy
    requested = sum(line.total_pence for line in case.resource_lines.all())
    decided_on = timezone.localtime(decision.decided_at).date()
    criteria = list(policy.decision_criteria)
    return Letter(
        body_name=body.legal_name,
        school_name=case.school.name,
        school_urn=case.school.urn,
        case_reference=case.reference,
        pupil_reference=case.pupil.reference,
        year_group=case.pupil.get_year_group_display(),
        outcome=decision.outcome,
        outcome_label=decision.get_outcome_display(),
        summary=_summary(decision.outcome, decision.amount_pence, requested, case.pupil.reference),
        is_reconsideration=decision.is_reconsideration,
        decided_on=decided_on,
        officer_label=decision.officer_label,
        policy_version=policy.version,
        reasons=decision.reasons,
        criteria_met=list(decision.criteria_met),
        criteria_not_met=[c for c in criteria if c not in decision.criteria_met],
        requested_pence=requested,
        amount_pence=decision.amount_pence,
        frequency=decision.get_frequency_display() if decision.frequency else "",
        starts_on=decision.starts_on,
        ends_on=decision.ends_on,
        conditions=decision.conditions,
        review_on=decision.review_on,
        outcomes=[LetterOutcome(o.description, o.measure, o.review_on) for o in case.outcomes.all()],
        payments=_planned(decision) if decision.amount_pence else [],
        reconsider_by=add_working_days(decided_on, RECONSIDERATION_WINDOW_WORKING_DAYS),
        target_working_days=policy.decision_target_working_days,
        can_reconsider=latest,
    )


def letter_pdf(letter: Letter) -> bytes:
    """The letter as an A4 PDF, from the same words as the page."""
    html = render_to_string(
        "exceptional_resource/letter_pdf.html", {"letter": letter, "generated_on": timezone.localdate()}
    )
    return html_to_pdf(html)


class NoSuchLetter(LookupError):
    """The case has no decision, or none with the id asked for."""


def letter_for_case(*, body: ResponsibleBody, case: Case, decision_id: str = "") -> tuple[Decision, Letter]:
    """The letter for the case's latest decision, or for ``decision_id`` (as typed in a
    query string) of the same case. ``case`` comes from ``selectors.case_get``."""
    decisions = list(case.decisions.all())  # newest first
    if decision_id and not ascii_digits(decision_id):
        raise NoSuchLetter(decision_id)
    index = next((i for i, d in enumerate(decisions) if not decision_id or d.pk == int(decision_id)), None)
    if index is None:
        raise NoSuchLetter(decision_id)
    decision = decisions[index]
    return decision, letter_for(body=body, case=case, decision=decision, latest=index == 0)


# --- Letters for later changes ------------------------------------------------------------

# The timeline entries that change an award after its decision, each with its own letter.
CHANGE_VERBS = {
    "award_varied": "The award has changed",
    "award_superseded": "The award has changed",
    "award_ended": "The award has ended",
    "award_recovered": "Money is being recovered",
}


@dataclass(frozen=True)
class ChangeLetter:
    """A later change to an award as the school was told of it: dated, with the change and
    the reason in the words recorded on the case's timeline when it was made (the timeline
    cannot be edited, so the letter is a record)."""

    event_id: int
    title: str
    body_name: str
    school_name: str
    school_urn: int
    case_reference: str
    pupil_reference: str
    changed_on: date
    officer_label: str
    change: str

    @property
    def pdf_filename(self) -> str:
        return f"award-change-{self.case_reference}-{self.changed_on:%Y%m%d}-{self.event_id}.pdf"


def change_letters(*, body: ResponsibleBody, case: Case) -> list[ChangeLetter]:
    """Every later change to the case's awards, oldest first, from the prefetched timeline."""
    return [
        ChangeLetter(
            event_id=event.pk,
            title=CHANGE_VERBS[event.verb],
            body_name=body.legal_name,
            school_name=case.school.name,
            school_urn=case.school.urn,
            case_reference=case.reference,
            pupil_reference=case.pupil.reference,
            changed_on=timezone.localtime(event.created_at).date(),
            officer_label=event.actor_label,
            change=event.note,
        )
        for event in sorted(case.events.all(), key=lambda e: (e.created_at, e.pk))
        if event.verb in CHANGE_VERBS
    ]


def change_letter_for_case(*, body: ResponsibleBody, case: Case, event_id: int) -> ChangeLetter:
    letter = next((c for c in change_letters(body=body, case=case) if c.event_id == event_id), None)
    if letter is None:
        raise NoSuchLetter(str(event_id))
    return letter


def change_letter_pdf(letter: ChangeLetter) -> bytes:
    html = render_to_string(
        "exceptional_resource/change_letter_pdf.html", {"letter": letter, "generated_on": timezone.localdate()}
    )
    return html_to_pdf(html)
