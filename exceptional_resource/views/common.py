"""What every case page shares: the case lookup with its school scope, status tags with
what happens next in plain English, and showing a service's refusal on the form."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import ResponsibleBody
from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import NotFound
from exceptional_resource.labels import case_event_label
from exceptional_resource.letters import change_letters
from exceptional_resource.models import Case, CaseStatus
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.selectors import queues
from exceptional_resource.selectors.auditor_scope import case_scope, case_within_or_404
from exceptional_resource.selectors.clock import clock_of
from exceptional_resource.services.access_log import case_view_record
from groupings.models import GroupingPolicy
from groupings.policy_defaults import AREAS_OF_NEED
from groupings.policy_defaults import need_labels as policy_need_labels

S = CaseStatus

# status: (tag colour, what happens next for the school, …for a decision officer)
STATUS_GUIDE: dict[str, tuple[str, str, str]] = {
    S.DRAFT: ("grey", "Finish the case and send it. Nothing is sent until you do.", "The school is still writing it."),
    S.SUBMITTED: (
        "blue",
        "A decision officer decides it within the target number of working days.",
        "Decide it, or ask the school for information.",
    ),
    S.INFORMATION_REQUESTED: (
        "yellow",
        "Answer the officer's question. The decision clock is paused until you do.",
        "Waiting for the school's answer; the clock is paused.",
    ),
    S.APPROVED: ("green", "Approved: the money is being committed.", "Approved."),
    S.PARTLY_APPROVED: ("green", "Partly approved: read the decision and its conditions.", "Partly approved."),
    S.DECLINED: (
        "red",
        "Declined. Read the reasons; you can ask for the decision to be reconsidered.",
        "Declined. The school may ask for reconsideration.",
    ),
    S.ACTIVE: (
        "green",
        "The award is paid in instalments. Record progress against the outcomes at the review date.",
        "The award is being paid. The school records progress at the review date.",
    ),
    S.REVIEW_DUE: (
        "orange",
        "Record progress against each intended outcome; then an officer decides to renew, change or end.",
        "When the school has recorded progress, decide to renew, change or end the award.",
    ),
    S.RENEWED: ("green", "Renewed for a further period.", "Renewed."),
    S.ENDED: ("grey", "The award has ended. Nothing more is paid.", "Ended."),
    S.CLOSED: ("grey", "Closed.", "Closed."),
    S.WITHDRAWN: ("grey", "Withdrawn by the school.", "Withdrawn by the school."),
    S.RECONSIDERATION_REQUESTED: (
        "purple",
        "A different decision officer looks at the decision again.",
        "A different officer from the one who decided must reconsider it.",
    ),
}


def need_labels(policy: GroupingPolicy | None) -> dict[str, str]:
    """Need code → label from the policy's areas of need (the platform's defaults before a
    case has a policy)."""
    return policy_need_labels(policy.areas_of_need if policy is not None else AREAS_OF_NEED)


def timeline(events: list[Any]) -> list[dict[str, Any]]:
    """The case's events in plain English."""
    statuses = dict(CaseStatus.choices)
    return [
        {
            "event": e,
            "label": case_event_label(e.verb),
            "to": statuses.get(e.to_status, ""),
        }
        for e in events
    ]


def status_tag(status: str) -> dict[str, str]:
    colour, school_next, officer_next = STATUS_GUIDE.get(status, ("grey", "", ""))
    return {
        "label": CaseStatus(status).label,
        "colour": colour,
        "school_next": school_next,
        "officer_next": officer_next,
    }


def case_url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    return reverse(f"cases:{name}", kwargs={"body_slug": body.slug, **kwargs})


def letter_url(body: ResponsibleBody, case: Case) -> str | None:
    """The decision letter's page, once the letters area has its route."""
    try:
        return reverse("cases:letter", kwargs={"body_slug": body.slug, "case_id": case.pk})
    except NoReverseMatch:
        return None


def name_own_pupils(access: Any, pupils: list[Any]) -> None:
    """Give each pupil ``known_name``: the name their school typed, when the reader is head or
    SENDCO at that school, otherwise "" (officers, trustees, auditors and peers see the
    reference). Templates show it with ``{% pupil_label %}`` (``templatetags/case_tags.py``)."""
    names = queues.pupil_names(pupils=pupils, school_ids=access.school_ids(Action.SEE_OWN_PUPIL_NAMES))
    for pupil in pupils:
        pupil.known_name = names.get(pupil.pk, "")


class CaseMixin(BodyMixin):
    """A page about one case: another body's case, or another school's for a head or
    SENDCO, is the same 404 as a missing one."""

    kwargs: dict[str, Any]
    request: HttpRequest
    required_action = Action.VIEW_CASE
    case_action = Action.VIEW_CASE

    def read_case(self) -> Case:
        """The case, as this page reads it (``case_get``: with every row the case pages show)."""
        return selectors.case_get(
            tenant=self.body, case_id=self.kwargs["case_id"], school_ids=self.access.school_ids(self.case_action)
        )

    def get_case(self) -> Case:
        if not hasattr(self, "_case"):
            case = self.read_case()
            if not self.access.can(self.case_action, case):
                raise NotFound("No such case.")
            case_within_or_404(tenant=self.body, case=case, scope=case_scope(access=self.access, tenant=self.body))
            self._case = case
            if self.request.method == "GET":  # every read of a case is audited (a POST audits its own change)
                case_view_record(actor=self.actor, tenant=self.body, case=case, via="page")
        return self._case

    def case_url(self, name: str = "detail", **kwargs: Any) -> str:
        return case_url(name, self.body, case_id=self.get_case().pk, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        labels = need_labels(case.policy)
        name_own_pupils(self.access, [case.pupil])
        context.update(
            case=case,
            tag=status_tag(case.status),
            clock=clock_of(case),
            primary_need_label=labels.get(case.pupil.primary_need, case.pupil.primary_need),
            secondary_need_label=labels.get(case.pupil.secondary_need, case.pupil.secondary_need),
        )
        return context


def case_letters(*, body: ResponsibleBody, case: Case, decisions: list[Any]) -> list[dict[str, Any]]:
    """Every letter the school was sent about the case, oldest first: one per decision (as
    made) and one per later change to its award (varied, ended, recovered)."""
    found = [
        {
            "title": f"Decision letter: {d.get_outcome_display().lower()}",
            "dated": timezone.localtime(d.decided_at).date(),
            "url": case_url("letter", body, case_id=case.pk) + f"?decision={d.pk}",
        }
        for d in decisions
    ]
    found += [
        {
            "title": c.title,
            "dated": c.changed_on,
            "url": case_url("change-letter", body, case_id=case.pk, caseevent_id=c.event_id),
        }
        for c in change_letters(body=body, case=case)
    ]
    return sorted(found, key=lambda item: item["dated"])
