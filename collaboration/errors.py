"""Stable error codes of the collaboration app (``ApplicationError.code``)."""

from __future__ import annotations

from enum import StrEnum


class CollaborationErrorCode(StrEnum):
    ADVISER_NOT_ELIGIBLE = "adviser_not_eligible"
    CASE_NOT_ADVISABLE = "case_not_advisable"
    ACCESS_PERIOD_INVALID = "access_period_invalid"
    ADVICE_REQUEST_CLOSED = "advice_request_closed"
    TEXT_REQUIRED = "text_required"
    TEXT_TOO_LONG = "text_too_long"
    NOT_ALLOWED = "not_allowed"
    AREA_OF_NEED_UNKNOWN = "area_of_need_unknown"
    QUALIFICATION_UNKNOWN = "qualification_unknown"
