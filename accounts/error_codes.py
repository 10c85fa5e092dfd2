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
    INVALID_EMAIL = "invalid_email"
    INVALID_ROLE = "invalid_role"
    MEMBERSHIP_ALREADY_ENDED = "membership_already_ended"
    PLATFORM_ONLY = "platform_only"
    SCHOOL_NOT_ALLOWED = "school_not_allowed"
    SCHOOL_NOT_IN_BODY = "school_not_in_body"
    SCHOOL_REQUIRED = "school_required"
    TOKEN_NAME_REQUIRED = "token_name_required"
    TOKEN_NAME_TAKEN = "token_name_taken"
    TOKEN_EXPIRY_INVALID = "token_expiry_invalid"
    TOKEN_ACTIONS_REQUIRED = "token_actions_required"
    TOKEN_ACTION_NOT_ALLOWED = "token_action_not_allowed"
    TOKEN_ALREADY_REVOKED = "token_already_revoked"
