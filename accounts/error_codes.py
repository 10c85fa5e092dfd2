"""Stable error codes of ``accounts``: the ``code`` API clients see (values never change)."""

from __future__ import annotations

from core.errors import ErrorCode


class AccountError(ErrorCode):
    ALREADY_MEMBER = "already_member"
    AUDITOR_NEEDS_END_DATE = "auditor_needs_end_date"
    BODY_EXISTS = "body_exists"
    CANNOT_END_OWN_ADMIN = "cannot_end_own_admin"
    DATES_OUT_OF_ORDER = "dates_out_of_order"
    DECISION_LIMIT_REQUIRED = "decision_limit_required"
    FILE_CONTENT_MISMATCH = "file_content_mismatch"
    FILE_EMPTY = "file_empty"
    FILE_INFECTED = "file_infected"
    FILE_SCAN_FAILED = "file_scan_failed"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE_NOT_ALLOWED = "file_type_not_allowed"
    INVALID_DELIVERY = "invalid_delivery"
    INVALID_EMAIL = "invalid_email"
    INVALID_PARAMETERS = "invalid_parameters"
    INVALID_ROLE = "invalid_role"
    MEMBERSHIP_ALREADY_ENDED = "membership_already_ended"
    PLATFORM_ONLY = "platform_only"
    SCHOOL_NOT_ALLOWED = "school_not_allowed"
    SCHOOL_NOT_IN_BODY = "school_not_in_body"
    SCHOOL_REQUIRED = "school_required"
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_REPORT_TYPE = "unknown_report_type"
