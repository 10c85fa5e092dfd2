"""Output serializers of the partnerships API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from partnerships.models import (
    ActionStatus,
    MemberKind,
    SettingKind,
)

# --- Output serializers ------------------------------------------------------------------


class ContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    role_title = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class MemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organisation_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=MemberKind.choices)
    member_body_id = serializers.IntegerField(allow_null=True)
    contacts = ContactOutput(many=True, source="contacts.all")


class PartnershipOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    la_code = serializers.CharField()
    la_name = serializers.CharField()
    convened_on = serializers.DateField()


class PartnershipDetailOutput(PartnershipOutput):
    members = MemberOutput(many=True)


class ActionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    owner_id = serializers.IntegerField()
    owner = serializers.CharField(source="owner.organisation_name")
    due_on = serializers.DateField()
    status = serializers.ChoiceField(choices=ActionStatus.choices)


class PriorityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    actions = ActionOutput(many=True, source="actions.all")


class PlanVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    published_by_label = serializers.CharField()


class PlanDetailOutput(PlanVersionOutput):
    priorities = PriorityOutput(many=True, source="priorities.all")


class PlacesOutput(serializers.Serializer):
    need = serializers.CharField()
    phase = serializers.CharField()
    places = serializers.IntegerField()
    on_roll = serializers.IntegerField()


class PlannedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    need = serializers.CharField()
    phase = serializers.CharField()
    places = serializers.IntegerField()
    opens_on = serializers.DateField()
    note = serializers.CharField()


class SettingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=SettingKind.choices)
    locality = serializers.CharField()
    school_urn = serializers.IntegerField(source="school.urn", allow_null=True, default=None)
    gias_type = serializers.CharField()
    gias_capacity = serializers.IntegerField(allow_null=True)
    gias_number_on_roll = serializers.IntegerField(allow_null=True)
    places = PlacesOutput(many=True, source="places.all")
    planned = PlannedOutput(many=True, source="planned.all")


class ForecastOutput(serializers.Serializer):
    need = serializers.CharField()
    phase = serializers.CharField()
    year = serializers.IntegerField()
    pupils = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]


class NeedSignalOutput(serializers.Serializer):
    """The published counts, exactly the fields of ``groupings.need_signals.NeedSignalRow``."""

    area_of_need = serializers.CharField()
    phase = serializers.CharField()
    term = serializers.CharField()
    cases = serializers.IntegerField(allow_null=True, help_text="Rounded to 5; null when fewer than 5.")
    awards = serializers.IntegerField(allow_null=True, help_text="Rounded to 5; null when fewer than 5.")


class SnapshotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    refreshed_at = serializers.DateTimeField()
    trusts_included = serializers.IntegerField()
    counts = NeedSignalOutput(many=True, source="counts.all")


class ReportOutput(serializers.Serializer):
    """A sufficiency report run of the report-run framework."""

    class FileOutput(serializers.Serializer):
        name = serializers.CharField()
        size_bytes = serializers.IntegerField()
        sha256 = serializers.CharField()

    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.CharField()
    progress_percent = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    error_message = serializers.CharField()
    files = FileOutput(many=True, source="files.all")


class ParticipationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    partnership_id = serializers.IntegerField()
    partnership_label = serializers.CharField()
    joined_at = serializers.DateTimeField()
    sharing_need_signals = serializers.SerializerMethodField()

    def get_sharing_need_signals(self, obj: Any) -> bool:
        return any(c.revoked_at is None for c in obj.consents.all())


class InvitationOutput(serializers.Serializer):
    member_id = serializers.IntegerField()
    partnership_id = serializers.IntegerField()
    partnership_name = serializers.CharField()
    area = serializers.CharField()
    convened_by = serializers.CharField()
