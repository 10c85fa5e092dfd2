"""Forms for the grouping's forum: parse only; the services check dates, people and rules."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from collaboration.models import SessionPurpose
from collaboration.services.actions import MAX_DESCRIPTION
from collaboration.services.sessions import MAX_LONG_TEXT, MAX_PLACE, MAX_TITLE
from core.forms import GovukDateField

TIME_HINT = "Use the 24-hour clock, for example 14:30."
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


def parse_time(text: str) -> time | None:
    """A time as people type it: 14:30, 14.30, 9:05, 2:30pm, 2pm. None when it is not one."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match.group(2) is None:
        return None  # "14" alone could be a date typed in the wrong box
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class TimeField(forms.CharField):
    """A time typed in one box (the GOV.UK pattern for a time of day), cleaned to a ``time``."""

    def __init__(self, *, subject: str, **kwargs: Any) -> None:
        self.subject = subject
        kwargs.setdefault("help_text", TIME_HINT)
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("error_messages", {"required": f"Enter the {subject}"})
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "text"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> time | None:
        text = super().clean(value)
        if not text:
            return None
        parsed = parse_time(text)
        if parsed is None:
            raise forms.ValidationError(f"The {self.subject} must be a real time, like 14:30", code="invalid_time")
        return parsed


class SessionForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What is the session for?", choices=SessionPurpose.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label="Title", max_length=MAX_TITLE)
    on = GovukDateField(label="Date", subject="The date of the session")
    start_time = TimeField(label="Start time", subject="start time")
    end_time = TimeField(label="End time", subject="end time")
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

    def clean(self) -> dict[str, Any]:
        """The day and the two times become the service's ``starts_at`` and ``ends_at`` (in the
        service's time zone); the service checks their order and that they are to come."""
        data = super().clean() or {}
        day, start, end = data.pop("on", None), data.pop("start_time", None), data.pop("end_time", None)
        if day is not None and start is not None and end is not None:
            zone = timezone.get_current_timezone()
            data["starts_at"] = timezone.make_aware(datetime.combine(day, start), zone)
            data["ends_at"] = timezone.make_aware(datetime.combine(day, end), zone)
        return data

    # The service names its fields starts_at and ends_at; the form shows them as these boxes.
    SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}


class NotesForm(forms.Form):
    notes = forms.CharField(
        label="Notes of the session", max_length=MAX_LONG_TEXT, widget=forms.Textarea(attrs={"rows": 6})
    )


class MaterialForm(forms.Form):
    file = forms.FileField(label="Share a file (PDF, Word, Excel, PNG or JPEG)")


class ActionForm(forms.Form):
    description = forms.CharField(label="Action agreed", max_length=MAX_DESCRIPTION)
    owner_id = forms.TypedChoiceField(label="Who will do it?", coerce=int, choices=())
    due_on = GovukDateField(label="Due by", subject="The due date")

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
    visit_on = GovukDateField(label="Visit date", subject="The visit date")
    follow_up_on = GovukDateField(label="Follow-up date", subject="The follow-up date")

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
