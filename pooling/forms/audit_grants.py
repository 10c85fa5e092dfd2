from __future__ import annotations

from typing import Any

from django import forms


class PoolAuditGrantForm(forms.Form):
    auditor_id = forms.TypedChoiceField(label="Auditor", coerce=int, choices=())
    pool_id = forms.TypedChoiceField(label="Pool (funding period)", coerce=int, choices=())
    valid_until = forms.DateField(
        label="Access ends on",
        help_text="For example, 31 7 2027 as 2027-07-31. No later than the auditor's membership ends.",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
    )

    def __init__(self, *args: Any, auditors: list[tuple[int, str]], pools: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["auditor_id"].choices = [("", "Choose an auditor"), *auditors]  # type: ignore[attr-defined]
        self.fields["pool_id"].choices = [("", "Choose a pool"), *pools]  # type: ignore[attr-defined]
