"""Who decided an award, for the ledger's segregation of duties (``pooling.services.duties``)."""

from __future__ import annotations

from django.db.models import Q

from exceptional_resource.models import Decision


def awards_decided_by(award_ids: list[str], email: str) -> set[str]:
    """Of ``award_ids``, the awards ``email`` decided: made the decision that created the
    award, or a later one that acted on it (a reconsideration or a renewal, even one that
    moved no money). One query, inside the tenant's context."""
    ids = [int(i) for i in award_ids if i.isdigit()]
    if not ids or not email:
        return set()
    rows = Decision.objects.filter(Q(award__pk__in=ids) | Q(acts_on_award_id__in=ids), officer_label=email)
    found = set()
    for created, acted_on in rows.values_list("award__pk", "acts_on_award_id"):
        found |= {str(pk) for pk in (created, acted_on) if pk in ids}
    return found
