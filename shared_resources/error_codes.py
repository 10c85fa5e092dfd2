"""Stable error codes of ``shared_resources``: the ``code`` API clients see (values never change)."""

from __future__ import annotations

from core.errors import ErrorCode


class SharedResourceError(ErrorCode):
    ALL_DELIVERED = "all_delivered"
    ALREADY_FUNDED = "already_funded"
    CAPACITY_BELOW_ALLOCATED = "capacity_below_allocated"
    CAPACITY_FULL = "capacity_full"
    DATES_OUT_OF_ORDER = "dates_out_of_order"
    FUNDING_ENDED = "funding_ended"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_KIND = "invalid_kind"
    INVALID_VALUE = "invalid_value"
    MISSING_FIELD = "missing_field"
    NOT_ALLOWED = "not_allowed"
    OTHER_SCHOOL = "other_school"
    OUTSIDE_CONTRACT = "outside_contract"
    OVER_DELIVERED = "over_delivered"
    PERIOD_OVERLAPS = "period_overlaps"
    REQUEST_NOT_OPEN = "request_not_open"
    UNKNOWN_CASE = "unknown_case"
    UNKNOWN_SCHOOL = "unknown_school"
    VERSION_RACE = "version_race"
