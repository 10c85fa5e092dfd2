"""What "paid" means, in one place. An instalment is **paid** when a confirmed payment run
has paid it and the run's payment date has come: the ledger posts the payment to
*payments made* on that date, so the award pages, the dashboard, the annex, the API and
the governance pack all say the same on the same day. Before that date it is **in a
payment run** (to be paid on the run's date); an instalment in no run is **scheduled**,
and **due** once its due date has come; **released** went back to the pool.

Every page and report that shows what has been paid reads it through these functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q

from pooling.selectors.ledger import Headroom, pool_headroom

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody
    from pooling.models import Instalment, Pool

PAID = "paid"
IN_RUN = "in_run"
DUE = "due"
SCHEDULED = "scheduled"
RELEASED = "released"

STATE_LABELS = {
    PAID: "Paid",
    IN_RUN: "In a payment run",
    DUE: "Due",
    SCHEDULED: "Scheduled",
    RELEASED: "Released",
}


def paid_q(day: date, prefix: str = "") -> Q:
    """Instalments paid by ``day`` (``prefix`` reaches instalments from another model)."""
    return Q(**{f"{prefix}status": "paid", f"{prefix}payment_run__pay_on__lte": day})


def in_run_q(day: date, prefix: str = "") -> Q:
    """Instalments a confirmed run will pay after ``day``."""
    return Q(**{f"{prefix}status": "paid", f"{prefix}payment_run__pay_on__gt": day})


def instalment_state(instalment: Instalment, day: date) -> str:
    """One of PAID, IN_RUN, DUE, SCHEDULED, RELEASED. Load ``payment_run`` with the row."""
    if instalment.status == "released":
        return RELEASED
    if instalment.status == "paid":
        run = instalment.payment_run
        return PAID if run is not None and run.pay_on <= day else IN_RUN
    return DUE if instalment.due_on <= day else SCHEDULED


def instalment_is_paid(instalment: Instalment, day: date) -> bool:
    return instalment_state(instalment, day) == PAID


def pool_headroom_on(*, tenant: ResponsibleBody, pool: Pool, day: date) -> Headroom:
    """The pool's headroom as every decision sees it (all postings), with *paid* meaning
    paid by ``day``: a confirmed run whose payment date is still to come counts as payable
    (in a payment run), not as paid."""
    whole = pool_headroom(tenant=tenant, pool=pool)
    paid = pool_headroom(tenant=tenant, pool=pool, as_at=day).paid_pence
    return replace(whole, paid_pence=paid, payable_pence=whole.payable_pence + whole.paid_pence - paid)


def instalment_label(instalment: Instalment, day: date) -> str:
    """What an instalment is on ``day``, in words: "Paid on 4 January 2027", "In a payment
    run, to be paid on 4 January 2027", "Due", "Scheduled" or "Released"."""
    state = instalment_state(instalment, day)
    run = instalment.payment_run
    if state == PAID and run is not None:
        return f"Paid on {run.pay_on:%-d %B %Y}"
    if state == IN_RUN and run is not None:
        return f"In a payment run, to be paid on {run.pay_on:%-d %B %Y}"
    return STATE_LABELS[state]
