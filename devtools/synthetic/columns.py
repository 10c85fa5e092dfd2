"""The columns each generated row supplies, in order (database column names)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import models

from accounts.models import Membership, ResponsibleBody, User
from core.models import AuditEvent
from exceptional_resource.models import Award, Case, CaseEvent, Decision, Outcome, Pupil, ResourceLine
from groupings.models import Arrangement, GroupingPolicy
from pooling.models import (
    Account,
    Contribution,
    ImfAllocation,
    Instalment,
    InstalmentSchedule,
    Leg,
    PaymentRun,
    PaymentRunLine,
    Pool,
    Receipt,
    Transaction,
)
from shared_resources.models import (
    Allocation,
    AllocationRules,
    CapacityPeriod,
    Delivery,
    ResourceFunding,
    ResourceRequest,
    SharedResource,
)

RB = "responsible_body_id"

COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    User: ("id", "password", "is_superuser", "email", "full_name", "is_staff", "is_active", "date_joined"),
    ResponsibleBody: (
        "id", "kind", "legal_name", "slug", "companies_house_number", "la_code", "gias_group_uid",
        "accountable_officer_name", "accountable_officer_title", "created_at",
    ),
    Authenticator: ("id", "user_id", "type", "data", "created_at"),
    Membership: ("id", RB, "user_id", "role", "school_id", "decision_limit_pence", "valid_from", "valid_to",
                 "created_at"),
    GroupingPolicy: (
        "id", RB, "version", "effective_from", "pooled_share_bp", "allow_share_override", "funding_periods",
        "areas_of_need", "decision_criteria", "decision_target_working_days", "delegated_limits_pence",
        "urgent_reserve_bp", "change_note", "created_by_label", "created_at",
    ),
    Arrangement: (
        "id", RB, "school_id", "basis", "status", "counterparty", "start_date", "end_date", "policy_id",
        "proposed_by_label", "approved_at", "created_at",
    ),
    Pool: ("id", RB, "label", "starts_on", "ends_on", "status", "created_at"),
    Account: ("id", RB, "pool_id", "kind", "nominal_code", "cost_centre", "cfr_code"),
    ImfAllocation: ("id", RB, "period_label", "school_id", "amount_pence", "entered_by_label", "created_at"),
    Contribution: (
        "id", RB, "pool_id", "arrangement_id", "school_id", "allocation_id", "policy_id", "share_bp",
        "member_days", "period_days", "expected_pence", "calculated_at",
    ),
    Receipt: ("id", RB, "contribution_id", "amount_pence", "received_on", "method", "reference",
              "recorded_by_label", "created_at"),
    Pupil: ("id", RB, "reference", "school_id", "year_group", "sen_status", "primary_need", "secondary_need",
            "created_at"),
    Case: (
        "id", RB, "reference", "school_id", "pupil_id", "status", "need_description", "own_imf_pence",
        "notional_sen_pence", "parents_involved", "parents_summary", "pupil_involved", "pupil_summary", "urgency",
        "policy_id", "submitted_on", "decision_due_on", "created_by_label", "created_at", "updated_at",
    ),
    ResourceLine: ("id", RB, "case_id", "kind", "description", "quantity", "unit_cost_pence", "starts_on", "ends_on"),
    Outcome: ("id", RB, "case_id", "description", "measure", "review_on", "result", "result_note"),
    CaseEvent: ("id", RB, "case_id", "verb", "from_status", "to_status", "note", "actor_label", "created_at",
                "pool_id"),
    Decision: (
        "id", RB, "case_id", "officer_id", "officer_label", "outcome", "criteria_met", "reasons", "amount_pence",
        "pool_id", "frequency", "starts_on", "ends_on", "conditions", "review_on", "policy_id",
        "is_reconsideration", "used_reserve", "decided_at",
    ),
    Award: ("id", RB, "case_id", "decision_id", "school_id", "pool_id", "amount_pence", "status", "ended_on",
            "created_at"),
    InstalmentSchedule: ("id", RB, "pool_id", "school_id", "source_type", "source_id", "frequency", "starts_on",
                         "ends_on", "total_pence", "created_at"),
    PaymentRun: ("id", RB, "pool_id", "due_up_to", "pay_on", "status", "total_pence", "created_by_label",
                 "confirmed_by_label", "confirmed_at", "created_at", "sent_by_label", "sent_at", "paid_on",
                 "paid_by_label", "paid_at"),
    PaymentRunLine: ("id", RB, "payment_run_id", "school_id", "amount_pence"),
    Instalment: ("id", RB, "schedule_id", "due_on", "amount_pence", "status", "payment_run_id"),
    Transaction: ("id", RB, "pool_id", "kind", "posted_on", "description", "idempotency_key", "source_type",
                  "source_id", "actor_label", "created_at"),
    Leg: ("id", RB, "transaction_id", "account_id", "amount_pence", "school_id"),
    AuditEvent: ("id", RB, "actor_id", "actor_label", "verb", "object_type", "object_id", "object_label", "before",
                 "after", "request_id", "created_at", "prev_hash", "hash"),
    SharedResource: (
        "id", RB, "kind", "name", "areas_of_need", "capacity_unit", "capacity_basis", "host_school_id", "payee",
        "contract_reference", "starts_on", "ends_on", "fte_hundredths", "annual_cost_pence", "places",
        "cost_per_place_pence", "contract_value_pence", "created_by_label", "created_at",
    ),
    AllocationRules: ("id", RB, "version", "effective_from", "rules", "created_by_label", "created_at"),
    CapacityPeriod: ("id", RB, "resource_id", "label", "starts_on", "ends_on", "capacity_units", "allocated_units"),
    ResourceFunding: ("id", RB, "resource_id", "pool_id", "amount_pence", "starts_on", "ends_on", "frequency",
                      "status", "ended_on", "created_by_label", "created_at"),
    ResourceRequest: (
        "id", RB, "resource_id", "period_id", "school_id", "case_id", "units", "starts_on", "note", "status",
        "decision_reason", "decided_by_label", "decided_at", "rules_version", "requested_by_label", "created_at",
    ),
    Allocation: ("id", RB, "request_id", "period_id", "school_id", "units", "allocated_by_label", "created_at"),
    Delivery: ("id", RB, "allocation_id", "delivered_on", "units", "note", "recorded_by_label", "created_at"),
}  # fmt: skip

# Parents before children (an allocation's trigger adds its units to its capacity period).
FLUSH_ORDER: list[type] = list(COLUMNS)
