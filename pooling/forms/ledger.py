"""Forms for the pool dashboard and the ledger browser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from core.forms import GovukDateField
from pooling.models import AccountKind
from pooling.periods import grant_year, period_of
from pooling.source_labels import source_type_label

# A pool can be opened for the current funding period, a few past ones (to record history)
# and the next two (to plan ahead); anything else is almost certainly a typing mistake.
YEARS_BACK = 5
YEARS_AHEAD = 2


def period_label_error(label: str) -> str | None:
    """Why ``label`` is not a funding period a pool can be opened for, or ``None``."""
    try:
        period = grant_year(label)
    except ValueError:
        return (
            "Enter the funding period like 2026-27: the year it starts, a hyphen, "
            "then the last two digits of the next year"
        )
    current = period_of(timezone.localdate()).start_year
    if period.start_year < current - YEARS_BACK:
        return f"Enter a funding period from {current - YEARS_BACK}-{(current - YEARS_BACK + 1) % 100:02d} onwards"
    if period.start_year > current + YEARS_AHEAD:
        return f"Enter a funding period no later than {current + YEARS_AHEAD}-{(current + YEARS_AHEAD + 1) % 100:02d}"
    return None


class PoolOpenForm(forms.Form):
    label = forms.CharField(
        label="Funding period",
        help_text="For example, 2026-27 for 1 April 2026 to 31 March 2027.",
        max_length=20,
        error_messages={"required": "Enter the funding period, like 2026-27"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "spellcheck": "false"}),
    )

    def clean_label(self) -> str:
        label: str = self.cleaned_data["label"].strip()
        error = period_label_error(label)
        if error:
            raise forms.ValidationError(error)
        return grant_year(label).label


class LedgerFilterForm(forms.Form):
    account = forms.ChoiceField(
        label="Account",
        required=False,
        choices=[("", "Any account"), *AccountKind.choices],
        error_messages={"invalid_choice": "Choose an account from the list"},
    )
    source_type = forms.ChoiceField(
        label="Caused by",
        required=False,
        choices=[("", "Anything")],
        error_messages={"invalid_choice": "Choose what caused the postings from the list"},
    )
    date_from = GovukDateField(label="Posted on or after", subject="The first date", required=False)
    date_to = GovukDateField(label="Posted on or before", subject="The last date", required=False)

    def __init__(self, *args: Any, source_types: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["source_type"].choices = [  # type: ignore[attr-defined]
            ("", "Anything"),
            *[(s, source_type_label(s)) for s in source_types],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The last date must be on or after the first date")
        return data


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label="Why is this transaction being reversed?",
        help_text="Recorded on the reversal and in the audit log. The original stays as it was.",
        max_length=250,
        error_messages={
            "required": "Say why the transaction is being reversed",
            "max_length": "The reason must be 250 characters or fewer",
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the transaction is being reversed")
        return reason
