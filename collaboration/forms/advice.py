"""Forms only parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from collaboration.services.advice import MAX_DAYS, MAX_TEXT, MIN_DAYS


class AdviceRequestForm(forms.Form):
    case_id = forms.TypedChoiceField(label="Which case?", coerce=int, choices=())
    adviser_id = forms.TypedChoiceField(
        label="Who do you want to ask?",
        coerce=int,
        choices=(),
        help_text="Heads and SENDCOs at the grouping's other schools, and the body's specialist staff.",
    )
    question = forms.CharField(
        label="What would you like advice on?",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Do not write the pupil's name or anything that identifies them.",
    )
    days = forms.IntegerField(
        label="How many days may they see the case summary?",
        min_value=MIN_DAYS,
        max_value=MAX_DAYS,
        initial=14,
        help_text=f"From {MIN_DAYS} to {MAX_DAYS} days. You can end their access sooner.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )

    def __init__(self, *args: Any, cases: list[tuple[int, str]], advisers: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["case_id"].choices = [("", "Choose a case"), *cases]  # type: ignore[attr-defined]
        self.fields["adviser_id"].choices = [("", "Choose a colleague"), *advisers]  # type: ignore[attr-defined]


class MessageForm(forms.Form):
    text = forms.CharField(label="Your message", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}))


class ExpertiseForm(forms.Form):
    display_name = forms.CharField(label="Your name as colleagues know you", max_length=200)
    areas_of_need = forms.MultipleChoiceField(
        label="Areas of need you know well", choices=(), widget=forms.CheckboxSelectMultiple
    )
    qualifications = forms.MultipleChoiceField(
        label="Qualifications", choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(
        label="What you can help with",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    availability = forms.CharField(
        label="When you are available", max_length=200, required=False, help_text="For example, Tuesday afternoons."
    )

    def __init__(self, *args: Any, needs: list[tuple[str, str]], qualifications: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["areas_of_need"].choices = needs  # type: ignore[attr-defined]
        self.fields["qualifications"].choices = qualifications  # type: ignore[attr-defined]
