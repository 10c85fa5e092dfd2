"""What "paid" means, in one place. A payment run is confirmed, then *sent to the bank*
(the finance officer takes its bank file), then *paid* (the bank's confirmation recorded,
or its payment date come: ``pooling.services.payment_runs``). An instalment is **paid** on
a day when its run was paid on or before that day, and only then (and, for a run line the bank returned later,
until the day it was returned: the line keeps the instalments it paid); the ledger posts the
payment to *payments made* on the day the run is paid, so the award pages, the dashboard,
the annex, the API, the auditor export and the governance pack all say the same on the
same day. Before that it is **in a payment run** (confirmed) or **sent to the bank** (to be
paid on the run's date); an instalment in no run is **scheduled**, and **due** once its due
date has come; **released** went back to the pool.

Every page and report that shows what has been paid reads it through these functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import F, Func, Q, QuerySet, Sum
from django.utils import timezone

from core.tenancy import tenant_context
from pooling.models import AccountKind, Leg, PaymentRunLine, Transaction
from pooling.selectors.ledger import Headroom, pool_headroom

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody
    from pooling.models import Instalment, Pool

PAID = "paid"
SENT = "sent"
IN_RUN = "in_run"
DUE = "due"
SCHEDULED = "scheduled"
RELEASED = "released"

STATE_LABELS = {
    PAID: "Paid",
    SENT: "Sent to the bank",
    IN_RUN: "In a payment run",
    DUE: "Due",
    SCHEDULED: "Scheduled",
    RELEASED: "Released",
}


def returned_later_ids(day: date) -> QuerySet[PaymentRunLine]:
    """The ids (``iid``) of instalments paid by a run paid on or before ``day`` whose line the
    bank returned after ``day``: paid on ``day``, due again now (in no run)."""
    return (
        PaymentRunLine.objects.filter(payment_run__paid_on__lte=day, returned_on__gt=day)
        .annotate(iid=Func(F("returned_instalment_ids"), function="unnest"))
        .values("iid")
    )


def paid_q(day: date, prefix: str = "") -> Q:
    """Instalments paid by ``day`` (``prefix`` reaches instalments from another model)."""
    return Q(
        **{
            f"{prefix}status": "paid",
            f"{prefix}payment_run__status": "paid",
            f"{prefix}payment_run__paid_on__lte": day,
        }
    ) | Q(**{f"{prefix}pk__in": returned_later_ids(day)})


def in_run_q(day: date, prefix: str = "") -> Q:
    """Instalments in a run (confirmed or sent to the bank) not paid by ``day``."""
    return Q(**{f"{prefix}status": "paid"}) & (
        Q(**{f"{prefix}payment_run__status__in": ["confirmed", "sent"]})
        | Q(**{f"{prefix}payment_run__paid_on__gt": day})
    )


def paid_sql(day: date, *, instalment: str = "i", run: str = "r") -> tuple[str, list[date]]:
    """``paid_q`` for raw SQL over an instalment joined (LEFT) to its run: never NULL."""
    line, runs = PaymentRunLine._meta.db_table, PaymentRunLine._meta.get_field("payment_run").related_model
    return (
        f"(coalesce({instalment}.status = 'paid' AND {run}.status = 'paid' AND {run}.paid_on <= %s, false)"
        f" OR EXISTS (SELECT 1 FROM {line} rl JOIN {runs._meta.db_table} rr ON rr.id = rl.payment_run_id"
        f" WHERE rl.returned_on > %s AND rr.paid_on <= %s AND {instalment}.id = ANY(rl.returned_instalment_ids)))",
        [day, day, day],
    )


def returned_paid_on(instalment: Instalment, day: date) -> date | None:
    """When the run of a line returned after ``day`` paid ``instalment``, if one did by ``day``
    (one query; only for an instalment due again, in no run)."""
    line = (
        PaymentRunLine.objects.filter(
            payment_run__paid_on__lte=day, returned_on__gt=day, returned_instalment_ids__contains=[instalment.pk]
        )
        .select_related("payment_run")
        .first()
    )
    return line.payment_run.paid_on if line is not None else None


def _paid_before_return(instalment: Instalment, day: date) -> date | None:
    """The day a later-returned run paid the instalment, if it was paid on ``day``. A return
    is never dated after today, so only a past ``day`` costs a query, and only for an
    instalment due again (in no run)."""
    if instalment.payment_run_id is not None or instalment.status != "scheduled":
        return None
    if day >= timezone.localdate():
        return None
    return returned_paid_on(instalment, day)


def instalment_state(instalment: Instalment, day: date) -> str:
    """One of PAID, SENT, IN_RUN, DUE, SCHEDULED, RELEASED. Load ``payment_run`` with the row."""
    if instalment.status == "released":
        return RELEASED
    if _paid_before_return(instalment, day) is not None:
        return PAID
    if instalment.status == "paid":
        run = instalment.payment_run
        if run is None:
            return IN_RUN
        if run.status == "paid" and run.paid_on is not None and run.paid_on <= day:
            return PAID
        return SENT if run.status in ("sent", "paid") else IN_RUN
    return DUE if instalment.due_on <= day else SCHEDULED


def instalment_is_paid(instalment: Instalment, day: date) -> bool:
    return instalment_state(instalment, day) == PAID


def pool_headroom_on(*, tenant: ResponsibleBody, pool: Pool, day: date) -> Headroom:
    """The pool's headroom as every decision sees it (all postings), with *paid* meaning
    paid by ``day``: a run confirmed or sent to the bank but not yet paid counts as
    payable, not as paid (its payment is posted the day it is paid)."""
    whole = pool_headroom(tenant=tenant, pool=pool)
    # Paid by ``day`` is all paid less what is posted after it: the few transactions dated
    # after ``day`` (the (body, pool, date) index), not every leg of the pool again as at
    # ``day`` (the largest body's pool dashboard spent most of its time there, issue 22).
    with tenant_context(tenant):
        later = Transaction.objects.filter(responsible_body=tenant, pool=pool, posted_on__gt=day).values("pk")
        after = Leg.objects.filter(
            transaction__in=later, account__pool=pool, account__kind=AccountKind.PAYMENTS_MADE
        ).aggregate(total=Sum("amount_pence"))["total"]
    paid = whole.paid_pence + int(after or 0)
    return replace(whole, paid_pence=paid, payable_pence=whole.payable_pence + whole.paid_pence - paid)


def returned_by_bank(instalments: list[Instalment], day: date) -> dict[int, date]:
    """Of these instalments, those due again (in no run) because the bank returned the line
    that paid them on or before ``day``: the day it was returned. One query, none if no
    instalment is due again."""
    again = [i.pk for i in instalments if i.status == "scheduled" and i.payment_run_id is None]
    if not again:
        return {}
    returned: dict[int, date] = {}
    lines = PaymentRunLine.objects.filter(returned_on__lte=day, returned_instalment_ids__overlap=again)
    for ids, on in lines.order_by("returned_on").values_list("returned_instalment_ids", "returned_on"):
        returned.update({pk: on for pk in ids if pk in again})
    return returned


def instalment_label(instalment: Instalment, day: date, returned_on: date | None = None) -> str:
    """What an instalment is on ``day``, in words: "Paid on 4 January 2027", "Sent to the
    bank, to be paid on 4 January 2027", "In a payment run, to be paid on 4 January 2027",
    "Due", "Scheduled" or "Released"; one the bank returned on ``returned_on``
    (``returned_by_bank``) and not yet in a run again is "Returned by the bank on 7
    December 2026, to be paid again"."""
    state = instalment_state(instalment, day)
    if returned_on is not None and state in (DUE, SCHEDULED):
        return f"Returned by the bank on {returned_on:%-d %B %Y}, to be paid again"
    run = instalment.payment_run
    if state == PAID and run is not None and run.paid_on is not None:
        return f"Paid on {run.paid_on:%-d %B %Y}"
    if state == PAID:
        paid_on = _paid_before_return(instalment, day)
        return f"Paid on {paid_on:%-d %B %Y}" if paid_on else STATE_LABELS[PAID]
    if state == SENT and run is not None:
        return f"Sent to the bank, to be paid on {run.pay_on:%-d %B %Y}"
    if state == IN_RUN and run is not None:
        return f"In a payment run, to be paid on {run.pay_on:%-d %B %Y}"
    return STATE_LABELS[state]
