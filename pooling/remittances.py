"""Documents built from the ledger: the remittance advice (CSV and PDF) of each line of a
payment run, addressed to the school it pays or to the other payee (an employer or
provider), and the journal export for the body's finance system.

CSV cells that came from text people typed are written through ``defusedcsv``, which
neutralises a leading ``= + - @`` (spreadsheet formulas) with an apostrophe and leaves
numbers as numbers. Remittance advice names awards and amounts only, never a pupil."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from defusedcsv import csv
from django.template.loader import render_to_string
from django.utils import timezone

from core.csv_export import csv_lines
from core.money import pence_to_decimal
from core.pdf import html_to_pdf
from pooling.source_labels import fallback_label

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody
    from pooling.models import Instalment, Leg, PaymentRun, PaymentRunLine


@dataclass(frozen=True)
class AdviceRow:
    award_reference: str
    due_on: date
    amount_pence: int


@dataclass(frozen=True)
class Advice:
    body_name: str
    pool_label: str
    run_id: int
    pay_on: date
    due_up_to: date
    school_name: str
    urn: int | None
    rows: list[AdviceRow]
    total_pence: int
    # Set when the line pays a payee other than a school: ``school_name`` is then the payee's
    # name and there is no URN; the advice shows the account paid (last four digits only).
    payee_kind: str = ""
    payee_address: str = ""
    sort_code: str = ""
    account_masked: str = ""
    payment_reference: str = ""

    @property
    def to_payee(self) -> bool:
        return bool(self.payee_kind)


def line_tag(line: PaymentRunLine) -> str:
    """What names a line in file names: the school's URN, or ``payee<id>``."""
    if line.payee_id is not None:
        return f"payee{line.payee_id}"
    return str(line.school.urn) if line.school is not None else "line"


def award_reference(source_type: str, source_id: str) -> str:
    return fallback_label(source_type, source_id)


def advice_for(
    *,
    body: ResponsibleBody,
    run: PaymentRun,
    line: PaymentRunLine,
    instalments: Iterable[Instalment],
    labels: dict[tuple[str, str], str] | None = None,
) -> Advice:
    """``labels`` name each award as the school knows it (``source_labels``: the case
    reference); without them an award is named by its id."""
    known = labels or {}
    rows = [
        AdviceRow(
            known.get((i.schedule.source_type, i.schedule.source_id))
            or award_reference(i.schedule.source_type, i.schedule.source_id),
            i.due_on,
            i.amount_pence,
        )
        for i in instalments
        if i.amount_pence
    ]
    common: dict[str, Any] = {
        "body_name": body.legal_name,
        "pool_label": run.pool.label,
        "run_id": run.pk,
        "pay_on": run.pay_on,
        "due_up_to": run.due_up_to,
        "rows": rows,
        "total_pence": line.amount_pence,
    }
    payee = line.payee if line.payee_id is not None else None
    if payee is not None:
        return Advice(
            **common,
            school_name=payee.name,
            urn=None,
            payee_kind=payee.get_kind_display(),
            payee_address=payee.address,
            sort_code=payee.sort_code_display,
            account_masked=payee.account_masked,
            payment_reference=payee.payment_reference,
        )
    assert line.school is not None
    return Advice(**common, school_name=line.school.name, urn=line.school.urn)


ADVICE_HEADER = [
    "Responsible body",
    "Funding period",
    "Payment run",
    "Payment date",
    "School",
    "URN",
    "Award reference",
    "Instalment due",
    "Amount (GBP)",
]


PAYEE_ADVICE_HEADER = [
    "Responsible body",
    "Funding period",
    "Payment run",
    "Payment date",
    "Payee",
    "Account paid",
    "Payment reference",
    "Commitment reference",
    "Instalment due",
    "Amount (GBP)",
]


def advice_csv(advice: Advice) -> bytes:
    """One row per instalment paid, then a total row; amounts in pounds to the penny. Advice
    to a payee other than a school names the payee and the account paid instead of a URN."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PAYEE_ADVICE_HEADER if advice.to_payee else ADVICE_HEADER)
    common: list[Any] = [advice.body_name, advice.pool_label, advice.run_id, advice.pay_on.isoformat()]
    if advice.to_payee:
        common += [advice.school_name, f"{advice.sort_code} {advice.account_masked}", advice.payment_reference]
    else:
        common += [advice.school_name, advice.urn]
    for row in advice.rows:
        writer.writerow([*common, row.award_reference, row.due_on.isoformat(), pence_to_decimal(row.amount_pence)])
    writer.writerow([*common, "Total", "", pence_to_decimal(advice.total_pence)])
    return out.getvalue().encode("utf-8")


def advice_pdf(advice: Advice) -> bytes:
    """The same advice as a printable PDF (WeasyPrint, from a plain HTML template)."""
    html = render_to_string(
        "pooling/payments/remittance.html", {"advice": advice, "generated_on": timezone.localdate()}
    )
    return html_to_pdf(html)


# --- Journal export -------------------------------------------------------------------------

JOURNAL_HEADER = [
    "Date",
    "Period",
    "Transaction",
    "Type",
    "Account",
    "Nominal code",
    "Cost centre",
    "CFR code",
    "School URN",
    "Description",
    "Debit",
    "Credit",
    "Reference",
    "Payee",  # a payee other than a school (a shared resource's employer or provider)
]


def _pounds(pence: int) -> Decimal:
    return pence_to_decimal(pence).quantize(Decimal("0.01"))


def journal_row(leg: Leg) -> list[Any]:
    txn = leg.transaction
    account = leg.account
    return [
        txn.posted_on.isoformat(),
        account.pool.label,
        txn.pk,
        txn.get_kind_display(),
        account.get_kind_display(),
        account.nominal_code,
        account.cost_centre,
        account.cfr_code,
        leg.school.urn if leg.school_id and leg.school else "",
        txn.description,
        _pounds(leg.amount_pence) if leg.amount_pence > 0 else Decimal("0.00"),
        _pounds(-leg.amount_pence) if leg.amount_pence < 0 else Decimal("0.00"),
        txn.idempotency_key,
        leg.payee.name if leg.payee_id and leg.payee else "",
    ]


def journal_csv_lines(legs: Iterable[Leg]) -> Iterator[str]:
    """The journal as CSV text, one line at a time (for a streamed response)."""
    return csv_lines(JOURNAL_HEADER, (journal_row(leg) for leg in legs))
