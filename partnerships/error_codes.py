"""Stable error codes of ``partnerships``: the ``code`` API clients see (values never change)."""

from __future__ import annotations

from core.errors import ErrorCode


class PartnershipError(ErrorCode):
    ALREADY_JOINED = "already_joined"
    BODY_NOT_A_TRUST = "body_not_a_trust"
    CONSENT_ALREADY_GIVEN = "consent_already_given"
    FORECAST_FILE_REJECTED = "forecast_file_rejected"
    INVALID = "invalid"
    INVALID_DATE = "invalid_date"
    INVALID_DAYS = "invalid_days"
    INVALID_KIND = "invalid_kind"
    INVALID_PROFESSION = "invalid_profession"
    INVALID_STATUS = "invalid_status"
    INVALID_TERM = "invalid_term"
    INVALID_YEAR = "invalid_year"
    MEMBER_EXISTS = "member_exists"
    NEGATIVE = "negative"
    NO_CONSENT_TO_REVOKE = "no_consent_to_revoke"
    NOT_A_LOCAL_AUTHORITY = "not_a_local_authority"
    NOT_A_WHOLE_NUMBER = "not_a_whole_number"
    NOT_ALLOWED = "not_allowed"
    PARTNERSHIP_EXISTS = "partnership_exists"
    PLAN_EMPTY = "plan_empty"
    PLAN_PUBLISHED = "plan_published"
    SETTING_EXISTS = "setting_exists"
    TOO_LARGE = "too_large"
    TOO_PRECISE = "too_precise"
    TOO_SMALL = "too_small"
    UNKNOWN_NEED = "unknown_need"
    UNKNOWN_OWNER = "unknown_owner"
    UNKNOWN_PHASE = "unknown_phase"
    UNKNOWN_SCHOOL = "unknown_school"
    UNKNOWN_TRUST = "unknown_trust"
