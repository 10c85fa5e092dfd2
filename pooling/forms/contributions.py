"""Forms for allocations, the allocation import journey and receipts. They parse what
people type (pounds into pence, URNs, dates); the services apply the business rules."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from core.forms import GovukDateField
from core.money import parse_pounds
from core.text import ascii_digits
from pooling.models import Receipt


def _pounds(value: str) -> int:
    try:
        return parse_pounds(value)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from exc


class AllocationFilterForm(forms.Form):
    q = forms.CharField(label="School name or URN", required=False, max_length=200)


class AllocationForm(forms.Form):
    urn = forms.CharField(
        label="School URN",
        help_text="The 6-digit unique reference number from Get Information about Schools.",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the school's URN."},
    )
    amount = forms.CharField(
        label="IMF allocation for the year, in pounds",
        help_text="For example, 14000 or 14,000.50.",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the allocation in pounds."},
    )

    def clean_urn(self) -> int:
        text = self.cleaned_data["urn"].strip()
        if not ascii_digits(text) or not 0 < int(text) < 2**31:
            raise forms.ValidationError("Enter the URN as a whole number, like 100000.")
        return int(text)

    def clean_amount(self) -> int:
        return _pounds(self.cleaned_data["amount"])


class AllocationUploadForm(forms.Form):
    file = forms.FileField(
        label="Allocation file (CSV or Excel, up to 10 MB)",
        help_text="One row a school, with a column of URNs and a column of amounts in pounds.",
        error_messages={"required": "Choose the allocation file to upload."},
    )


class AllocationColumnsForm(forms.Form):
    urn_column = forms.ChoiceField(label="Which column has the schools' URNs?")
    amount_column = forms.ChoiceField(
        label="Which column has the IMF allocation in pounds?",
        help_text="The amount for the whole funding period.",
    )

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a column"), *[(h, h) for h in headers]]
        self.fields["urn_column"].choices = choices  # type: ignore[attr-defined]
        self.fields["amount_column"].choices = choices  # type: ignore[attr-defined]
        self.fields["urn_column"].error_messages["required"] = "Choose the column with the schools' URNs."
        self.fields["amount_column"].error_messages["required"] = "Choose the column with the allocation amounts."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("urn_column") and data.get("urn_column") == data.get("amount_column"):
            self.add_error("amount_column", "The URN and the amount must be different columns.")
        return data


class ReceiptForm(forms.Form):
    amount = forms.CharField(
        label="Amount received, in pounds",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
    )
    received_on = GovukDateField(
        label="Date received",
        subject="The date received",
        help_text="The date the money reached the pool's bank account, or the date of the top-slice.",
        error_messages={"required": "Enter the date the money was received"},
    )
    method = forms.ChoiceField(
        label="How was it received?",
        choices=Receipt.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the money was received."},
    )
    reference = forms.CharField(
        label="Reference (optional)", help_text="The bank or journal reference.", required=False, max_length=100
    )
    request_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, allow_top_slice: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not allow_top_slice:
            self.fields["method"].choices = [(Receipt.Method.TRANSFER, Receipt.Method.TRANSFER.label)]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4().hex)
        self.fields["amount"].error_messages["required"] = "Enter the amount received."

    def clean_amount(self) -> int:
        pence = _pounds(self.cleaned_data["amount"])
        if pence == 0:
            raise forms.ValidationError("Enter an amount received of more than £0.00.")
        return pence
