"""What every write to a payment run after it is confirmed shares (``payment_runs``: sent,
paid; ``payment_returns``: a line returned, the run failed), written once:

- ``payment_run_lock``: the run, its pool locked first and then the run (the order every
  run write takes), optionally checked against ``PAYMENT_RUN_TRANSITIONS``;
- ``payment_run_post`` and ``payment_run_posting``: a posting against the run's pool keyed by
  the run and the step (``<body>:payment-run:<run>:<step>``), and finding one;
- ``payment_run_move``: the run moved to its new status with the step's fields, saved and
  audited (before and after) in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ConflictError, NotFound
from core.locking import lock_rows
from pooling.error_codes import PoolingError
from pooling.models import PAYMENT_RUN_TRANSITIONS, PaymentRun, Pool, Transaction, TransactionKind
from pooling.services.ledger import LegSpec, post


def payment_run_refused(run: PaymentRun, why: str) -> ConflictError:
    """``run_transition_not_allowed``: "Payment run 12 is <its status>: <why>."."""
    return ConflictError(
        f"Payment run {run.pk} is {run.get_status_display().lower()}: {why}.",
        code=PoolingError.RUN_TRANSITION_NOT_ALLOWED,
    )


def payment_run_lock(*, payment_run_id: int, to: str | None = None, refusal: str = "") -> PaymentRun:
    """The run (with its pool), the pool locked first and then the run. With ``to``, a step
    ``PAYMENT_RUN_TRANSITIONS`` does not allow from the run's status is refused, saying
    ``refusal`` (or that the run cannot be marked ``to``). Must run inside the caller's
    tenant context and transaction; a run not in this tenant is ``NotFound``."""
    run = PaymentRun.objects.filter(pk=payment_run_id).only("pk", "pool_id").first()
    if run is None:
        raise NotFound("No such payment run.")
    lock_rows(Pool.objects).filter(pk=run.pool_id).first()
    locked = lock_rows(PaymentRun.objects).select_related("pool").get(pk=payment_run_id)
    if to is not None and (locked.status, to) not in PAYMENT_RUN_TRANSITIONS:
        raise payment_run_refused(locked, refusal or f"it cannot be marked {PaymentRun.Status(to).label.lower()}")
    return locked


def _posting_key(tenant: ResponsibleBody, run: PaymentRun, step: str) -> str:
    return f"{tenant.pk}:payment-run:{run.pk}:{step}"


def payment_run_posting(*, tenant: ResponsibleBody, run: PaymentRun, step: str) -> Transaction | None:
    """The run's posting for ``step`` (``payment``, ``failed``...), if it was posted."""
    return Transaction.objects.filter(idempotency_key=_posting_key(tenant, run, step)).first()


def payment_run_post(
    *,
    actor: User | None,
    tenant: ResponsibleBody,
    run: PaymentRun,
    step: str,
    kind: TransactionKind,
    posted_on: date,
    description: str,
    legs: list[LegSpec],
) -> Transaction:
    """Post ``legs`` to the run's pool for one step of the run, once (keyed by run and step)."""
    txn, _ = post(
        actor=actor,
        tenant=tenant,
        pool=run.pool,
        kind=kind,
        posted_on=posted_on,
        description=description,
        idempotency_key=_posting_key(tenant, run, step),
        source_type="payment_run",
        source_id=str(run.pk),
        legs=legs,
    )
    return txn


def payment_run_move(
    *,
    actor: User | None,
    tenant: ResponsibleBody,
    run: PaymentRun,
    to: str,
    changes: Mapping[str, Any],
    verb: AuditVerb,
    label: str,
    after: Mapping[str, Any],
) -> None:
    """``run`` (locked, its step checked by ``payment_run_lock``) moved to ``to`` with the
    step's ``changes`` (field: value), saved with those fields only, and the step audited:
    before, the status it left; after, the new status and ``after``."""
    was = run.status
    run.status = to
    for name, value in changes.items():
        setattr(run, name, value)
    run.save(update_fields=["status", *changes])
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=verb,
        obj=run,
        label=label,
        before={"status": was},
        after={"status": run.status, **after},
    )
