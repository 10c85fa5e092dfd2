from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovukDateField


class PoolAuditGrantForm(forms.Form):
    auditor_id = forms.TypedChoiceField(label="Auditor", coerce=int, choices=())
    pool_id = forms.TypedChoiceField(label="Pool (funding period)", coerce=int, choices=())
    valid_until = GovukDateField(
        label="Access ends on",
        subject="The date access ends",
        help_text="No later than the auditor's membership ends.",
    )

    def __init__(self, *args: Any, auditors: list[tuple[int, str]], pools: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["auditor_id"].choices = [("", "Choose an auditor"), *auditors]  # type: ignore[attr-defined]
        self.fields["pool_id"].choices = [("", "Choose a pool"), *pools]  # type: ignore[attr-defined]
