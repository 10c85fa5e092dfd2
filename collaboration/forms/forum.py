"""Forms for the grouping's forum: parse only; the services check dates, people and rules."""

from __future__ import annotations

from typing import Any

from django import forms

from collaboration.models import SessionPurpose
from collaboration.services.actions import MAX_DESCRIPTION
from collaboration.services.sessions import MAX_LONG_TEXT, MAX_PLACE, MAX_TITLE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class SessionForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What is the session for?", choices=SessionPurpose.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label="Title", max_length=MAX_TITLE)
    starts_at = forms.DateTimeField(label="Starts", widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label="Ends", widget=DATETIME, input_formats=DATETIME_FORMATS)
    place = forms.CharField(label="Place or link to join", max_length=MAX_PLACE)
    agenda = forms.CharField(
        label="Agenda", required=False, max_length=MAX_LONG_TEXT, widget=forms.Textarea(attrs={"rows": 5})
    )
    invitee_ids = forms.TypedMultipleChoiceField(
        label="Who do you want to invite?", coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["invitee_ids"].choices = people  # type: ignore[attr-defined]


class NotesForm(forms.Form):
    notes = forms.CharField(
        label="Notes of the session", max_length=MAX_LONG_TEXT, widget=forms.Textarea(attrs={"rows": 6})
    )


class MaterialForm(forms.Form):
    file = forms.FileField(label="Share a file (PDF, Word, Excel, PNG or JPEG)")


class ActionForm(forms.Form):
    description = forms.CharField(label="Action agreed", max_length=MAX_DESCRIPTION)
    owner_id = forms.TypedChoiceField(label="Who will do it?", coerce=int, choices=())
    due_on = forms.DateField(label="Due by", widget=DATE)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [("", "Choose a person"), *people]  # type: ignore[attr-defined]


class PeerReviewForm(forms.Form):
    school_id = forms.TypedChoiceField(label="Which school is reviewed?", coerce=int, choices=())
    reviewer_ids = forms.TypedMultipleChoiceField(
        label="Reviewing pair",
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose two heads or SENDCOs from the grouping's other schools.",
    )
    visit_on = forms.DateField(label="Visit date", widget=DATE)
    follow_up_on = forms.DateField(label="Follow-up date", widget=DATE)

    def __init__(self, *args: Any, schools: list[tuple[int, str]], reviewers: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["school_id"].choices = [("", "Choose a school"), *schools]  # type: ignore[attr-defined]
        self.fields["reviewer_ids"].choices = reviewers  # type: ignore[attr-defined]


class FindingsForm(forms.Form):
    """One text box a heading of the review's framework."""

    def __init__(self, *args: Any, headings: list[str], initial_texts: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for i, heading in enumerate(headings):
            self.fields[f"finding_{i}"] = forms.CharField(
                label=heading,
                max_length=MAX_LONG_TEXT,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial=(initial_texts or [])[i] if initial_texts and i < len(initial_texts) else "",
            )
        self.headings = headings

    def findings(self) -> list[str]:
        return [self.cleaned_data[f"finding_{i}"] for i in range(len(self.headings))]


class ResponseForm(forms.Form):
    response = forms.CharField(
        label="The school's response", max_length=MAX_LONG_TEXT, widget=forms.Textarea(attrs={"rows": 6})
    )
