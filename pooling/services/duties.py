"""Segregation of duties in payments: a grouping-policy setting, on by default."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from core.errors import ConflictError
from groupings.models import GroupingPolicy
from pooling.error_codes import PoolingError
from pooling.models import Instalment, Transaction, TransactionKind


def segregation_check(*, actor: User, due: list[Instalment]) -> None:
    """Under the policy in force (segregation of duties on by default), the person who
    committed an award's money (decided it, or varied it up) may not confirm a run that
    pays it. The ledger knows who: the award's commitment postings carry their email."""
    policy = GroupingPolicy.objects.filter(effective_from__lte=timezone.localdate()).order_by("-effective_from").first()
    if policy is not None and not policy.segregation_of_duties:
        return
    awards = {i.schedule.source_id for i in due if i.schedule.source_type == "award"}
    decided = sorted(
        set(
            Transaction.objects.filter(
                kind=TransactionKind.COMMITMENT, source_type="award", source_id__in=awards, actor_label=actor.email
            ).values_list("source_id", flat=True)
        ),
        key=lambda ref: (len(ref), ref),  # numeric ids in order, whatever the source's id looks like
    )
    if decided:
        raise ConflictError(
            f"You decided {'an award' if len(decided) == 1 else 'awards'} this run pays (award "
            f"{', '.join(decided)}): under the grouping's segregation of duties another finance officer must "
            "confirm it.",
            code=PoolingError.SEGREGATION_OF_DUTIES,
            extra={
                "awards": [int(a) if a.isdigit() else a for a in decided],
                "policy_version": policy.version if policy else None,
            },
        )
