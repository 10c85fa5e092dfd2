"""The case tables' per-row fragments as tags (issue 22): a status tag, a decision clock and
a pupil's label. Each was an ``{% include %}`` of a small template, rendered once per row;
fifty rows of two or three includes cost the decision queue and the case list about a
third of their CPU. The HTML is the same as the templates wrote, byte for byte
(``tests/exceptional_resource/test_case_tags.py`` renders both). The tables' views write
the same fragments with the functions the tags call (``views/cells.py``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from core.dates import short_date
from exceptional_resource.selectors.clock import Clock

register = template.Library()

_NOT_STARTED = mark_safe('<span class="govuk-body-s">Not started</span>')
_OVERDUE = mark_safe('<strong class="govuk-tag govuk-tag--red">Overdue</strong> ')


def status_tag_html(tag: dict[str, str]) -> SafeString:
    """A case's status as a coloured tag, from ``views.common.status_tag``'s answer."""
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', tag["colour"], tag["label"])


def clock_html(clock: Clock, day_text: Callable[[date], str] = short_date) -> SafeString:
    """The decision clock of one case in words; ``day_text`` writes its due date. Its
    figures are integers written with ``:d`` (digits and nothing else) and its one text,
    the date, is escaped, so the HTML is put together as a plain string: a table writes a
    clock a row (issue 22)."""
    if not clock.started:
        return _NOT_STARTED
    elapsed, target = clock.elapsed, clock.target
    if clock.paused:
        return mark_safe(  # noqa: S308 - integers only
            '<strong class="govuk-tag govuk-tag--yellow">Paused</strong> '
            f'<span class="govuk-body-s">{elapsed:d} of {target:d} working days; waiting for the school</span>'
        )
    if clock.running:
        overdue = _OVERDUE if clock.overdue else ""
        due = f", decision due {escape(day_text(clock.due_on))}" if clock.due_on else ""
        return mark_safe(  # noqa: S308 - integers and the escaped date only
            f'{overdue}<span class="govuk-body-s">{elapsed:d} of {target:d} working days{due}</span>'
        )
    plural = "" if elapsed == 1 else "s"
    return mark_safe(  # noqa: S308 - integers only
        f'<span class="govuk-body-s">Decided in {elapsed:d} working day{plural} (target {target:d})</span>'
    )


@register.simple_tag
def status_tag(tag: dict[str, str]) -> SafeString:
    """A case's status as a coloured tag: needs ``tag`` (``views.common.status_tag``)."""
    return status_tag_html(tag)


@register.simple_tag
def decision_clock(clock: Clock) -> SafeString:
    """The decision clock of one case (``selectors.clock.Clock``)."""
    return clock_html(clock)


def pupil_label_html(reference: str, known_name: str) -> SafeString:
    """A pupil as this reader may see them: "Name (P-XXXX)" for their own school's staff,
    otherwise the reference."""
    if known_name:
        return format_html("{} ({})", known_name, reference)
    return format_html("{}", reference)


@register.simple_tag
def pupil_label(pupil: Any) -> SafeString:
    """:func:`pupil_label_html` of a pupil the view named (``known_name``) or did not."""
    return pupil_label_html(pupil.reference, getattr(pupil, "known_name", ""))
