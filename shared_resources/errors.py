"""Stable error codes of the shared-resources app (``ApplicationError(code=...)``)."""

from __future__ import annotations

from enum import StrEnum


class SharedResourceError(StrEnum):
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    INVALID_KIND = "invalid_kind"
    INVALID_VALUE = "invalid_value"
    MISSING_FIELD = "missing_field"
    INVALID_AMOUNT = "invalid_amount"
    DATES_OUT_OF_ORDER = "dates_out_of_order"
    PERIOD_OVERLAPS = "period_overlaps"
    CAPACITY_BELOW_ALLOCATED = "capacity_below_allocated"
    CAPACITY_FULL = "capacity_full"
    UNKNOWN_SCHOOL = "unknown_school"
    OTHER_SCHOOL = "other_school"
    UNKNOWN_CASE = "unknown_case"
    REQUEST_NOT_OPEN = "request_not_open"
    REASON_REQUIRED = "reason_required"
    ALREADY_FUNDED = "already_funded"
    FUNDING_ENDED = "funding_ended"
    OUTSIDE_CONTRACT = "outside_contract"
    OVER_DELIVERED = "over_delivered"
    RESOURCE_ENDED = "resource_ended"


class Verb:
    """Audit verbs this app records."""

    RESOURCE_REGISTERED = "shared_resource.registered"
    RESOURCE_UPDATED = "shared_resource.updated"
    CAPACITY_SET = "shared_resource.capacity_set"
    FUNDED = "shared_resource.funded"
    FUNDING_VARIED = "shared_resource.funding_varied"
    FUNDING_ENDED = "shared_resource.funding_ended"
    REQUESTED = "shared_resource.requested"
    ALLOCATED = "shared_resource.allocated"
    WAITLISTED = "shared_resource.waitlisted"
    DECLINED = "shared_resource.declined"
    DELIVERY_RECORDED = "shared_resource.delivery_recorded"
    RULES_PUBLISHED = "shared_resource.rules_published"
