"""The governance pack's recoveries: money recovered from schools into the pool, award by
award, and the check that they add up to the ledger's ``recoveries`` account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F

from exceptional_resource.models import Award
from pooling.models import AccountKind, Leg, Pool, TransactionKind


@dataclass(frozen=True)
class RecoveryRow:
    posted_on: date
    school: str
    award_id: int | None
    case_reference: str
    award_pool: str
    amount_pence: int
    description: str
    pool_label: str

    @property
    def carried_forward(self) -> bool:
        """Recovered into this pool for an award paid from an earlier, closed one."""
        return bool(self.award_pool) and self.award_pool != self.pool_label


def recovery_rows(*, pool: Pool, period_end: date) -> list[RecoveryRow]:
    """Every recovery posted to the pool by the period end (one query, plus one for the awards)."""
    legs = list(
        Leg.objects.filter(
            account__pool=pool,
            account__kind=AccountKind.RECOVERIES,
            transaction__posted_on__lte=period_end,
        )
        .annotate(
            posted_on=F("transaction__posted_on"),
            kind=F("transaction__kind"),
            source_type=F("transaction__source_type"),
            source_id=F("transaction__source_id"),
            description=F("transaction__description"),
            school_name=F("school__name"),
        )
        .values("posted_on", "kind", "source_type", "source_id", "description", "school_name", "amount_pence")
        .order_by("transaction__posted_on", "transaction_id")
    )
    ids = {int(r["source_id"]) for r in legs if r["source_type"] == "award" and str(r["source_id"]).isdigit()}
    awards = {a.pk: a for a in Award.objects.filter(pk__in=ids).select_related("case", "pool")}
    rows = []
    for r in legs:
        linked = r["source_type"] == "award" and str(r["source_id"]).isdigit()
        award = awards.get(int(r["source_id"])) if linked else None
        reversal = r["kind"] != TransactionKind.RECOVERY
        rows.append(
            RecoveryRow(
                posted_on=r["posted_on"],
                school=r["school_name"] or "Not attributed to a school",
                award_id=award.pk if award else None,
                case_reference=award.case.reference if award else "",
                award_pool=award.pool.label if award else "",
                amount_pence=-int(r["amount_pence"]),  # a credit: money recovered is positive here
                description=f"{r['description']} (reversal)" if reversal else r["description"],
                pool_label=pool.label,
            )
        )
    return rows


def recovery_total(rows: list[RecoveryRow]) -> int:
    return sum(r.amount_pence for r in rows)
