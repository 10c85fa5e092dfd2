"""Stable error codes of ``collaboration``: the ``code`` API clients see (values never change)."""

from __future__ import annotations

from core.errors import ErrorCode


class CollaborationError(ErrorCode):
    ACCESS_PERIOD_INVALID = "access_period_invalid"
    ACTION_CLOSED = "action_closed"
    ADVICE_REQUEST_CLOSED = "advice_request_closed"
    ADVISER_NOT_ELIGIBLE = "adviser_not_eligible"
    ALREADY_ATTACHED = "already_attached"
    AREA_OF_NEED_UNKNOWN = "area_of_need_unknown"
    CASE_NOT_ADVISABLE = "case_not_advisable"
    DATES_BACKWARDS = "dates_backwards"
    DATE_IN_PAST = "date_in_past"
    FINDINGS_INCOMPLETE = "findings_incomplete"
    INVITEES_REQUIRED = "invitees_required"
    INVITEE_NOT_IN_GROUPING = "invitee_not_in_grouping"
    NOT_ADVICE = "not_advice"
    NOT_ALLOWED = "not_allowed"
    OWNER_NOT_IN_GROUPING = "owner_not_in_grouping"
    PURPOSE_UNKNOWN = "purpose_unknown"
    QUALIFICATION_UNKNOWN = "qualification_unknown"
    REVIEWERS_NOT_TWO = "reviewers_not_two"
    REVIEWER_FROM_REVIEWED_SCHOOL = "reviewer_from_reviewed_school"
    REVIEWER_NOT_ELIGIBLE = "reviewer_not_eligible"
    REVIEW_NOT_OPEN = "review_not_open"
    SCHOOL_NOT_IN_GROUPING = "school_not_in_grouping"
    SESSION_NOT_SCHEDULED = "session_not_scheduled"
    TEXT_REQUIRED = "text_required"
    TEXT_TOO_LONG = "text_too_long"
    TOO_MANY_INVITEES = "too_many_invitees"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
