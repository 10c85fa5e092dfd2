"""What has been recovered from schools, source by source (an award): the ``recoveries``
legs of its recovery postings, net of those reversed in the ledger."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from pooling.models import AccountKind, Leg, Transaction, TransactionKind


def recovered_by_source(*, source_type: str, source_ids: Iterable[str]) -> dict[str, int]:
    """What has been recovered for each source (an award), in every pool of the body, net
    of recoveries reversed in the ledger (``transaction_reverse``: the reversal's source is
    the recovery, so it is matched through the recovery it reverses). One query."""
    ids = [str(i) for i in source_ids]
    of_source = Q(
        transaction__kind=TransactionKind.RECOVERY,
        transaction__source_type=source_type,
        transaction__source_id__in=ids,
    ) | Q(
        transaction__kind=TransactionKind.REVERSAL,
        transaction__reverses__kind=TransactionKind.RECOVERY,
        transaction__reverses__source_type=source_type,
        transaction__reverses__source_id__in=ids,
    )
    rows = (
        Leg.objects.filter(of_source, account__kind=AccountKind.RECOVERIES)
        .annotate(source=Coalesce("transaction__reverses__source_id", "transaction__source_id"))
        .values("source")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    )
    return {row["source"]: -int(row["total"]) for row in rows}


def recovered_pence(*, source_type: str, source_id: str) -> int:
    """What has been recovered for one source (an award), net of reversals."""
    return recovered_by_source(source_type=source_type, source_ids=[str(source_id)]).get(str(source_id), 0)


def recoveries_standing(*, source_type: str, source_id: str) -> list[Transaction]:
    """The source's recoveries not reversed, oldest first (to name them to the officer)."""
    return list(
        Transaction.objects.filter(
            kind=TransactionKind.RECOVERY, source_type=source_type, source_id=str(source_id), reversed_by__isnull=True
        )
        .prefetch_related("legs")
        .order_by("posted_on", "pk")
    )
