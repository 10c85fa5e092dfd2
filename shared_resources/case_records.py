"""What shared resources hold about a case (a school's request for a share of a resource,
optionally for one of its cases), for the retention job and the subject-access zip. Both
are registered with core's registries by ``SharedResourcesConfig.ready()``
(``core.erasure``, ``core.subject_access``), so the cases app never imports this app's
services and the app graph stays one-way.

Erasing a case blanks the free text of its requests (the school's note, the allocator's
decision reason) and keeps the units, dates, statuses and allocations."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts.models import ResponsibleBody
from core.erasure import ERASED_TEXT
from core.subject_access import export_row
from shared_resources.models import ResourceRequest


def shared_resources_erase_for_cases(
    *, tenant: ResponsibleBody, case_ids: list[int], references: list[str]
) -> dict[str, int]:
    requests = ResourceRequest.objects.filter(case_id__in=case_ids)
    notes = requests.exclude(Q(note="") | Q(note=ERASED_TEXT)).update(note=ERASED_TEXT)
    # A refusal keeps a (now erased) reason: the table requires one on a declined request.
    reasons = requests.exclude(Q(decision_reason="") | Q(decision_reason=ERASED_TEXT)).update(
        decision_reason=ERASED_TEXT
    )
    return {"request_notes": notes, "decision_reasons": reasons}


def shared_resources_export_for_case(*, tenant: ResponsibleBody, case_id: int) -> dict[str, list[dict[str, Any]]]:
    requests = ResourceRequest.objects.filter(case_id=case_id).select_related("resource").order_by("pk")
    return {"resource_requests": [{**export_row(r, exclude=("case",)), "resource": r.resource.name} for r in requests]}
