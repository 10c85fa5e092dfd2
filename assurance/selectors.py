"""Reads for auditors: their samples and, for a sampled transaction, its chain down to the
decision and the case: transaction and legs → award → decision → case summary and the
list of its documents (names and checksums only; auditors get no pupil identity and no
document download here). A payment's chain is every award the payment run paid; a
reversal's is the chain of the transaction it reverses."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet, Sum

from accounts.models import ResponsibleBody
from assurance.models import AuditSample
from core.errors import NotFound
from core.tenancy import tenant_context
from core.text import ascii_digits
from exceptional_resource.models import Award, Case, CaseDocument, Decision, Outcome, ResourceLine
from groupings.policy_defaults import AREAS_OF_NEED, need_labels
from pooling.models import Instalment, InstalmentSchedule, Leg, Transaction

MAX_AWARDS_IN_CHAIN = 50


def audit_sample_list(*, tenant: ResponsibleBody) -> QuerySet[AuditSample]:
    return AuditSample.objects.for_tenant(tenant).select_related("pool").order_by("-drawn_at", "-id")


def audit_sample_get(*, tenant: ResponsibleBody, auditsample_id: int) -> AuditSample:
    sample = audit_sample_list(tenant=tenant).filter(pk=auditsample_id).first()
    if sample is None:
        raise NotFound("No such sample.")
    return sample


def audit_sample_transactions(*, tenant: ResponsibleBody, sample: AuditSample) -> list[Transaction]:
    """The sampled transactions in the drawn order, each with its legs' total debits."""
    with tenant_context(tenant):
        return list(
            Transaction.objects.filter(pk__in=sample.transaction_ids)
            .annotate(debits_pence=Sum("legs__amount_pence", filter=Q(legs__amount_pence__gt=0)))
            .order_by("id")
        )


@dataclass
class CaseSummary:
    case: Case
    need_label: str
    requested_pence: int
    outcomes: int
    documents: list[CaseDocument]


@dataclass
class ChainLink:
    award: Award
    decision: Decision
    summary: CaseSummary


@dataclass
class Chain:
    transaction: Transaction
    legs: list[Leg]
    links: list[ChainLink] = field(default_factory=list)
    followed: Transaction | None = None  # the original, when this is a reversal
    note: str = ""
    more_awards: int = 0


def transaction_chain(*, tenant: ResponsibleBody, sample: AuditSample, transaction_id: int) -> Chain:
    """The chain of a transaction in ``sample`` (404 for any other transaction)."""
    if transaction_id not in sample.transaction_ids:
        raise NotFound("That transaction is not in this sample.")
    with tenant_context(tenant):
        txn = Transaction.objects.for_tenant(tenant).filter(pk=transaction_id).select_related("pool").first()
        if txn is None:
            raise NotFound("No such transaction.")
        legs = list(txn.legs.select_related("account", "school").order_by("-amount_pence", "id"))
        for leg in legs:  # shown as debit and credit columns, both positive
            leg.debit_pence = max(leg.amount_pence, 0)
            leg.credit_pence = max(-leg.amount_pence, 0)
        chain = Chain(transaction=txn, legs=legs)
        source = txn
        if txn.source_type == "transaction" and txn.reverses_id is not None:
            chain.followed = Transaction.objects.for_tenant(tenant).filter(pk=txn.reverses_id).first()
            source = chain.followed or txn
        award_ids = _award_ids(tenant=tenant, source=source)
        chain.more_awards = max(0, len(award_ids) - MAX_AWARDS_IN_CHAIN)
        awards = (
            Award.objects.for_tenant(tenant)
            .filter(pk__in=award_ids[:MAX_AWARDS_IN_CHAIN])
            .select_related("decision", "case", "case__school", "case__pupil", "case__policy", "school")
            .prefetch_related(
                Prefetch("case__resource_lines", queryset=ResourceLine.objects.for_tenant(tenant)),
                Prefetch("case__outcomes", queryset=Outcome.objects.for_tenant(tenant)),
                Prefetch(
                    "case__documents", queryset=CaseDocument.objects.for_tenant(tenant).order_by("uploaded_at", "id")
                ),
            )
            .order_by("id")
        )
        chain.links = [ChainLink(award=a, decision=a.decision, summary=_summary(a.case)) for a in awards]
        if not chain.links:
            chain.note = _no_award_note(source)
    return chain


def _award_ids(*, tenant: ResponsibleBody, source: Transaction) -> list[int]:
    if source.source_type == "award" and ascii_digits(source.source_id):
        return [int(source.source_id)]
    if source.source_type == "payment_run" and ascii_digits(source.source_id):
        schedule_ids = (
            Instalment.objects.for_tenant(tenant)
            .filter(payment_run_id=int(source.source_id))
            .values_list("schedule_id", flat=True)
        )
        ids = (
            InstalmentSchedule.objects.for_tenant(tenant)
            .filter(pk__in=schedule_ids, source_type="award")
            .values_list("source_id", flat=True)
        )
        return sorted({int(i) for i in ids if ascii_digits(i)})
    return []


def _no_award_note(source: Transaction) -> str:
    what = {
        "contribution": "a member school's expected contribution",
        "contribution_reserve": "the urgent-case reserve set aside from contributions",
        "receipt": "a contribution received",
        "pool": "the period's carry-forward",
        "payment_run": "a payment run that paid no awards",
    }.get(source.source_type, f"{source.source_type} {source.source_id}")
    return f"This transaction records {what}: it is not caused by an award, so no decision or case lies behind it."


def _summary(case: Case) -> CaseSummary:
    """From the rows the chain's award query prefetched: no query per award."""
    labels = need_labels(case.policy.areas_of_need if case.policy is not None else AREAS_OF_NEED)
    return CaseSummary(
        case=case,
        need_label=labels.get(case.pupil.primary_need, case.pupil.primary_need),
        requested_pence=sum(line.total_pence for line in case.resource_lines.all()),
        outcomes=len(case.outcomes.all()),
        documents=list(case.documents.all()),
    )
