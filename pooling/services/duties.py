"""Segregation of duties in payments: a grouping-policy setting, on by default."""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import ResponsibleBody, User
from core.errors import ConflictError
from groupings.selectors import policy_in_force
from pooling.error_codes import PoolingError
from pooling.models import Instalment, Transaction, TransactionKind

# source ids and an email -> the ids among them that person decided (one query). The ledger
# knows nothing of cases, so the app that owns a source registers who decides it: a decision
# that moved no money (a reconsideration upheld at the same amount) has no posting of its own.
Deciders = Callable[[list[str], str], set[str]]
_DECIDERS: dict[str, Deciders] = {}


def register_source_deciders(source_type: str, deciders: Deciders) -> None:
    _DECIDERS[source_type] = deciders


def segregation_check(*, actor: User, tenant: ResponsibleBody, due: list[Instalment]) -> None:
    """Under the policy in force today (``groupings.selectors.policy_in_force``, which varying
    an award reads too; segregation of duties on by default), the person who committed an
    award's money (decided it, or varied it) may not confirm a run that pays it. The award's
    commitment postings carry their email; the cases app's registered
    ``Deciders`` add the officers of its decisions that posted nothing."""
    policy = policy_in_force(tenant=tenant)
    if policy is not None and not policy.segregation_of_duties:
        return
    awards = {i.schedule.source_id for i in due if i.schedule.source_type == "award"}
    posted = set(
        Transaction.objects.filter(
            kind=TransactionKind.COMMITMENT, source_type="award", source_id__in=awards, actor_label=actor.email
        ).values_list("source_id", flat=True)
    )
    deciders = _DECIDERS.get("award")
    if deciders is not None and awards:
        posted |= deciders(sorted(awards), actor.email)
    decided = sorted(
        posted,
        key=lambda source_id: (not source_id.isdigit(), int(source_id) if source_id.isdigit() else 0, source_id),
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
