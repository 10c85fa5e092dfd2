"""Recording a payment run as paid (the bank's confirmation)."""

from __future__ import annotations

from django import forms

from core.forms import GovukDateField


class PaymentRunPaidForm(forms.Form):
    paid_on = GovukDateField(
        label="Date the bank paid",
        subject="The date the bank paid",
        help_text="As on the bank's confirmation.",
    )
    bank_reference = forms.CharField(
        label="Bank's reference (optional)",
        required=False,
        max_length=120,
        help_text="The reference on the bank's confirmation, if it gave one.",
    )
