"""Words for the codes of a case's timeline (``CaseEvent.verb``): "Sent for decision", not
``submit``. Every verb the services write has one (tests/core/test_labels.py); anything
older is put into words from its code."""

from __future__ import annotations

CASE_EVENT_LABELS = {
    # The case's transitions (exceptional_resource.services.cases.TRANSITIONS)
    "submit": "Sent for decision",
    "request_information": "Information requested",
    "provide_information": "Information given",
    "approve": "Approved",
    "partly_approve": "Partly approved",
    "decline": "Declined",
    "withdraw": "Withdrawn",
    "request_reconsideration": "Reconsideration requested",
    "close": "Closed",
    # Refusals the case's record shows (exceptional_resource.services.refusals)
    "recused": "Officer stood aside",
    "segregation_refused": "Decision refused: the officer raised this case",
    "escalated": "Escalated above the officer's limit",
    "headroom_shortfall": "Pool could not fund it",
    # The award and its reviews
    "award_committed": "Money committed",
    "award_superseded": "Running award changed by the new decision",
    "award_varied": "Award changed",
    "award_ended": "Award ended",
    "award_recovered": "Money recovered from the school",
    "review_due": "Review due",
    "review_recorded": "Progress recorded",
    "renew": "Renewed",
    "review_change": "Changed after review",
    "review_end": "Ended after review",
    # Evidence
    "evidence_added": "Evidence added",
    "evidence_removed": "Evidence removed",
}


def case_event_label(verb: str) -> str:
    return CASE_EVENT_LABELS.get(verb) or verb.replace("_", " ").capitalize()
