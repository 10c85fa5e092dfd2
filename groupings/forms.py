from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovukDateField
from groupings.models import ArrangementBasis, ArrangementStatus


class SchoolSearchForm(forms.Form):
    q = forms.CharField(label="School name or URN", required=False, max_length=200)
    la = forms.CharField(label="Local authority name or code", required=False, max_length=100)
    trust = forms.CharField(label="Trust name", required=False, max_length=200)


class MembersFilterForm(forms.Form):
    q = forms.CharField(label="School name or URN", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any"), ("current", "Current members"), *ArrangementStatus.choices],
    )
    basis = forms.ChoiceField(label="Basis", required=False, choices=[("", "Any"), *ArrangementBasis.choices])


class BasisForm(forms.Form):
    basis = forms.ChoiceField(label="How does the school join the grouping?", widget=forms.RadioSelect)
    counterparty = forms.CharField(
        label="Who runs the school and signs the agreement?",
        help_text="The trust, or the school's governing body for a maintained school.",
        max_length=200,
    )
    conversion_pathway = forms.CharField(
        label="The school's pathway to join the trust (only for a maintained school on a pathway)",
        help_text="For example, the date of the academy order and the planned conversion date.",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, is_trust: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        allowed = (
            [
                ArrangementBasis.OWN_ACADEMY,
                ArrangementBasis.CONTRACTED_TRUST,
                ArrangementBasis.MAINTAINED_PATHWAY_TO_TRUST,
            ]
            if is_trust
            else [ArrangementBasis.MAINTAINED_VIA_LA, ArrangementBasis.CONTRACTED_TRUST]
        )
        self.fields["basis"].choices = [(b.value, b.label) for b in allowed]  # type: ignore[attr-defined]


class DatesForm(forms.Form):
    start_date = GovukDateField(
        label="First day in the grouping", subject="The first day", error_messages={"required": "Enter the first day"}
    )
    end_date = GovukDateField(
        label="Last day in the grouping (leave empty if open-ended)", subject="The last day", required=False
    )
    pooled_share_override_percent = forms.CharField(
        label="Pooled share for this school, if different (per cent)",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The last day must be on or after the first day.")
        return data


class AgreementForm(forms.Form):
    agreement_reference = forms.CharField(label="Agreement reference", required=False, max_length=100)
    agreement_document = forms.FileField(
        label="Signed agreement (PDF or Word, up to 10 MB)",
        help_text="Required before approval for a school joining by contract or on a pathway to the trust.",
        required=False,
    )


class EndDateForm(forms.Form):
    end_date = GovukDateField(
        label="Last day in the grouping", subject="The last day", error_messages={"required": "Enter the last day"}
    )


class OwnAcademiesForm(forms.Form):
    start_date = GovukDateField(
        label="First day in the grouping", subject="The first day", error_messages={"required": "Enter the first day"}
    )


class PolicyForm(forms.Form):
    effective_from = GovukDateField(
        label="This version applies from",
        subject="The date it applies from",
        error_messages={"required": "Enter the date this version applies from"},
    )
    pooled_share_percent = forms.CharField(
        label="Pooled share of each member's IMF allocation (per cent)",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    allow_share_override = forms.BooleanField(label="Allow a different share for an individual school", required=False)
    urgent_reserve_percent = forms.CharField(
        label="Reserve for urgent cases (per cent of the pool)",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    decision_target_working_days = forms.IntegerField(label="Decision target (working days)", min_value=1, max_value=60)
    decision_criteria = forms.CharField(
        label="Published decision criteria",
        help_text="One criterion a line. Every decision ticks the ones met.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    segregation_of_duties = forms.BooleanField(
        label="Segregation of duties: a person may not decide a case they raised, nor confirm a payment run that "
        "pays an award they decided",
        required=False,
        initial=True,
    )
    sendco_may_organise_sessions = forms.BooleanField(
        label="A school's SENDCO may organise supervision, moderation and training sessions for the grouping",
        required=False,
    )
    peer_review_headings = forms.CharField(
        label="Peer-review framework headings",
        help_text="One heading a line: a peer review's findings are written against each. Leave empty to keep "
        "the current headings.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    case_file_retention_years = forms.IntegerField(
        label="Years a closed case's file is kept",
        help_text="Then its need, provision, outcomes, comments, reasons and evidence are erased and the pupil "
        "anonymised; the amounts and dates stay. From 1 to 31 years; 6 unless the body holds the only copy. "
        "Leave empty to keep the current period.",
        min_value=1,
        max_value=31,
        required=False,
        error_messages={
            "invalid": "Enter a whole number of years",
            "min_value": "Enter a number of years from 1 to 31",
            "max_value": "Enter a number of years from 1 to 31",
        },
    )
    financial_retention_years = forms.IntegerField(
        label="Years the financial record is kept after its financial year ends",
        help_text="At least 6 (IRMS toolkit and HMRC: current year + 6). Leave empty to keep the current period.",
        min_value=6,
        max_value=31,
        required=False,
        error_messages={
            "invalid": "Enter a whole number of years",
            "min_value": "Enter a number of years from 6 to 31",
            "max_value": "Enter a number of years from 6 to 31",
        },
    )
    change_note = forms.CharField(label="What changed and why", required=False, max_length=300)

    def clean_peer_review_headings(self) -> list[str] | None:
        lines = [line.strip() for line in self.cleaned_data["peer_review_headings"].splitlines() if line.strip()]
        return lines or None

    def clean_decision_criteria(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["decision_criteria"].splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError("Publish at least one decision criterion.")
        if any(len(line) > 300 for line in lines):
            raise forms.ValidationError("Each criterion must be 300 characters or fewer.")
        return lines
