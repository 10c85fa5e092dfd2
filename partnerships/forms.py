"""Forms for partnership pages. They parse what people type; services apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import ResponsibleBody
from core.forms import GovukDateField
from partnerships.models import ActionStatus, MemberKind, PartnershipMember, Phase, Profession, SettingKind
from partnerships.models.vocab import NEED_CHOICES


class _Form(forms.Form):
    """Several forms share a page: ids are prefixed with the form's name so they stay unique."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{type(self).__name__.lower()}_%s")
        super().__init__(*args, **kwargs)


NUMBER = {"inputmode": "numeric", "class": "govuk-input--width-5"}
DAYS = {"inputmode": "decimal", "class": "govuk-input--width-5"}


def _count(label: str, required_message: str, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=1_000_000,
        widget=forms.TextInput(attrs=NUMBER),
        error_messages={
            "required": required_message,
            "invalid": f"Enter {label.lower()} as a whole number, like 12.",
            "min_value": f"{label} cannot be negative.",
            "max_value": f"{label} must be 1,000,000 or fewer.",
        },
        **kwargs,
    )


class ConveneForm(_Form):
    name = forms.CharField(
        label="Name of the partnership",
        max_length=200,
        help_text="For example, Kingston Local SEND Partnership.",
        error_messages={"required": "Enter the name of the partnership."},
    )


class MemberForm(_Form):
    organisation_name = forms.CharField(
        label="Organisation",
        max_length=200,
        required=False,
        help_text="Leave blank for a trust chosen below: its name is used.",
    )
    kind = forms.ChoiceField(
        label="Role in the partnership",
        choices=MemberKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the organisation's role.",
            "invalid_choice": "Choose the organisation's role.",
        },
    )
    member_body = forms.TypedChoiceField(
        label="Trust using this service (optional)",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="A trust named here can join and choose to share its anonymised need signals.",
        error_messages={"invalid_choice": "Choose a trust from the list."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        trusts = ResponsibleBody.objects.filter(kind=ResponsibleBody.Kind.ACADEMY_TRUST).order_by("legal_name")
        self.fields["member_body"].choices = [("", "None"), *((t.pk, t.legal_name) for t in trusts)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("organisation_name") or "").strip() and not data.get("member_body"):
            self.add_error("organisation_name", "Enter the name of the organisation.")
        return data


class ContactForm(_Form):
    full_name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter the contact's name."}
    )
    role_title = forms.CharField(label="Job title", max_length=200, required=False)
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org."},
    )
    phone = forms.CharField(label="Telephone", max_length=30, required=False)


