"""Stable error codes of ``collaboration``: the ``code`` API clients see (values never change)."""

from __future__ import annotations

from core.errors import ErrorCode


class CollaborationError(ErrorCode):
    ACCESS_PERIOD_INVALID = "access_period_invalid"
    ADVICE_REQUEST_CLOSED = "advice_request_closed"
    ADVISER_NOT_ELIGIBLE = "adviser_not_eligible"
    ALREADY_ATTACHED = "already_attached"
    AREA_OF_NEED_UNKNOWN = "area_of_need_unknown"
    CASE_NOT_ADVISABLE = "case_not_advisable"
    NOT_ADVICE = "not_advice"
    NOT_ALLOWED = "not_allowed"
    QUALIFICATION_UNKNOWN = "qualification_unknown"
    TEXT_REQUIRED = "text_required"
    TEXT_TOO_LONG = "text_too_long"
