"""The case tables' per-row tags (``exceptional_resource/templatetags/case_tags.py``) write
the HTML the partial templates they replace wrote (issue 22), escaped."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from exceptional_resource.selectors.clock import Clock


def render(source: str, **context: object) -> str:
    return Template("{% load case_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("clock", "html"),
    [
        (Clock(started=False), '<span class="govuk-body-s">Not started</span>'),
        (
            Clock(started=True, paused=True, elapsed=3, target=10),
            '<strong class="govuk-tag govuk-tag--yellow">Paused</strong> <span class="govuk-body-s">3 of 10 working '
            "days; waiting for the school</span>",
        ),
        (
            Clock(started=True, running=True, elapsed=4, target=10, due_on=date(2027, 1, 5)),
            '<span class="govuk-body-s">4 of 10 working days, decision due 5 Jan 2027</span>',
        ),
        (
            Clock(started=True, running=True, elapsed=12, target=10),
            '<strong class="govuk-tag govuk-tag--red">Overdue</strong> <span class="govuk-body-s">12 of 10 working '
            "days</span>",
        ),
        (
            Clock(started=True, elapsed=1, target=10),
            '<span class="govuk-body-s">Decided in 1 working day (target 10)</span>',
        ),
        (
            Clock(started=True, elapsed=7, target=5),
            '<span class="govuk-body-s">Decided in 7 working days (target 5)</span>',
        ),
    ],
)
def test_the_decision_clock(clock: Clock, html: str) -> None:
    assert render("{% decision_clock clock %}", clock=clock) == html


def test_the_status_tag_escapes_its_label() -> None:
    tag = {"colour": "red", "label": "Declined <b>&"}
    assert render("{% status_tag tag %}", tag=tag) == (
        '<strong class="govuk-tag govuk-tag--red">Declined &lt;b&gt;&amp;</strong>'
    )


def test_the_pupil_label_names_a_pupil_only_where_the_view_named_them() -> None:
    # A pupil the view did not name has no ``known_name`` at all (name_own_pupils sets it only
    # on the pupils of a page); one it named has the name, or "" for another school's pupil.
    assert render("{% pupil_label pupil %}", pupil=SimpleNamespace(reference="P-AB12")) == "P-AB12"
    named = SimpleNamespace(reference="P-AB12", known_name="Ann <Lee>")
    assert render("{% pupil_label pupil %}", pupil=named) == "Ann &lt;Lee&gt; (P-AB12)"
    unnamed = SimpleNamespace(reference="P-AB12", known_name="")
    assert render("{% pupil_label pupil %}", pupil=unnamed) == "P-AB12"