class PlanEditForm(_Form):
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter the plan's title."})
    summary = forms.CharField(
        label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class PriorityForm(_Form):
    title = forms.CharField(label="Priority", max_length=200, error_messages={"required": "Enter the priority."})
    description = forms.CharField(
        label="What it means", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class _OwnerMixin(_Form):
    owner = forms.TypedChoiceField(
        label="Owner",
        coerce=int,
        error_messages={
            "required": "Choose the organisation that owns the action.",
            "invalid_choice": "Choose an organisation from the list.",
        },
    )

    def __init__(self, *args: Any, members: list[PartnershipMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Choose an organisation"), *((m.pk, m.organisation_name) for m in members)]  # type: ignore[attr-defined]


_DUE = GovukDateField(label="Due date", subject="The due date", error_messages={"required": "Enter the due date."})
_STATUS = forms.ChoiceField(
    label="Status",
    choices=ActionStatus.choices,
    error_messages={"required": "Choose the status.", "invalid_choice": "Choose the status."},
)


class ActionForm(_OwnerMixin):
    description = forms.CharField(label="Action", max_length=500, error_messages={"required": "Describe the action."})
    due_on = _DUE
    status = _STATUS
    field_order = ["description", "owner", "due_on", "status"]


class ActionUpdateForm(_OwnerMixin):
    due_on = _DUE
    status = _STATUS
    field_order = ["status", "owner", "due_on"]


class SettingForm(_Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the setting's name."})
    kind = forms.ChoiceField(
        label="Kind of setting",
        choices=SettingKind.choices,
        error_messages={"required": "Choose the kind of setting.", "invalid_choice": "Choose the kind of setting."},
    )
    locality = forms.CharField(
        label="Locality", max_length=60, required=False, help_text="For example KT2 or North Kingston."
    )


_NEED = {
    "label": "Primary need",
    "choices": [("", "Choose a primary need"), *NEED_CHOICES],
    "error_messages": {
        "required": "Choose the primary need.",
        "invalid_choice": "Choose a primary need from the list.",
    },
}
_PHASE = {
    "label": "Phase",
    "choices": [("", "Choose a phase"), *Phase.choices],
    "error_messages": {"required": "Choose the phase.", "invalid_choice": "Choose a phase from the list."},
}


class PlacesForm(_Form):
    need = forms.ChoiceField(**_NEED)  # type: ignore[arg-type]
    phase = forms.ChoiceField(**_PHASE)  # type: ignore[arg-type]
    places = _count("Places commissioned", "Enter the number of places commissioned.")
    on_roll = _count("Number on roll", "Enter the number on roll.")


class PlannedForm(_Form):
    need = forms.ChoiceField(**_NEED)  # type: ignore[arg-type]
    phase = forms.ChoiceField(**_PHASE)  # type: ignore[arg-type]
    places = _count("Planned new places", "Enter the number of planned places.")
    opens_on = GovukDateField(
        label="Opening date", subject="The opening date", error_messages={"required": "Enter the opening date."}
    )
    note = forms.CharField(label="Note", max_length=300, required=False)


class ForecastForm(_Form):
    need = forms.ChoiceField(**_NEED)  # type: ignore[arg-type]
    phase = forms.ChoiceField(**_PHASE)  # type: ignore[arg-type]
    year = forms.IntegerField(
        label="Academic year it starts in",
        min_value=2000,
        max_value=2100,
        help_text="2027 is 2027/28.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the academic year, like 2027.",
            "invalid": "Enter the academic year as 4 digits, like 2027.",
            "min_value": "Enter a year from 2000 to 2100.",
            "max_value": "Enter a year from 2000 to 2100.",
        },
    )
    pupils = _count("Pupils needing a place", "Enter the number of pupils.")


class ForecastUploadForm(_Form):
    file = forms.FileField(
        label="Forecast file (CSV, up to 2 MB)",
        help_text="Columns need, phase, year and pupils, with a header row.",
        error_messages={"required": "Choose the CSV file to upload.", "empty": "The selected file is empty."},
    )


_TERM = forms.CharField(
    label="Term",
    max_length=20,
    widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    help_text="For example, 2026/27 autumn.",
    error_messages={"required": "Enter the term, like 2026/27 autumn."},
)
_PROFESSION = forms.ChoiceField(
    label="Profession",
    choices=Profession.choices,
    error_messages={"required": "Choose the profession.", "invalid_choice": "Choose a profession from the list."},
)


def _days(label: str, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=10,
        required=required,
        widget=forms.TextInput(attrs=DAYS),
        error_messages={"required": f"Enter the {label.lower()}."},
    )


class CapacityForm(_Form):
    term = _TERM
    profession = _PROFESSION
    days = _days("Days available")


class AllocationForm(_Form):
    term = _TERM
    profession = _PROFESSION
    school_urn = forms.IntegerField(
        label="School URN",
        min_value=1,
        max_value=2_147_483_647,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-10"}),
        error_messages={
            "required": "Enter the school's URN.",
            "invalid": "Enter the URN as a whole number, like 102560.",
            "min_value": "Enter the URN as a whole number, like 102560.",
            "max_value": "Enter the URN as a whole number, like 102560.",
        },
    )
    days_planned = _days("Days planned")
    days_used = _days("Days used", required=False)


class JoinForm(_Form):
    share_need_signals = forms.BooleanField(
        label="Share our anonymised need signals with this partnership",
        required=False,
        help_text=(
            "Counts of cases and awards by area of need, phase and term; counts under 5 are hidden. "
            "You can stop at any time."
        ),
    )
