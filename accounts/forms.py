from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Role
from core.forms import GovukDateField
from core.money import parse_pounds


class InviteForm(forms.Form):
    email = forms.CharField(label="Email address", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    role = forms.ChoiceField(label="Role", choices=Role.choices, widget=forms.RadioSelect)
    school = forms.TypedChoiceField(
        label="School (headteachers and SENDCOs only)", required=False, coerce=int, empty_value=None
    )
    decision_limit = forms.CharField(
        label="Delegated decision limit in pounds (decision officers only)",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    valid_to = GovukDateField(
        label="Access ends on (required for auditors)", subject="The date access ends", required=False
    )

    def __init__(self, *args: Any, schools: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "Not scoped to a school"), *(schools or [])]  # type: ignore[attr-defined]

    def clean_decision_limit(self) -> int | None:
        raw = self.cleaned_data.get("decision_limit", "")
        if not raw:
            return None
        try:
            return parse_pounds(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class AuditFilterForm(forms.Form):
    verb = forms.CharField(label="Action starts with", required=False)
    actor = forms.CharField(label="Person", required=False)
    date_from = GovukDateField(label="From", subject="The first date", required=False)
    date_to = GovukDateField(label="To", subject="The last date", required=False)
