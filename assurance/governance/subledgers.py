"""The subledgers against the ledger: instalments paid, payment runs and awards, each
checked by a handful of aggregate queries whatever the number of schools, runs or awards;
``reconciliation_failure`` names the first differences when a pack does not reconcile."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import BigIntegerField, CharField, Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast

from assurance.governance.lookups import account_kind, by_key, on_accounts_of, reversed_field, transaction_field
from assurance.governance.pack import Check
from core.money import format_pence
from core.text import ascii_digits
from exceptional_resource.models import Award
from pooling.models import (
    AccountKind,
    Instalment,
    Leg,
    PaymentRun,
    PaymentRunLine,
    Pool,
    Transaction,
    TransactionKind,
)
from pooling.selectors import headroom_from_balances

# --- The subledgers against the ledger ------------------------------------------------------
#
# Each figure below is checked against the ledger by a handful of aggregate queries, whatever
# the number of schools, runs or awards. Only a difference adds a line per run or award, so a
# pack that reconciles shows one line per check.


@dataclass
class RunFigures:
    """A payment run of the pool paid on or before the period end, and what it adds up to
    in the subledgers and the ledger."""

    run_id: int
    pay_on: date
    status: str
    total: int
    lines: int = 0
    instalments: int = 0
    posted: int = 0
    returned: int = 0  # lines the bank returned by the period end (their payment reversed)
    transactions: list[int] = field(default_factory=list)

    @property
    def confirmed(self) -> bool:
        """Paid (the only runs in the period): a paid run was confirmed and sent first."""
        return self.status == PaymentRun.Status.PAID

    @property
    def pays(self) -> int:
        """A paid run pays its total less what the bank returned; any other pays nothing."""
        return self.total - self.returned if self.confirmed else 0

    @property
    def label(self) -> str:
        state = "" if self.confirmed else f", {self.status}"
        return f"Payment run {self.run_id} (paid on {self.pay_on:%-d %B %Y}{state})"


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in sorted(ids))


def _paid_by_run(row: dict[str, Any]) -> str | None:
    """The run (id as text) whose payment a transaction's payments-made legs are: its
    ``payment`` posting from source ``payment_run`` (one per batch) or a reversal of one."""
    paying = (TransactionKind.PAYMENT, TransactionKind.PAYMENT_RETURNED)
    if row["kind"] in paying and row["source_type"] == "payment_run":
        return str(row["source_id"])
    if row["reverses_kind"] == TransactionKind.PAYMENT and row["reverses_source_type"] == "payment_run":
        return str(row["reverses_source_id"])
    return None


def payment_checks(*, pool: Pool, period_end: date, balances: dict[str, int]) -> list[Check]:
    """Instalments paid and payment runs against the ledger's payments made, as at the
    period end. A run is in the period when it was paid on or before the period end (its
    ``payment`` posting is dated the day it was paid, ``paid_on``; runs confirmed or sent
    to the bank but not paid have paid nothing: ``pooling.selectors.paid``). Instalments
    are counted by their run's pool, not their schedule's: closing a period moves a
    part-paid schedule to the next pool, while what was paid stays with the pool whose run
    paid it."""
    runs = {
        r["pk"]: RunFigures(run_id=r["pk"], pay_on=r["paid_on"], status=r["status"], total=int(r["total_pence"]))
        for r in PaymentRun.objects.filter(pool=pool, paid_on__lte=period_end).values(
            "pk", "paid_on", "status", "total_pence"
        )
    }
    # By the day paid, whatever the status says now: a run paid and then marked otherwise is
    # named below with what it pays against what was posted.
    in_period = Q(payment_run__pool=pool, payment_run__paid_on__lte=period_end)
    # Lines returned by the period end count as returned; a line returned after it had paid
    # its instalments as at the period end: they are due again now (in no run), and the
    # line keeps which they were (read only when there is such a line).
    returned_later = Q(returned_on__gt=period_end)
    later_runs = []
    for r in (
        PaymentRunLine.objects.filter(in_period)
        .values("payment_run_id")
        .annotate(
            total=Sum("amount_pence"),
            returned=Sum("amount_pence", filter=Q(returned_on__lte=period_end)),
            later=Count("pk", filter=returned_later),
        )
        .order_by()
    ):
        run_figures = runs[r["payment_run_id"]]
        run_figures.lines, run_figures.returned = int(r["total"]), int(r["returned"] or 0)
        if r["later"]:
            later_runs.append(r["payment_run_id"])
    later: list[tuple[int, list[int]]] = []
    if later_runs:
        later = list(
            PaymentRunLine.objects.filter(returned_later, payment_run_id__in=later_runs).values_list(
                "payment_run_id", "returned_instalment_ids"
            )
        )
    for r in (
        Instalment.objects.filter(in_period, status=Instalment.Status.PAID)
        .values("payment_run_id")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    ):
        runs[r["payment_run_id"]].instalments = int(r["total"])
    if later:
        amounts = dict(
            Instalment.objects.filter(pk__in=[i for _, ids in later for i in ids]).values_list("pk", "amount_pence")
        )
        for run_id, ids in later:
            runs[run_id].instalments += sum(int(amounts.get(i, 0)) for i in ids)
    # Every posting on the pool's payments-made account by the period end, one row per
    # transaction (a run's batches, reversals, anything else): what the balance is made of.
    unattributed: list[int] = []
    # Legs by the account, each leg's transaction and what it reverses by key (``lookups``).
    for r in (
        Leg.objects.filter(on_accounts_of(pool, AccountKind.PAYMENTS_MADE))
        .annotate(posted_on=transaction_field("posted_on"))
        .filter(posted_on__lte=period_end)
        .annotate(
            kind=transaction_field("kind"),
            source_type=transaction_field("source_type"),
            source_id=transaction_field("source_id"),
            reverses_kind=reversed_field("kind"),
            reverses_source_type=reversed_field("source_type"),
            reverses_source_id=reversed_field("source_id"),
        )
        .values(
            "transaction_id",
            "kind",
            "source_type",
            "source_id",
            "reverses_kind",
            "reverses_source_type",
            "reverses_source_id",
        )
        .annotate(total=Sum("amount_pence"))
        .order_by("transaction_id")
    ):
        run_ref = _paid_by_run(r)
        run = runs.get(int(run_ref)) if run_ref is not None and ascii_digits(run_ref) else None
        if run is None:
            unattributed.append(r["transaction_id"])
            continue
        run.posted -= int(r["total"])
        run.transactions.append(r["transaction_id"])

    ordered = sorted(runs.values(), key=lambda run: run.run_id)
    involved = []
    if differing := [run.run_id for run in ordered if run.instalments != run.posted]:
        involved.append(f"payment runs whose paid instalments differ from their payment postings: {_ids(differing)}")
    if unattributed:
        involved.append(
            "postings on payments made that are not the payment of a run of this pool paying by the period end: "
            f"transactions {_ids(unattributed)}"
        )
    confirmed = [run for run in ordered if run.confirmed]
    checks = [
        Check(
            "Paid instalments (payments made)",
            sum(run.instalments for run in ordered),
            headroom_from_balances(balances).paid_pence,
            says=("the instalments marked paid sum to", "the ledger's payments made show"),
            detail="; ".join(involved),
        ),
        Check(
            f"Payment runs: totals against their lines ({len(confirmed)} paid)",
            sum(run.total for run in confirmed),
            sum(run.lines for run in confirmed),
            says=("the paid runs' totals sum to", "their lines sum to"),
        ),
        Check(
            "Payment runs: totals against paid instalments",
            sum(run.pays for run in ordered),
            sum(run.instalments for run in ordered),
            says=("the paid runs' totals sum to", "the instalments they paid sum to"),
        ),
        Check(
            "Payment runs: totals against payment postings",
            sum(run.pays for run in ordered),
            sum(run.posted for run in ordered),
            says=("the paid runs' totals sum to", "their payment postings credit payments made with"),
        ),
    ]
    for run in ordered:
        pays = "its total is" if run.confirmed else f"being {run.status}, it pays"
        if run.confirmed and run.total != run.lines:
            checks.append(
                Check(f"{run.label}, total against its lines", run.total, run.lines, says=(pays, "its lines sum to"))
            )
        if run.pays != run.instalments:
            checks.append(
                Check(
                    f"{run.label}, total against its paid instalments",
                    run.pays,
                    run.instalments,
                    says=(pays, "the instalments it paid sum to"),
                )
            )
        if run.pays != run.posted:
            checks.append(
                Check(
                    f"{run.label}, total against its payment postings",
                    run.pays,
                    run.posted,
                    says=(pays, "its payment postings credit payments made with"),
                    detail=f"transactions {_ids(run.transactions)}" if run.transactions else "no payment posted",
                )
            )
    return checks


def _awards_legs_total(transaction_id: Any) -> Subquery:
    """The sum of one transaction's legs on an awards account (NULL when it has none): its
    legs by their transaction index, each leg's account by its key."""
    return Subquery(
        by_key(Leg)
        .filter(transaction_id=transaction_id)
        .annotate(account_kind=account_kind())
        .filter(account_kind=AccountKind.AWARDS)
        .order_by()
        .values("transaction_id")
        .annotate(total=Sum("amount_pence"))
        .values("total"),
        output_field=BigIntegerField(),
    )


