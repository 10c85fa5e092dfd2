"""A payment run's lines as a tag (issue 22): whom each pays and how, whether the bank
returned it, the instalments it paid, its amount and its remittance advice. The run's page
writes fifty; as template variables, a condition chain and a loop a line they were most of
its rendering. The HTML is the same as the template wrote, byte for byte
(``tests/pooling/test_page_tables.py``); the cells come in words from the view
(``pooling.views.payments._line_rows``) and are escaped here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

_LINE = (
    '<tr class="govuk-table__row">\n'
    '        <td class="govuk-table__cell">{}<br><span class="govuk-hint govuk-!-margin-0">{}</span>{}</td>\n'
    '        <td class="govuk-table__cell">\n'
    '          <ul class="govuk-list govuk-body-s govuk-!-margin-0">\n'
    "            {}\n"
    "          </ul>\n"
    "        </td>\n"
    '        <td class="govuk-table__cell govuk-table__cell--numeric">{}</td>\n'
    '        <td class="govuk-table__cell">\n'
    "          {}\n"
    "        </td>\n"
    "      </tr>"
)
_RETURNED = (
    '<br><strong class="govuk-tag govuk-tag--red">Returned</strong> <span class="govuk-body-s">by the bank on {}: '
    "{}</span>"
)
_RECORD_RETURN = (
    '<br><a class="govuk-link govuk-body-s" href="{}">Record a returned payment<span class="govuk-visually-hidden"> '
    "to {}</span></a>"
)
_ADVICE = (
    "\n"
    '            <a class="govuk-link" href="{}">CSV<span class="govuk-visually-hidden"> for {}</span></a>\n'
    '            · <a class="govuk-link" href="{}">PDF<span class="govuk-visually-hidden"> for {}</span></a>\n'
    "          "
)
_BEING_PREPARED = SafeString("Being prepared")
_NOTHING = SafeString()


@register.simple_tag
def run_line(row: Mapping[str, Any]) -> SafeString:
    """A line of a payment run (``pooling.views.payments._line_rows``): whom it pays and how;
    if the bank returned it, when and why, or else (``returned_url`` set: the run is paid
    and the reader may record a return) the link to record a return; the instalments it
    paid; its amount; and its remittance advice once built."""
    paid_to = row["paid_to"]
    after = _NOTHING
    if row["returned_on"]:
        after = format_html(_RETURNED, row["returned_on"], row["return_reason"])
    elif row["returned_url"]:
        after = format_html(_RECORD_RETURN, row["returned_url"], paid_to)
    advice = (
        format_html(_ADVICE, row["csv_url"], paid_to, row["pdf_url"], paid_to) if row["pdf_url"] else _BEING_PREPARED
    )
    instalments = format_html_join("", "<li>{}</li>", ((text,) for text in row["instalments"]))
    return format_html(_LINE, paid_to, row["paid_how"], after, instalments, row["amount"], advice)
