from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovukDateField
from pooling.periods import grant_year


class PaymentRunForm(forms.Form):
    due_up_to = GovukDateField(
        label="Pay instalments due up to and including",
        subject="The date instalments are due up to",
        error_messages={"required": "Enter the date instalments are due up to"},
    )
    pay_on = GovukDateField(
        label="Payment date",
        subject="The payment date",
        help_text="The day the money reaches schools.",
        error_messages={"required": "Enter the payment date"},
    )


class PaymentRunConfirmForm(PaymentRunForm):
    expected_total_pence = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PoolCloseForm(forms.Form):
    next_label = forms.CharField(
        label="Next funding period", max_length=7, help_text="Like 2027-28. Its pool is opened if it is not already."
    )

    def clean_next_label(self) -> str:
        label: str = self.cleaned_data["next_label"].strip()
        try:
            return grant_year(label).label
        except ValueError as exc:
            raise forms.ValidationError("Enter a funding period like 2027-28.") from exc


class PoolReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why is the period being reopened?",
        help_text="Recorded in the audit log. For example, the auditor asked for a correction.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the period is being reopened.")
        return reason


class JournalExportForm(forms.Form):
    date_from = GovukDateField(
        label="From", subject="The first date", error_messages={"required": "Enter the first date"}
    )
    date_to = GovukDateField(label="To", subject="The last date", error_messages={"required": "Enter the last date"})
    pool = forms.TypedChoiceField(label="Funding period", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, pools: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["pool"].choices = [("", "All periods"), *((p.pk, p.label) for p in pools)]  # type: ignore[attr-defined]


class AccountCodesForm(forms.Form):
    nominal_code = forms.CharField(label="Nominal code", required=False, max_length=20)
    cost_centre = forms.CharField(label="Cost centre", required=False, max_length=20)
    cfr_code = forms.CharField(
        label="CFR code",
        required=False,
        max_length=10,
        help_text="Consistent Financial Reporting code, for a local authority's maintained schools.",
    )
