"""Output shapes shared by the exceptional-resource API modules, and the input fields that
carry money (whole pence) and counts with plain-English errors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.text import ascii_digits
from exceptional_resource.selectors.cases import AwardRow
from exceptional_resource.selectors.clock import clock_of


class PenceField(serializers.IntegerField):
    """Money in whole pence (125000 is £1,250.00): no decimals, never negative."""

    default_error_messages = {
        "invalid": "Enter whole pence as a number with no decimal places, like 125000 for £1,250.00.",
        "min_value": "Enter an amount of {min_value} pence or more.",
        "max_value": "Enter an amount of no more than {max_value} pence.",
        "max_string_length": "That number is too long.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 10**12)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        """Only a JSON integer or a string of digits: DRF's IntegerField would take ``12.0``,
        ``"12.00"`` or ``true`` as whole numbers, so a client sending pounds with ".00"
        would silently ask for a hundredth of the amount."""
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and ascii_digits(data.strip().lstrip("-")))
        ):
            self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


class CountField(serializers.IntegerField):
    default_error_messages = {
        "invalid": "Enter a whole number.",
        "min_value": "Enter {min_value} or more.",
        "max_value": "Enter {max_value} or fewer.",
        "max_string_length": "That number is too long.",
    }


class PupilOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="The system's pseudonymous reference: no name.")
    school_id = serializers.IntegerField()
    school_name = serializers.CharField(source="school.name")
    year_group = serializers.CharField()
    sen_status = serializers.CharField()
    primary_need = serializers.CharField()
    secondary_need = serializers.CharField()
    has_name = serializers.SerializerMethodField()
    has_upn = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_has_name(self, pupil: Any) -> bool:
        return bool(pupil.name_encrypted)

    def get_has_upn(self, pupil: Any) -> bool:
        return bool(pupil.upn_hash)


class PupilRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    year_group = serializers.CharField()
    sen_status = serializers.CharField()
    primary_need = serializers.CharField()
    secondary_need = serializers.CharField()


class ClockSerializer(serializers.Serializer):
    running = serializers.BooleanField(help_text="The decision is awaited and the clock is counting.")
    paused = serializers.BooleanField(help_text="Paused while information is requested.")
    elapsed_working_days = serializers.IntegerField(help_text="Working days in England since submission, less pauses.")
    target_working_days = serializers.IntegerField()
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()


class CaseSummaryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    school_id = serializers.IntegerField()
    school_name = serializers.CharField(source="school.name")
    pupil = PupilRefSerializer()
    urgency = serializers.CharField()
    submitted_on = serializers.DateField(allow_null=True)
    decision_due_on = serializers.DateField(allow_null=True)
    clock = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(ClockSerializer)
    def get_clock(self, case: Any) -> dict[str, Any]:
        clock = clock_of(case)
        return {
            "running": clock.running,
            "paused": clock.paused,
            "elapsed_working_days": clock.elapsed,
            "target_working_days": clock.target,
            "due_on": clock.due_on,
            "overdue": clock.overdue,
        }


class ProvisionRowOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provision = serializers.CharField()
    staff_role = serializers.CharField()
    group_size = serializers.IntegerField()
    sessions_per_week = serializers.IntegerField()
    minutes_per_session = serializers.IntegerField()
    weeks = serializers.IntegerField()
    hourly_cost_pence = serializers.IntegerField()
    cost_pence = serializers.IntegerField(help_text="Hourly cost × hours a week × weeks ÷ group size, to the penny.")


class ResourceLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_cost_pence = serializers.IntegerField()
    total_pence = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class OutcomeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    measure = serializers.CharField()
    review_on = serializers.DateField()
    result = serializers.CharField()
    result_note = serializers.CharField()


class CaseEventOutputSerializer(serializers.Serializer):
    verb = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    actor_label = serializers.CharField()
    created_at = serializers.DateTimeField()


class DecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.CharField()
    outcome_label = serializers.CharField(source="get_outcome_display")
    officer_label = serializers.CharField()
    criteria_met = serializers.ListField(child=serializers.CharField())
    reasons = serializers.CharField()
    amount_pence = serializers.IntegerField()
    pool_id = serializers.IntegerField(allow_null=True)
    frequency = serializers.CharField()
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    conditions = serializers.CharField()
    review_on = serializers.DateField(allow_null=True)
    policy_version = serializers.IntegerField(source="policy.version")
    is_reconsideration = serializers.BooleanField()
    used_reserve = serializers.BooleanField()
    decided_at = serializers.DateTimeField()
    supersedes_id = serializers.IntegerField(
        allow_null=True, help_text="The case's previous decision, which this one replaces (both stay on the record)."
    )
    acts_on_award_id = serializers.IntegerField(allow_null=True, help_text="The running award it varied or ended.")
    award_effect = serializers.CharField(
        help_text="What it did to the case's money: new, varied, ended, renewed or none (blank before this was kept)."
    )


class AwardRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision_id = serializers.IntegerField()
    amount_pence = serializers.IntegerField()
    status = serializers.CharField()
    ended_on = serializers.DateField(allow_null=True)


class CaseDetailOutputSerializer(CaseSummaryOutputSerializer):
    need_description = serializers.CharField()
    own_imf_pence = serializers.IntegerField()
    notional_sen_pence = serializers.IntegerField()
    parents_involved = serializers.BooleanField(allow_null=True)
    parents_summary = serializers.CharField()
    pupil_involved = serializers.BooleanField(allow_null=True)
    pupil_summary = serializers.CharField()
    created_by_label = serializers.CharField()
    provision = ProvisionRowOutputSerializer(many=True, source="provision.all")
    provision_total_pence = serializers.SerializerMethodField()
    resource_lines = ResourceLineOutputSerializer(many=True, source="resource_lines.all")
    requested_total_pence = serializers.SerializerMethodField()
    outcomes = OutcomeOutputSerializer(many=True, source="outcomes.all")
    timeline = CaseEventOutputSerializer(many=True, source="events.all")
    decisions = DecisionOutputSerializer(many=True, source="decisions.all")
    awards = AwardRefSerializer(many=True, source="awards.all")
    missing_for_submission = serializers.SerializerMethodField(
        help_text="What must still be given before a draft can be submitted: field → message."
    )

    def get_provision_total_pence(self, case: Any) -> int:
        return sum(row.cost_pence for row in case.provision.all())

    def get_requested_total_pence(self, case: Any) -> int:
        return sum(line.total_pence for line in case.resource_lines.all())

    def get_missing_for_submission(self, case: Any) -> dict[str, str]:
        from exceptional_resource.services.cases import MAX_OUTCOMES

        if case.status != "draft":
            return {}
        missing: dict[str, str] = {}
        if not case.need_description.strip():
            missing["need_description"] = "Describe the pupil's need."
        if not case.provision.all():
            missing["provision"] = "Add at least one row of the provision already in place, with its cost."
        if not case.resource_lines.all():
            missing["resource_lines"] = "Add what you are asking for."
        count = len(case.outcomes.all())
        if count == 0:
            missing["outcomes"] = "Add at least one intended outcome with a review date."
        elif count > MAX_OUTCOMES:
            missing["outcomes"] = f"Keep to {MAX_OUTCOMES} intended outcomes or fewer."
        if case.parents_involved is None:
            missing["parents_involved"] = "Say whether the pupil's parents or carers were involved."
        if case.pupil_involved is None:
            missing["pupil_involved"] = "Say whether the pupil was involved."
        return missing


class AwardInstalmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    due_on = serializers.DateField()
    amount_pence = serializers.IntegerField()
    status = serializers.CharField()


class AwardOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    case_reference = serializers.CharField(source="case.reference")
    school_id = serializers.IntegerField()
    school_name = serializers.CharField(source="school.name")
    pool_id = serializers.IntegerField()
    pool_label = serializers.CharField(source="pool.label")
    amount_pence = serializers.IntegerField()
    status = serializers.CharField()
    ended_on = serializers.DateField(allow_null=True)
    frequency = serializers.CharField(source="decision.frequency")
    starts_on = serializers.DateField(source="decision.starts_on")
    ends_on = serializers.DateField(source="decision.ends_on")
    review_on = serializers.DateField(source="decision.review_on")
    created_at = serializers.DateTimeField()


class AwardDetailOutputSerializer(AwardOutputSerializer):
    instalments = AwardInstalmentOutputSerializer(many=True)
    paid_pence = serializers.IntegerField()
    scheduled_pence = serializers.IntegerField(help_text="Still to be paid.")
    released_pence = serializers.IntegerField(help_text="Released back to the pool when the award ended early.")


def award_detail(award: Any, instalments: list[Any]) -> dict[str, Any]:
    """An award with its instalments and what is paid (``pooling.selectors.paid``: by a run
    whose payment date has come), still to pay and released."""

    row = AwardRow(award, instalments)
    award.instalments = instalments
    award.paid_pence, award.scheduled_pence = row.paid_pence, row.to_come_pence
    award.released_pence = sum(i.amount_pence for i in instalments if i.status == "released")
    data: dict[str, Any] = AwardDetailOutputSerializer(award).data
    return data