def _net_commitments(award_ids: list[str]) -> dict[str, int]:
    """Each award's net commitment in the ledger (award id as text to pence), in one query
    that starts from the awards' own transactions (by source) and reaches everything else
    from each by key (``lookups``): its awards legs, what it reverses, its reversal and that
    one's legs. Joined the other way (legs to transactions to what they reverse), it walked
    every leg and, for each, every award transaction when statistics counted the ledger as
    empty: 88-96 s per query on demo-scale data. A transaction that itself reverses an award's
    transaction counts for the award it reverses (as that one's reversal), not its own
    source."""
    reversal = Subquery(by_key(Transaction).filter(reverses_id=OuterRef(OuterRef("pk"))).order_by().values("pk"))
    rows = (
        Transaction.objects.filter(source_type="award", source_id__in=award_ids)
        .annotate(
            reverses_source=transaction_field("source_type", OuterRef("reverses_id")),
            own=_awards_legs_total(OuterRef("pk")),
            reversed=_awards_legs_total(reversal),
        )
        .order_by()
        .values_list("source_id", "reverses_source", "own", "reversed")
    )
    net: dict[str, int] = defaultdict(int)
    for award_ref, reverses_source, own, reversed_ in rows:
        if reverses_source != "award":
            net[award_ref] += int(own or 0)
        net[award_ref] += int(reversed_ or 0)
    return net


