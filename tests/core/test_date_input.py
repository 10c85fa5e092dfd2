"""The GOV.UK date input (core.forms.GovukDateField): three labelled boxes in a fieldset, a
"For example" hint, and GOV.UK's error messages; the cleaned value is a date."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django import forms

from core.forms import GovukDateField


class PaymentForm(forms.Form):
    pay_on = GovukDateField(label="Payment date", subject="The payment date", help_text="The day money arrives.")
    review_on = GovukDateField(label="Review date (optional)", required=False)


def _form(**data: str) -> PaymentForm:
    return PaymentForm({"pay_on_day": "27", "pay_on_month": "3", "pay_on_year": "2027", **data})


def test_it_renders_three_labelled_boxes_in_a_fieldset_with_the_hint() -> None:
    html = str(PaymentForm(initial={"pay_on": date(2027, 3, 27)})["pay_on"].as_field_group())
    assert '<fieldset class="govuk-fieldset" role="group" aria-describedby="id_pay_on-hint">' in html
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Payment date</legend>' in html
    assert '<div id="id_pay_on-hint" class="govuk-hint">The day money arrives. For example, 27 3 2027.</div>' in html
    boxes = re.findall(r'<label class="govuk-label govuk-date-input__label" for="(id_pay_on_\d)">(\w+)</label>', html)
    assert boxes == [("id_pay_on_0", "Day"), ("id_pay_on_1", "Month"), ("id_pay_on_2", "Year")]
    inputs = re.findall(
        r'<input class="govuk-input govuk-date-input__input ([\w-]+)" id="(\w+)" name="(\w+)" '
        r'type="text" value="(\d+)" inputmode="numeric"',
        html,
    )
    assert inputs == [
        ("govuk-input--width-2", "id_pay_on_0", "pay_on_day", "27"),
        ("govuk-input--width-2", "id_pay_on_1", "pay_on_month", "3"),
        ("govuk-input--width-4", "id_pay_on_2", "pay_on_year", "2027"),
    ]
    assert 'type="date"' not in html


def test_three_boxes_clean_to_a_date_and_an_optional_date_may_be_left_blank() -> None:
    form = _form()
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"pay_on": date(2027, 3, 27), "review_on": None}
    named = _form(review_on_day="1", review_on_month="Sept", review_on_year="2027")
    assert named.is_valid(), named.errors
    assert named.cleaned_data["review_on"] == date(2027, 9, 1)


def test_an_iso_date_under_the_fields_own_name_is_read_too() -> None:
    """Links and hidden fields carry one ISO value (``?date_from=2027-03-27``)."""
    form = PaymentForm({"pay_on": "2027-03-27"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["pay_on"] == date(2027, 3, 27)


ALL = ("day", "month", "year")


@pytest.mark.parametrize(
    ("data", "message", "boxes_at_fault"),
    [
        ({"pay_on_day": "31", "pay_on_month": "2"}, "The payment date must be a real date", ALL),
        ({"pay_on_day": "29", "pay_on_month": "2", "pay_on_year": "2027"}, "The payment date must be a real date", ALL),
        ({"pay_on_month": "13"}, "The payment date must be a real date", ALL),
        ({"pay_on_day": "0"}, "The payment date must be a real date", ALL),
        ({"pay_on_year": ""}, "The payment date must include a year", ("year",)),
        ({"pay_on_day": "", "pay_on_month": ""}, "The payment date must include a day and month", ("day", "month")),
        ({"pay_on_day": "tw", "pay_on_month": "x"}, "The payment date must be a real date", ALL),
        ({"pay_on_day": "-1"}, "The payment date must be a real date", ALL),
        ({"pay_on_year": "27"}, "Year must include 4 numbers", ("year",)),
        ({"pay_on_year": "20270"}, "Year must include 4 numbers", ("year",)),
        ({"pay_on_day": "", "pay_on_month": "", "pay_on_year": ""}, "Enter the payment date", ALL),
        ({"pay_on_day": "", "pay_on_month": " ", "pay_on_year": ""}, "Enter the payment date", ALL),
        (
            {"pay_on_day": "", "pay_on_month": "", "pay_on_year": "", "pay_on": "27/03/2027"},
            "The payment date must be a real date",
            ALL,
        ),
    ],
)
def test_bad_values_get_the_gov_uk_message_and_only_the_boxes_at_fault_are_marked(
    data: dict[str, str], message: str, boxes_at_fault: tuple[str, ...]
) -> None:
    form = _form(**data)
    assert not form.is_valid()
    assert form.errors["pay_on"] == [message]
    html = str(form["pay_on"].as_field_group())
    assert "govuk-form-group--error" in html
    assert f'<span class="govuk-visually-hidden">Error:</span> {message}' in html
    marked = re.findall(r'govuk-input--error" id="id_pay_on_\d" name="pay_on_(\w+)"', html)
    assert tuple(marked) == boxes_at_fault


def test_an_error_the_form_adds_marks_all_three_boxes() -> None:
    form = _form()
    assert form.is_valid()
    form.add_error("pay_on", "The payment date must be on or after the first day")
    html = str(form["pay_on"].as_field_group())
    assert html.count("govuk-input--error") == 3


def test_an_optional_date_half_typed_is_refused_not_dropped() -> None:
    form = _form(review_on_day="1", review_on_month="4")
    assert not form.is_valid()
    assert form.errors["review_on"] == ["Date must include a year"]
