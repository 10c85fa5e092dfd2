"""The case tables' per-row fragments as tags (issue 22): a status tag, a decision clock and
a pupil's label. Each was an ``{% include %}`` of a small template, rendered once per row;
fifty rows of two or three includes cost the decision queue and the case list about a
third of their CPU. The HTML is the same as the templates wrote, byte for byte
(``tests/exceptional_resource/test_case_tags.py`` renders both)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from exceptional_resource.selectors.clock import Clock

register = template.Library()


@register.simple_tag
def status_tag(tag: dict[str, str]) -> SafeString:
    """A case's status as a coloured tag: needs ``tag`` (``views.common.status_tag``)."""
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', tag["colour"], tag["label"])


@register.simple_tag
def decision_clock(clock: Clock) -> SafeString:
    """The decision clock of one case (``selectors.clock.Clock``)."""
    if not clock.started:
        return format_html('<span class="govuk-body-s">{}</span>', "Not started")
    if clock.paused:
        return format_html(
            '<strong class="govuk-tag govuk-tag--yellow">Paused</strong> <span class="govuk-body-s">{} of {} working '
            "days; waiting for the school</span>",
            clock.elapsed,
            clock.target,
        )
    if clock.running:
        overdue = (
            format_html('<strong class="govuk-tag govuk-tag--red">{}</strong> ', "Overdue") if clock.overdue else ""
        )
        due = format_html(", decision due {}", date_format(clock.due_on, "j M Y")) if clock.due_on else ""
        return format_html(
            '{}<span class="govuk-body-s">{} of {} working days{}</span>', overdue, clock.elapsed, clock.target, due
        )
    return format_html(
        '<span class="govuk-body-s">Decided in {} working day{} (target {})</span>',
        clock.elapsed,
        "" if clock.elapsed == 1 else "s",
        clock.target,
    )


@register.simple_tag
def pupil_label(pupil: Any) -> SafeString:
    """A pupil as this reader may see them: "Name (P-XXXX)" for their own school's staff
    (the view sets ``known_name``), otherwise the reference."""
    known = getattr(pupil, "known_name", "")
    if known:
        return format_html("{} ({})", known, pupil.reference)
    return format_html("{}", pupil.reference)
