"""Forms for the case pages: they parse what was typed (pounds to pence, dates) and name
the field at fault; the services decide everything else."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovukDateField
from core.money import parse_pounds
from exceptional_resource.models import Case, Decision, Outcome, Pupil, ResourceLine
from exceptional_resource.models.cases import YEAR_GROUPS

YES_NO = [("yes", "Yes"), ("no", "No")]
NEW_PUPIL = "new"


class PoundsField(forms.CharField):
    """An amount typed in pounds ("1,250.50", "£30"), cleaned to integer pence."""

    def __init__(self, *, allow_zero: bool = True, **kwargs: Any):
        self.allow_zero = allow_zero
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": "false"}),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            pence = parse_pounds(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc).rstrip(".")) from exc
        if pence == 0 and not self.allow_zero:
            raise forms.ValidationError("Enter an amount of more than £0")
        return pence


def _whole(label: str, *, minimum: int, maximum: int, initial: int | None = None, **kwargs: Any) -> forms.IntegerField:
    message = f"Enter a whole number from {minimum} to {maximum:,}"
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        initial=initial,
        error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-4", "inputmode": "numeric", "spellcheck": "false"}),
        **kwargs,
    )


def _text(
    label: str, *, required: bool = True, max_length: int = 300, message: str = "", **kwargs: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages={
            "required": message or f"Enter {label.lower()}",
            "max_length": f"Keep this to {max_length:,} characters or fewer",
        },
        **kwargs,
    )


def _date(label: str, **kwargs: Any) -> GovukDateField:
    """A day/month/year date; its errors name it ("The start date must be a real date")."""
    subject = "The " + label.split(" (")[0].split(",")[0].lower()
    return GovukDateField(label=label, subject=subject, **kwargs)


def _pupil_label(pupil: Pupil) -> str:
    """ "Name (P-XXXX)" when the view gave the reader the name (their own school's pupil), else the reference."""
    name = getattr(pupil, "known_name", "")
    return f"{name} ({pupil.reference})" if name else pupil.reference


NEW_PUPIL_FIELDS = ("year_group", "sen_status", "primary_need", "secondary_need", "name", "upn")

# --- The case form ---------------------------------------------------------------------------


class PupilForm(forms.Form):
    """Pick a pupil already recorded at the school, or record a new one (pseudonymous; a
    name and UPN are optional)."""

    school = forms.ChoiceField(label="School", error_messages={"invalid_choice": "Choose your school from the list"})
    pupil = forms.ChoiceField(
        label="Which pupil is this case for?",
        required=False,
        help_text="Choose a pupil your school has recorded, or record a new pupil below.",
        error_messages={"invalid_choice": "Choose a pupil recorded at your school in this grouping"},
    )
    year_group = forms.ChoiceField(
        label="Year group", required=False, choices=[("", "Choose the year group"), *YEAR_GROUPS]
    )
    sen_status = forms.ChoiceField(
        label="SEN status", required=False, choices=Pupil.SenStatus.choices, widget=forms.RadioSelect
    )
    primary_need = forms.ChoiceField(label="Primary need", required=False)
    secondary_need = forms.ChoiceField(label="Secondary need (optional)", required=False)
    name = _text(
        "Name (optional)",
        required=False,
        max_length=200,
        help_text="Stored encrypted; seen only by your school and the decision officers.",
    )
    upn = _text(
        "Unique pupil number (optional)",
        required=False,
        max_length=20,
        help_text=(
            "13 characters, like A123456789012. Finds the pupil's record if they moved from another "
            "school in the grouping."
        ),
    )

    def __init__(
        self,
        *args: Any,
        schools: list[tuple[int, str]],
        pupils: list[Pupil],
        needs: list[tuple[str, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(str(pk), name) for pk, name in schools]  # type: ignore[attr-defined]
        if len(schools) == 1:
            self.fields["school"].initial = str(schools[0][0])
            self.fields["school"].widget = forms.HiddenInput()
        labels = dict(needs)
        self.fields["pupil"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a pupil"),
            (NEW_PUPIL, "A pupil not recorded yet (fill in below)"),
            *[
                (
                    str(p.pk),
                    f"{_pupil_label(p)}, {p.get_year_group_display()}, {labels.get(p.primary_need, p.primary_need)}",
                )
                for p in pupils
            ],
        ]
        self.pupil_school = {str(p.pk): p.school_id for p in pupils}
        self.fields["primary_need"].choices = [("", "Choose the primary need"), *needs]  # type: ignore[attr-defined]
        self.fields["secondary_need"].choices = [("", "None"), *needs]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pupil = data.get("pupil")
        if not pupil and "pupil" not in self.errors:
            # "Choose a pupil" left as it was but a new pupil's details typed below: that is a new pupil.
            if any(data.get(name) for name in NEW_PUPIL_FIELDS):
                pupil = data["pupil"] = NEW_PUPIL
            else:
                self.add_error("pupil", "Choose a pupil, or record a new pupil below")
        if pupil == NEW_PUPIL:
            for name, message in (
                ("year_group", "Choose the pupil's year group"),
                ("sen_status", "Choose SEN support or EHC plan"),
                ("primary_need", "Choose the pupil's primary need"),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        elif pupil and data.get("school") and str(self.pupil_school.get(pupil)) != data["school"]:
            self.add_error("pupil", "Choose a pupil recorded at the school you chose")
        return data


class NeedForm(forms.Form):
    need_description = _text(
        "Describe the pupil's need",
        max_length=5000,
        message="Describe the pupil's need",
        help_text=(
            "What the pupil needs that the school cannot reasonably provide from its own budget. "
            "A few sentences are enough."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    urgency = forms.ChoiceField(
        label="How urgent is this?",
        choices=Case.Urgency.choices,
        initial=Case.Urgency.ROUTINE,
        widget=forms.RadioSelect,
        help_text="Urgent cases can draw on the pool's reserve for urgent cases.",
        error_messages={"required": "Choose routine or urgent", "invalid_choice": "Choose routine or urgent"},
    )


class ProvisionRowForm(forms.Form):
    provision = _text(
        "Provision",
        max_length=200,
        message="Name the provision",
        help_text="For example, small-group speech and language sessions.",
    )
    staff_role = _text("Who delivers it (optional)", required=False, max_length=100)
    sessions_per_week = _whole("Sessions a week", minimum=1, maximum=50)
    minutes_per_session = _whole("Minutes a session", minimum=1, maximum=600, initial=60)
    group_size = _whole("Pupils in the group", minimum=1, maximum=60, initial=1)
    weeks = _whole("Weeks", minimum=1, maximum=52, initial=38)
    hourly_cost = PoundsField(
        label="Hourly cost of the staff, in pounds", error_messages={"required": "Enter the hourly cost, like 18.50"}
    )


class FundingForm(forms.Form):
    own_imf = PoundsField(
        label="From the school's own Inclusive Mainstream Fund allocation, in pounds",
        required=False,
        help_text="What the school already spends on this pupil from its own IMF this year. Leave blank for none.",
    )
    notional_sen = PoundsField(
        label="From the school's notional SEN budget, in pounds",
        required=False,
        help_text="Leave blank for none.",
    )


class ResourceLineForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of resource?",
        choices=[("", "Choose the kind"), *ResourceLine.Kind.choices],
        error_messages={
            "required": "Choose what kind of resource this is",
            "invalid_choice": "Choose what kind of resource this is",
        },
    )
    description = _text(
        "Description (optional)", required=False, max_length=200, help_text="Left blank, the kind is used."
    )
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=100_000,
        help_text="Hours, sessions, items or places.",
        error_messages={
            "required": "Enter a quantity of 1 or more",
            "invalid": "Enter the quantity as a whole number, like 30",
            "min_value": "Enter a quantity of 1 or more",
            "max_value": "Enter a quantity of 100,000 or fewer",
        },
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric", "spellcheck": "false"}),
    )
    unit_cost = PoundsField(
        label="Cost of one, in pounds", error_messages={"required": "Enter the cost of one, like 45.00"}
    )
    starts_on = _date("Start date")
    ends_on = _date("End date")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The end date must be on or after the start date")
        return data


class OutcomeForm(forms.Form):
    description = _text(
        "Intended outcome",
        message="Describe the intended outcome",
        help_text="What will be different for the pupil, for example: uses 50 signs to communicate.",
    )
    measure = _text(
        "How it will be measured (optional)",
        required=False,
        help_text="If the outcome does not say already. For example: the therapist's count at the review.",
    )
    review_on = _date("Review date")


class InvolvementForm(forms.Form):
    parents_involved = forms.ChoiceField(
        label="Were the pupil's parents or carers involved?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the pupil's parents or carers were involved"},
    )
    parents_summary = _text(
        "How were they involved? (optional)", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    pupil_involved = forms.ChoiceField(
        label="Was the pupil involved?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the pupil was involved"},
    )
    pupil_summary = _text(
        "How was the pupil involved? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- After submission -----------------------------------------------------------------------


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=Decision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve, partly approve or decline"},
    )
    criteria_met = forms.MultipleChoiceField(
        label="Criteria met",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Tick criteria from the published list only"},
    )
    reasons = _text(
        "Reasons",
        max_length=5000,
        message="Give the reasons for the decision",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    amount = PoundsField(label="Amount awarded, in pounds", required=False, help_text="Not needed to decline.")
    pool = forms.ChoiceField(
        label="Funding period", required=False, error_messages={"invalid_choice": "Choose an open funding period"}
    )
    frequency = forms.ChoiceField(
        label="Payments", required=False, choices=Decision.Frequency.choices, widget=forms.RadioSelect
    )
    starts_on = _date("First day of the award", required=False)
    ends_on = _date("Last day of the award", required=False)
    review_on = _date("Review date", required=False)
    conditions = _text(
        "Conditions (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    use_reserve = forms.BooleanField(label="Draw on the reserve for urgent cases if the pool needs it", required=False)
    end_on = _date(
        "Last day of the running award, if you decline",
        required=False,
        help_text="Only when the case's award is already running: unpaid instalments after this day are released.",
    )

    def __init__(self, *args: Any, criteria: list[str], pools: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["criteria_met"].choices = [(c, c) for c in criteria]  # type: ignore[attr-defined]
        self.fields["pool"].choices = [(str(pk), label) for pk, label in pools]  # type: ignore[attr-defined]


class QuestionForm(forms.Form):
    question = _text(
        "What information do you need?",
        max_length=2000,
        message="Say what information you need",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AnswerForm(forms.Form):
    answer = _text(
        "Your answer",
        max_length=5000,
        message="Give the information asked for",
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class WithdrawForm(forms.Form):
    reason = _text(
        "Why is the case being withdrawn? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReconsiderationForm(forms.Form):
    grounds = _text(
        "Why should the decision be looked at again?",
        max_length=5000,
        message="Say why the decision should be reconsidered",
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CommentForm(forms.Form):
    text = _text(
        "Add a comment", max_length=2000, message="Write your comment", widget=forms.Textarea(attrs={"rows": 3})
    )


class AwardVaryForm(forms.Form):
    new_amount = PoundsField(
        label="New total for the award, in pounds",
        allow_zero=False,
        error_messages={"required": "Enter the new total, like 7500.00"},
    )
    reason = _text(
        "Why does the award change?",
        max_length=500,
        message="Say why the award changes",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AwardEndForm(forms.Form):
    end_on = _date(
        "Last day of the award",
        help_text="Instalments due after this day are not paid and the money returns to the pool.",
    )
    reason = _text(
        "Why does the award end early?",
        max_length=500,
        message="Say why the award ends",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewRecordForm(forms.Form):
    """Progress against each intended outcome: a result and a note for every one."""

    def __init__(self, *args: Any, outcomes: list[Outcome], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.outcomes = outcomes
        for outcome in outcomes:
            self.fields[f"result_{outcome.pk}"] = forms.ChoiceField(
                label=outcome.description,
                choices=Outcome.Result.choices,
                widget=forms.RadioSelect,
                help_text=f"Measured by: {outcome.measure}" if outcome.measure else "",
                error_messages={"required": f"Choose a result for “{outcome.description}”"},
            )
            self.fields[f"note_{outcome.pk}"] = _text(
                "Note (optional)", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
            )

    def pairs(self) -> list[tuple[Outcome, Any, Any]]:
        return [(o, self[f"result_{o.pk}"], self[f"note_{o.pk}"]) for o in self.outcomes]

    def results(self) -> dict[int, tuple[str, str]]:
        return {
            o.pk: (self.cleaned_data[f"result_{o.pk}"], self.cleaned_data.get(f"note_{o.pk}", ""))
            for o in self.outcomes
        }


class ReviewDecideForm(DecisionForm):
    """After the review: renew (new terms), change (new total) or end."""

    decision = forms.ChoiceField(
        label="What happens next?",
        choices=[("renew", "Renew for a further period"), ("change", "Change the award"), ("end", "End the award")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose renew, change or end"},
    )
    end_on = _date("Last day of the award (if ending)", required=False)
    field_order = [
        "decision",
        "criteria_met",
        "reasons",
        "amount",
        "pool",
        "frequency",
        "starts_on",
        "ends_on",
        "review_on",
        "end_on",
        "conditions",
    ]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["outcome"]
        del self.fields["use_reserve"]
        self.fields["review_on"].label = "Next review date"
        self.fields[
            "amount"
        ].help_text = "For renew: the new award. For change: the award's new total. Not needed to end."


class RecoveryForm(forms.Form):
    amount = PoundsField(label="Amount recovered, in pounds", allow_zero=False)
    reason = _text(
        "Why is the money recovered?",
        max_length=500,
        message="Say why the money is recovered",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    received_on = _date("Day the money was received", required=False, help_text="Today if left blank.")
