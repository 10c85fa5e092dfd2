"""The pooling tables' row tags (issue 22) write the HTML the templates they replace wrote,
byte for byte and escaped alike: each is rendered beside a reference template from the
same row. The allocation row's reference is the template source as it was on main; the
others are that source adapted to the rows the views now pass (values, not instances), not
copies of it: the ledger row names ``row.pk``, ``row.description`` and ``row.reverses_id``
for ``row.txn``'s, and ``row.reversed_by_id`` for ``row.reversed_by.pk``; the legs table's
caption ``row.pk`` for ``row.txn.pk``, and the ledger row holds a LEGS placeholder where it
included ``_legs.html``; the payment run line names ``row.returned_on``, the date already
written as ``|date:"j F Y"`` wrote it, for ``row.line.returned_on|date:"j F Y"``, and
``row.return_reason`` for ``row.line.return_reason``. The adaptation changes the names
read, never the markup around them."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template

LEDGER_ROW = """{% load ledger_tables %}{% for row in transactions %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell">{{ row.posted_on }}</td>
      <td class="govuk-table__cell">
        <a class="govuk-link" href="{{ row.url }}">{{ row.kind }} <span class="govuk-visually-hidden">transaction </span>{{ row.pk }}</a><br>
        {{ row.description }}<br>
        <span class="govuk-hint govuk-!-margin-0">Caused by {{ row.caused_by }}{% if row.reverses_url %} · reverses <a class="govuk-link" href="{{ row.reverses_url }}">transaction {{ row.reverses_id }}</a>{% endif %}{% if row.reversed_by_url %} · reversed by <a class="govuk-link" href="{{ row.reversed_by_url }}">transaction {{ row.reversed_by_id }}</a>{% endif %}</span>
      </td>
      <td class="govuk-table__cell">LEGS</td>
    </tr>
    {% endfor %}"""  # noqa: E501

LEGS = """<table class="govuk-table govuk-!-margin-bottom-0 app-legs">
  <caption class="govuk-table__caption govuk-visually-hidden">Legs of transaction {{ row.pk }}</caption>
  <thead class="govuk-table__head">
    <tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Account</th>
      <th scope="col" class="govuk-table__header">School</th>
      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Debit</th>
      <th scope="col" class="govuk-table__header govuk-table__header--numeric">Credit</th>
    </tr>
  </thead>
  <tbody class="govuk-table__body">
    {% for leg in row.legs %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell">{{ leg.account }}</td>
      <td class="govuk-table__cell">{{ leg.school }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ leg.debit }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ leg.credit }}</td>
    </tr>
    {% endfor %}
  </tbody>
