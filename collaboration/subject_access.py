"""What collaboration puts in a pupil's subject-access zip (registered with
``core.subject_access`` by ``CollaborationConfig.ready()``): for each case, the peer-advice
requests on it, every message of each, and the emails sent about them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts.models import ResponsibleBody
from collaboration.models import AdviceMessage, AdviceRequest
from core.subject_access import export_row
from notifications.models import Notification


def collaboration_export_for_case(*, tenant: ResponsibleBody, case_id: int) -> dict[str, list[dict[str, Any]]]:
    requests = list(AdviceRequest.objects.filter(case_id=case_id).order_by("pk"))
    exported = []
    for request in requests:
        row = export_row(request, exclude=("case",))
        row["messages"] = [
            export_row(m, exclude=("advice_request",))
            for m in AdviceMessage.objects.filter(advice_request=request).order_by("created_at", "pk")
        ]
        exported.append(row)
    about = Q(pk__in=[])
    for request in requests:
        about |= Q(dedupe_key__contains=f":advice {request.pk}:")
    notifications = [export_row(n, exclude=("digest",)) for n in Notification.objects.filter(about).order_by("pk")]
    return {"advice_requests": exported, "notifications": notifications}