def award_checks(*, pool: Pool) -> list[Check]:
    """Each award of the pool against its commitment in the ledger, as they stand now (an
    award's amount is not dated). The ledger's net commitment is the sum of its ``awards``
    legs in any of the body's pools (a change after the period closes posts to the pool its
    schedule moved to), from transactions of source ``award`` and this award's id
    (commitment, variations up and down, releases) and reversals of them. Varying an award
    posts the change and sets its amount to the new total; ending it early releases its
    unpaid instalments due after the end (status ``released``) and exactly their sum from
    the commitment, and leaves its amount as it was. So an active award's amount is its net
    commitment, and an ended one's is its net commitment plus its released instalments."""
    of_pool = Award.objects.filter(pool=pool)
    awards = list(of_pool.values_list("pk", "amount_pence", "status").order_by("pk"))
    refs = of_pool.annotate(ref=Cast("pk", output_field=CharField())).values("ref")
    net = _net_commitments([str(pk) for pk, _amount, _status in awards])
    released = {
        r["schedule__source_id"]: int(r["total"])
        for r in Instalment.objects.filter(
            status=Instalment.Status.RELEASED, schedule__source_type="award", schedule__source_id__in=refs
        )
        .values("schedule__source_id")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    }
    amounts = commitments = 0
    differing: list[Check] = []
    for award_id, amount, status in awards:
        committed = net.get(str(award_id), 0)
        ended_early = released.get(str(award_id), 0) if status == Award.Status.ENDED else 0
        amounts += amount
        commitments += committed + ended_early
        if amount != committed + ended_early:
            ledger_says = "its net commitment in the ledger is"
            if status == Award.Status.ENDED:
                ledger_says = (
                    f"its net commitment in the ledger ({format_pence(committed)}) plus the instalments released "
                    f"when it ended ({format_pence(ended_early)}) come to"
                )
            differing.append(
                Check(f"Award {award_id}", amount, committed + ended_early, says=("its amount is", ledger_says))
            )
    summary = Check(
        f"Awards: amounts against net commitments ({len(awards)} awards)",
        amounts,
        commitments,
        says=(
            "the awards' amounts sum to",
            "their net commitments in the ledger, plus the instalments released when they ended early, come to",
        ),
    )
    return [summary, *differing]


# The run's error message is stored up to 4,000 characters: name this many differences.
FAILURES_NAMED = 20


def reconciliation_failure(checks: list[Check]) -> str:
    failed = [c for c in checks if not c.ok]
    details = "; ".join(
        f"{c.name}: {c.says[0]} {format_pence(c.pack_pence)} but {c.says[1]} {format_pence(c.ledger_pence)}"
        + (f" ({c.detail})" if c.detail else "")
        for c in failed[:FAILURES_NAMED]
    )
    if len(failed) > FAILURES_NAMED:
        details += f"; and {len(failed) - FAILURES_NAMED} more differences"
    return f"The governance pack does not reconcile to the ledger, so it was not produced. {details}."