</table>
"""

RUN_LINE = """{% load payment_tables %}{% for row in lines %}
      <tr class="govuk-table__row">
        <td class="govuk-table__cell">{{ row.paid_to }}<br><span class="govuk-hint govuk-!-margin-0">{{ row.paid_how }}</span>{% if row.returned_on %}<br><strong class="govuk-tag govuk-tag--red">Returned</strong> <span class="govuk-body-s">by the bank on {{ row.returned_on }}: {{ row.return_reason }}</span>{% elif row.returned_url %}<br><a class="govuk-link govuk-body-s" href="{{ row.returned_url }}">Record a returned payment<span class="govuk-visually-hidden"> to {{ row.paid_to }}</span></a>{% endif %}</td>
        <td class="govuk-table__cell">
          <ul class="govuk-list govuk-body-s govuk-!-margin-0">
            {% for text in row.instalments %}<li>{{ text }}</li>{% endfor %}
          </ul>
        </td>
        <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.amount }}</td>
        <td class="govuk-table__cell">
          {% if row.pdf_url %}
            <a class="govuk-link" href="{{ row.csv_url }}">CSV<span class="govuk-visually-hidden"> for {{ row.paid_to }}</span></a>
            · <a class="govuk-link" href="{{ row.pdf_url }}">PDF<span class="govuk-visually-hidden"> for {{ row.paid_to }}</span></a>
          {% else %}Being prepared{% endif %}
        </td>
      </tr>
    {% endfor %}"""  # noqa: E501


def render(source: str, **context: Any) -> str:
    return Template(source).render(Context(context))


def leg(account: str, school: str, debit: str, credit: str) -> dict[str, str]:
    return {"account": account, "school": school, "debit": debit, "credit": credit}


def ledger_row(pk: int, **changes: Any) -> dict[str, Any]:
    return {
        "pk": pk,
        "posted_on": "7 Dec 2026",
        "kind": "Contribution received",
        "description": 'Receipt from "Ash & Birch" <Academy>',
        "caused_by": "Receipt 12",
        "url": f"/b/la/pool/transactions/{pk}/",
        "reverses_id": None,
        "reverses_url": "",
        "reversed_by_id": None,
        "reversed_by_url": "",
        "legs": [
            leg("Pool bank (received)", "Ash & Birch <Academy>", "£1,234.56", ""),
            leg("Contributions receivable (pool 2025-26)", "–", "", "£1,234.56"),
        ],
        **changes,
    }


LEDGER_ROWS = [
    ledger_row(1),
    ledger_row(2, reverses_id=1, reverses_url="/b/la/pool/transactions/1/", kind="Reversal", legs=[]),
    ledger_row(3, reversed_by_id=4, reversed_by_url="/b/la/pool/transactions/4/", caused_by="Case <IP-1> & co"),
    ledger_row(
        5,
        reverses_id=1,
        reverses_url="/b/la/pool/transactions/1/?a=1&b=2",
        reversed_by_id=6,
        reversed_by_url="/b/la/pool/transactions/6/",
    ),
]


@pytest.mark.parametrize("row", LEDGER_ROWS, ids=["receipt", "reversal-without-legs", "reversed", "both"])
def test_the_ledger_row_is_the_template_it_replaced(row: dict[str, Any]) -> None:
    tag = render(
        "{% load ledger_tables %}{% for row in transactions %}\n    {% ledger_row row %}\n    {% endfor %}",
        transactions=[row],
    )
    template = render(LEDGER_ROW, transactions=[row]).replace("LEGS", render(LEGS, row=row))
    assert tag == template
    assert "&quot;Ash &amp; Birch&quot; &lt;Academy&gt;" in tag
    assert "<Academy>" not in tag


def test_the_legs_table_is_the_template_it_replaced() -> None:
    for row in LEDGER_ROWS:
        assert render("{% load ledger_tables %}{% legs_table row.pk row.legs %}", row=row) == render(LEGS, row=row)


def run_line(**changes: Any) -> dict[str, Any]:
    return {
        "paid_to": "Ash & Birch <Academy>",
        "paid_how": "URN 100001",
        "returned_on": "",
        "return_reason": "",
        "amount": "£2,400.00",
        "instalments": ["Award 12, due 1 Apr 2026: £197.26", 'Award <13> "x", due 1 May 2026: £1.00'],
        "returned_url": "",
        "csv_url": "",
        "pdf_url": "",
        **changes,
    }


RUN_LINES = {
    "being-prepared": run_line(),
    "advice-ready": run_line(csv_url="/r/1/csv/?a=1&b=2", pdf_url="/r/1/pdf/"),
    "returned": run_line(returned_on="7 December 2026", return_reason="Account <closed> & gone", instalments=[]),
    "may-record-a-return": run_line(returned_url="/runs/1/lines/2/returned/", pdf_url="/r/1/pdf/", csv_url="/c/"),
    "returned-and-paid": run_line(returned_on="7 December 2026", return_reason="Closed", returned_url="/x/"),
    "payee": run_line(
        paid_to="Care & Co Ltd", paid_how="Service provider, paid directly: sort code 12-34-56, account ****5678"
    ),
}


@pytest.mark.parametrize("row", RUN_LINES.values(), ids=RUN_LINES.keys())
def test_the_payment_run_line_is_the_template_it_replaced(row: dict[str, Any]) -> None:
    tag = render(
        "{% load payment_tables %}{% for row in lines %}\n      {% run_line row %}\n    {% endfor %}", lines=[row]
    )
    assert tag == render(RUN_LINE, lines=[row])
    assert "Ash &amp; Birch &lt;Academy&gt;" in tag or "Care &amp; Co Ltd" in tag


ALLOCATION_ROW = """{% load allocation_tables %}{% for a in allocations %}
      <tr class="govuk-table__row">
        <td class="govuk-table__cell">{{ a.school_name }}<br><span class="govuk-hint govuk-!-margin-0">URN {{ a.urn }}</span></td>
        <td class="govuk-table__cell">{% if a.in_grouping %}Yes{% else %}No{% endif %}</td>
        <td class="govuk-table__cell">{{ a.source }}</td>
        <td class="govuk-table__cell govuk-table__cell--numeric">{{ a.amount }}</td>
        {% if can_change %}<td class="govuk-table__cell"><a class="govuk-link" href="{{ a.change_url }}">Change<span class="govuk-visually-hidden"> the allocation of {{ a.school_name }}</span></a></td>{% endif %}
      </tr>
    {% endfor %}"""  # noqa: E501

ALLOCATIONS = [
    {
        "school_name": "Alder & Ash <Primary>",
        "urn": "100001",
        "in_grouping": True,
        "source": "imf <2026>.csv",
        "amount": "£1,234.56",
        "change_url": "/b/la/pool/3/allocations/set/?urn=100001",
    },
    {
        "school_name": "Birch",
        "urn": "100002",
        "in_grouping": False,
        "source": "Entered by o'neill@example.org",
        "amount": "£0.00",
        "change_url": "/b/la/pool/3/allocations/set/?urn=100002&x=<y>",
    },
]


@pytest.mark.parametrize("can_change", [True, False])
def test_the_allocation_row_is_the_template_it_replaced(can_change: bool) -> None:
    tag = render(
        "{% load allocation_tables %}{% for a in allocations %}\n"
        "      {% allocation_row a can_change %}\n"
        "    {% endfor %}",
        allocations=ALLOCATIONS,
        can_change=can_change,
    )
    assert tag == render(ALLOCATION_ROW, allocations=ALLOCATIONS, can_change=can_change)
    assert tag.count("Alder &amp; Ash &lt;Primary&gt;") == (2 if can_change else 1)
