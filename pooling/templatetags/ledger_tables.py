"""The ledger's rows as a tag (issue 22), and a transaction's legs as a table (a ledger
row's third cell, and a transaction's page). The ledger writes fifty rows of a date, the
transaction with what caused it and either end of a reversal, and a table of three or four
legs; as template variables and conditions, the legs an ``{% include %}`` with a loop of
four variables a leg, they were most of the page's rendering. The HTML is the same as the
templates wrote, byte for byte (``tests/pooling/test_page_tables.py``); the cells come in
words from the view (``pooling.views.ledger``) and are escaped here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

_LEGS = (
    '<table class="govuk-table govuk-!-margin-bottom-0 app-legs">\n'
    '  <caption class="govuk-table__caption govuk-visually-hidden">Legs of transaction {}</caption>\n'
    '  <thead class="govuk-table__head">\n'
    '    <tr class="govuk-table__row">\n'
    '      <th scope="col" class="govuk-table__header">Account</th>\n'
    '      <th scope="col" class="govuk-table__header">School</th>\n'
    '      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Debit</th>\n'
    '      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Credit</th>\n'
    "    </tr>\n"
    "  </thead>\n"
    '  <tbody class="govuk-table__body">\n'
    "    {}\n"
    "  </tbody>\n"
    "</table>\n"
)

_LEG = (
    "\n"
    '    <tr class="govuk-table__row">\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell govuk-table__cell--numeric">{}</td>\n'
    '      <td class="govuk-table__cell govuk-table__cell--numeric">{}</td>\n'
    "    </tr>\n"
    "    "
)


def _legs_table(transaction_id: int, legs: Sequence[Mapping[str, str]]) -> SafeString:
    rows = format_html_join("", _LEG, ((leg["account"], leg["school"], leg["debit"], leg["credit"]) for leg in legs))
    return format_html(_LEGS, transaction_id, rows)


@register.simple_tag
def legs_table(transaction_id: int, legs: Sequence[Mapping[str, str]]) -> SafeString:
    """The legs of transaction ``transaction_id``: each leg's account, school, debit and
    credit, in words (``pooling.views.ledger._leg_cells``)."""
    return _legs_table(transaction_id, legs)


_ROW = (
    '<tr class="govuk-table__row">\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">\n'
    '        <a class="govuk-link" href="{}">{} <span class="govuk-visually-hidden">transaction </span>{}</a><br>\n'
    "        {}<br>\n"
    '        <span class="govuk-hint govuk-!-margin-0">Caused by {}{}{}</span>\n'
    "      </td>\n"
    '      <td class="govuk-table__cell">{}</td>\n'
    "    </tr>"
)
_NOTHING = SafeString()


@register.simple_tag
def ledger_row(row: Mapping[str, Any]) -> SafeString:
    """A row of the ledger (``pooling.views.ledger._rows``): the day it was posted; the
    transaction's kind and number, linking to it, its description, what caused it and the
    transaction it reverses or that reversed it; and its legs."""
    reverses = reversed_by = _NOTHING
    if row["reverses_url"]:
        reverses = format_html(
            ' · reverses <a class="govuk-link" href="{}">transaction {}</a>', row["reverses_url"], row["reverses_id"]
        )
    if row["reversed_by_url"]:
        reversed_by = format_html(
            ' · reversed by <a class="govuk-link" href="{}">transaction {}</a>',
            row["reversed_by_url"],
            row["reversed_by_id"],
        )
    return format_html(
        _ROW,
        row["posted_on"],
        row["url"],
        row["kind"],
        row["pk"],
        row["description"],
        row["caused_by"],
        reverses,
        reversed_by,
        _legs_table(row["pk"], row["legs"]),
    )
