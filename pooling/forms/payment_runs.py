"""Recording a payment run as paid (the bank's confirmation)."""

from __future__ import annotations

from django import forms

from pooling.forms.payments import DATE


class PaymentRunPaidForm(forms.Form):
    paid_on = forms.DateField(
        label="Date the bank paid the schools",
        widget=DATE,
        help_text="As on the bank's confirmation. For example, 2027-01-04.",
    )
    bank_reference = forms.CharField(
        label="Bank's reference (optional)",
        required=False,
        max_length=120,
        help_text="The reference on the bank's confirmation, if it gave one.",
    )
