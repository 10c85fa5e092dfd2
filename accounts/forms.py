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


# What each policy action means to a person choosing what their API token may do.
TOKEN_ACTION_LABELS: dict[str, str] = {
    "body.view": "See the responsible body (every token has this)",
    "members.manage": "Manage people and roles",
    "audit.view": "Read the audit log",
    "pool.view": "Read pools, the ledger and payments",
    "money.move": "Move money: receipts, payment runs, recoveries, period close",
    "grouping.view": "Read the grouping: schools, arrangements and policy",
    "grouping.manage": "Manage the grouping: arrangements and policy",
    "case.raise": "Raise and update your school's cases",
    "case.view": "Read cases",
    "case.decide": "Decide cases and vary or end awards",
    "pupil.identity.view": "See pupils' names and UPNs where your role allows",
    "governance.view": "Read governance packs",
    "report.request": "Request reports",
    "audit.export": "Start auditor exports",
    "partnership.view": "Read the local SEND partnership",
    "annex.view": "Read schools' inclusion annexes",
    "shared_resources.view": "Read shared resources",
    "shared_resources.manage": "Manage and fund shared resources",
    "shared_resources.allocate": "Allocate shared resources",
    "shared_resources.request": "Request shared resources for your school",
    "collaboration.use": "Use the collaboration forum",
    "advice.seek": "Ask peers for advice on your cases",
    "advice.give": "Give advice where a school has asked you",
    "pool.audit": "Read pools an auditor grant covers",
}


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="So you can tell your tokens apart, for example “Finance system sync”.",
        error_messages={
            "required": "Enter a name for the token",
            "max_length": "Token name must be 80 characters or fewer",
        },
    )
    expires_in_days = forms.IntegerField(
        label="Days until it stops working",
        min_value=1,
        max_value=365,
        initial=90,
        help_text="Between 1 and 365.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "invalid": "Enter a whole number of days, like 90",
            "min_value": "A token lasts at least 1 day",
            "max_value": "A token lasts at most 365 days",
        },
    )
    access = forms.ChoiceField(
        label="What may it do?",
        choices=[("read_only", "Read only: see what your roles let you see"), ("chosen", "Only the actions I choose")],
        widget=forms.RadioSelect,
        initial="read_only",
    )
    actions = forms.MultipleChoiceField(
        label="Actions (if you chose them)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Never more than your roles allow. Sensitive actions still need a fresh authenticator code "
        "in the X-MFA-Code header.",
    )

    def __init__(self, *args: Any, available: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actions"].choices = [(a, TOKEN_ACTION_LABELS.get(a, a)) for a in available]  # type: ignore[attr-defined]


def token_may(token: Any) -> str:
    """What a token may do, in words: "Read only", or its chosen actions' labels."""
    if token.read_only:
        return "Read only"
    return "; ".join(TOKEN_ACTION_LABELS.get(a, a) for a in token.actions if a != "body.view") or "See the body"
