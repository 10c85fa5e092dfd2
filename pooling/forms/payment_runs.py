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


class PaymentReturnedForm(forms.Form):
    """A payment the bank returned (one line of a paid run) or a run it failed whole."""

    returned_on = GovukDateField(
        label="Date of the bank's notice",
        subject="The date of the bank's notice",
        help_text="The day the bank returned the payment or said the run failed.",
    )
    reason = forms.CharField(
        label="Reason the bank gave",
        max_length=300,
        help_text="For example, account closed, or account number and sort code do not match.",
        error_messages={"required": "Say why the bank returned the payment, as its notice says."},
    )
