"""What a finance officer reads to recover money from schools: for a period, every award
that paid money out of it (to record a recovery against any of them), and among them, for
the year-end close, those that paid while an intended outcome of the case is not met."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import ResponsibleBody
from core.money import format_pence
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Outcome
from pooling.close_checks import CloseListing
from pooling.models import Instalment, Pool
from pooling.selectors.paid import paid_q
from pooling.selectors.recoveries import recovered_by_source


@dataclass(frozen=True)
class RecoveryRow:
    award: Award
    paid_pence: int  # what the award has paid the school, in every period
    recovered_pence: int
    results: list[str]  # the results of the case's outcomes ("not recorded" where none)

    @property
    def recoverable_pence(self) -> int:
        return self.paid_pence - self.recovered_pence

    @property
    def result_labels(self) -> list[str]:
        labels = dict(Outcome.Result.choices)
        return [str(labels.get(r, r)) for r in self.results]

    @property
    def outcomes_not_met(self) -> bool:
        return any(r != Outcome.Result.ACHIEVED for r in self.results)


def awards_paid_from_pool(*, tenant: ResponsibleBody, pool: Pool) -> list[RecoveryRow]:
    """Every award that has paid the school money (by today, ``pooling.selectors.paid``)
    and belongs to ``pool``: decided from it, or paid by one of its runs (an award that ran
    on after its first period closed is paid by the next one's runs). School by school;
    four queries whatever the number of awards."""
    with tenant_context(tenant):
        today = timezone.localdate()
        of_pool = Award.objects.filter(pool=pool).values_list("pk", flat=True)
        paid_by_pool = Instalment.objects.filter(
            paid_q(today), schedule__source_type="award", payment_run__pool=pool
        ).values_list("schedule__source_id", flat=True)
        refs = {str(pk) for pk in of_pool} | set(paid_by_pool)
        paid = {
            row["schedule__source_id"]: int(row["total"])
            for row in Instalment.objects.filter(
                paid_q(today), schedule__source_type="award", schedule__source_id__in=refs
            )
            .values("schedule__source_id")
            .annotate(total=Sum("amount_pence"))
            .order_by()
        }
        recovered = recovered_by_source(source_type="award", source_ids=list(paid))
        awards = (
            Award.objects.filter(pk__in=[int(k) for k in paid if k.isdigit()])
            .select_related("case", "school", "pool")
            .prefetch_related("case__outcomes")
            .order_by("school__name", "pk")
        )
        return [
            RecoveryRow(
                award=award,
                paid_pence=paid[str(award.pk)],
                recovered_pence=recovered.get(str(award.pk), 0),
                results=sorted({o.result or "not recorded" for o in award.case.outcomes.all()}),
            )
            for award in awards
        ]


def awards_to_consider_for_recovery(*, tenant: ResponsibleBody, pool: Pool) -> list[RecoveryRow]:
    """For the year-end close: the awards of ``awards_paid_from_pool`` that paid while an
    intended outcome of the case is not achieved (partly, not yet, or not recorded)."""
    return [row for row in awards_paid_from_pool(tenant=tenant, pool=pool) if row.outcomes_not_met]


def recovery_close_listing(tenant: ResponsibleBody, pool: Pool) -> CloseListing:
    """The year-end close page's list of ``awards_to_consider_for_recovery``
    (``pooling.close_checks``), with the way to the page that records a recovery."""
    rows = awards_to_consider_for_recovery(tenant=tenant, pool=pool)
    return CloseListing(
        key="recovery-candidates",
        heading="Awards to consider for recovery",
        intro="Awards that paid the school money from this period while an intended outcome of the case is not "
        "achieved (partly, not yet, or not recorded). Consider recovering unspent money before you close.",
        columns=("School", "Case", "Outcomes", "Paid", "Can still be recovered"),
        rows=[
            (
                row.award.school.name,
                row.award.case.reference,
                ", ".join(row.result_labels),
                format_pence(row.paid_pence),
                format_pence(row.recoverable_pence),
            )
            for row in rows
        ],
        numeric_from=3,
        link_url=reverse("cases:recovery-candidates", kwargs={"body_slug": tenant.slug, "pool_id": pool.pk}),
        link_text="Record a recovery from a school",
        empty="No award paid money from this period with an outcome not achieved.",
    )
