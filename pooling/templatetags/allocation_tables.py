"""The allocations table's rows as a tag (issue 22): a school, whether it is in the
grouping, where its allocation came from, the amount and the link to change it. The page
writes a hundred; as variables and conditions in the template they were most of its
rendering. The HTML is the same as the template wrote, byte for byte
(``tests/pooling/test_page_tables.py``); the cells come in words from the view
(``pooling.views.contributions._allocation_row``) and are escaped here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()

_ROW = (
    '<tr class="govuk-table__row">\n'
    '        <td class="govuk-table__cell">{}<br><span class="govuk-hint govuk-!-margin-0">URN {}</span></td>\n'
    '        <td class="govuk-table__cell">{}</td>\n'
    '        <td class="govuk-table__cell">{}</td>\n'
    '        <td class="govuk-table__cell govuk-table__cell--numeric">{}</td>\n'
    "        {}\n"
    "      </tr>"
)
_CHANGE = (
    '<td class="govuk-table__cell"><a class="govuk-link" href="{}">Change<span class="govuk-visually-hidden"> the '
    "allocation of {}</span></a></td>"
)
_YES, _NO, _NOTHING = SafeString("Yes"), SafeString("No"), SafeString()


@register.simple_tag
def allocation_row(row: Mapping[str, Any], can_change: bool) -> SafeString:
    """A school's allocation: its name and URN, whether it is in the grouping, its source
    (the file it was imported from, or who entered it), the amount, and, for a reader who
    ``can_change`` it, the link to change it."""
    name = conditional_escape(row["school_name"])
    change = format_html(_CHANGE, row["change_url"], name) if can_change else _NOTHING
    return format_html(
        _ROW, name, row["urn"], _YES if row["in_grouping"] else _NO, row["source"], row["amount"], change
    )
