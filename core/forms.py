"""What every form shares: showing a service's refusal on a page's form, and the GOV.UK date field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms

from core.widgets import DATE_PARTS, GovukDateInput, date_parts

if TYPE_CHECKING:
    from core.errors import ApplicationError


def show_service_error(form: Any, exc: ApplicationError, fields: Mapping[str, str | None] | None = None) -> None:
    """Put ``exc`` on the form field it names (``fields`` maps a service's argument name to
    the form's own field name, or None), or at the top of the form when the form has no such field."""
    field = (fields or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
DATE_HINT = "For example, 27 3 2027"


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year (the GOV.UK date input), cleaned to a ``date``.

    Errors follow the GOV.UK pattern: "Enter a date" when nothing is typed, "Date must include
    a month" when a part is missing, "Year must include 4 numbers", "Date must be a real date".
    ``subject`` replaces "Date" in those messages; ``help_text`` is shown before the example."""

    widget = GovukDateInput
    # The boxes at fault after the last clean(), for the error styling (empty: all three).
    error_parts: tuple[str, ...] = ()

    def __init__(
        self, *, subject: str = "Date", help_text: str = "", error_messages: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        self.subject = subject
        hint = f"{help_text.rstrip()} {DATE_HINT}." if help_text else f"{DATE_HINT}."
        messages = {"required": f"Enter {'a date' if subject == 'Date' else subject[0].lower() + subject[1:]}"}
        messages.update(error_messages or {})
        parts = tuple(forms.CharField(required=False, max_length=20) for _ in DATE_PARTS)
        super().__init__(parts, require_all_fields=False, help_text=hint, error_messages=messages, **kwargs)

    def clean(self, value: Any) -> dt.date | None:
        if self.disabled and not isinstance(value, list | tuple):
            value = date_parts(value)
        texts = [str(part).strip() if part is not None else "" for part in [*(value or []), "", "", ""][:3]]
        self.error_parts = ()
        if not any(texts):
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        missing = [name for name, text in zip(DATE_PARTS, texts, strict=True) if not text]
        if missing:
            self.error_parts = tuple(missing)
            raise forms.ValidationError(f"{self.subject} must include a {' and '.join(missing)}", code="incomplete")
        day, month, year = texts
        month = str(MONTH_NAMES.get(month.lower(), month))
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise forms.ValidationError(f"{self.subject} must be a real date", code="invalid")
        if len(year) != 4:
            self.error_parts = ("year",)
            raise forms.ValidationError("Year must include 4 numbers", code="invalid_year")
        try:
            cleaned = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"{self.subject} must be a real date", code="invalid") from None
        self.validate(cleaned)
        self.run_validators(cleaned)
        return cleaned

    def compress(self, data_list: list[Any]) -> dt.date | None:
        return self.clean(data_list)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.clean(data) != self.clean(date_parts(initial))
        except forms.ValidationError:
            return True
