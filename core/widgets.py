"""The GOV.UK date input: day, month and year typed into three boxes inside one fieldset.

The field that parses it is ``core.forms.GovukDateField``; the markup is written by
``templates/forms/govuk_field.html`` (the branch for widget type ``govukdate``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

DATE_PARTS = ("day", "month", "year")


def _part(width: int) -> forms.TextInput:
    return forms.TextInput(
        attrs={"inputmode": "numeric", "spellcheck": "false", "class": f"govuk-input--width-{width}"}
    )


def date_parts(value: Any) -> list[Any]:
    """A date (or an ISO string) as [day, month, year]; text that is not a date fills all
    three boxes, so the field says it is not a real date."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return [value.day, value.month, value.year]
    if isinstance(value, str) and value.strip():
        try:
            parsed = dt.date.fromisoformat(value.strip())
        except ValueError:
            return [value, value, value]
        return [parsed.day, parsed.month, parsed.year]
    return [None, None, None]


class GovukDateInput(forms.MultiWidget):
    """Three text boxes named ``<name>_day``, ``<name>_month`` and ``<name>_year``.

    A single ISO value under ``<name>`` itself (a link such as ``?date_from=2027-03-27``) is
    read too, so bookmarked filters and links built by other pages keep working."""

    template_name = "forms/widgets/govuk_date.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"day": _part(2), "month": _part(2), "year": _part(4)}, attrs)

    def decompress(self, value: Any) -> list[Any]:
        return date_parts(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for part, sub in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
            sub["part"] = part
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[Any]:
        parts = super().value_from_datadict(data, files, name)
        if all(part in (None, "") for part in parts) and data.get(name):
            return date_parts(data.get(name))
        return parts

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return super().value_omitted_from_data(data, files, name) and name not in data

    def id_for_label(self, id_: str) -> str:
        """The day box: where a label or an error summary link should take the reader."""
        return f"{id_}_0" if id_ else ""


def date_param_names(*names: str) -> set[str]:
    """Every request key a GOV.UK date input named ``names`` may send: the three boxes and the
    single ISO value. For views that bind a filter form only when it was submitted."""
    return {key for name in names for key in (name, *(f"{name}_{part}" for part in DATE_PARTS))}
