"""What collaboration erases when the retention job erases a case file (registered with
``core.erasure`` by ``CollaborationConfig.ready()``): the peer-advice requests on the case
(the question, every message, the adviser's grant and the emails about them), and every line
of the forum's free text (session agendas and notes, peer-review findings and responses,
agreed actions) that names the case or its pupil by reference."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q

from accounts.models import ResponsibleBody
from collaboration.models import (
    AdviceMessage,
    AdviceRequest,
    AdviceRequestUserObjectPermission,
    AgreedAction,
    ForumSession,
    PeerReview,
    PeerReviewFinding,
)
from core.erasure import ERASED_TEXT
from notifications.models import Notification

_FORUM_TEXT: list[tuple[type[Model], tuple[str, ...]]] = [
    (ForumSession, ("agenda", "notes")),
    (PeerReview, ("school_response",)),
    (PeerReviewFinding, ("text",)),
    (AgreedAction, ("description",)),
]


def _without_lines_naming(text: str, references: list[str]) -> tuple[str, int]:
    """``text`` with every line naming one of ``references`` erased, and how many lines that
    erased (a line erased by an earlier erasure is not counted again)."""
    lines = text.split("\n")
    kept = [ERASED_TEXT if any(ref.lower() in line.lower() for ref in references) else line for line in lines]
    return "\n".join(kept), sum(1 for old, new in zip(lines, kept, strict=True) if old != new)


def collaboration_erase_for_cases(
    *, tenant: ResponsibleBody, case_ids: list[int], references: list[str]
) -> dict[str, int]:
    requests = list(AdviceRequest.objects.filter(case_id__in=case_ids).exclude(question=ERASED_TEXT))
    request_ids = [r.pk for r in AdviceRequest.objects.filter(case_id__in=case_ids)]
    erased: dict[str, int] = {"advice_requests": 0, "advice_messages": 0, "forum_lines": 0}
    for request in requests:
        request.question = ERASED_TEXT
        request.save(update_fields=["question"])
        erased["advice_requests"] += 1
    erased["advice_messages"] = (
        AdviceMessage.objects.filter(advice_request_id__in=request_ids)
        .exclude(text=ERASED_TEXT)
        .update(text=ERASED_TEXT)
    )
    AdviceRequestUserObjectPermission.objects.filter(content_object_id__in=request_ids).delete()
    notified = Q(pk__in=[])
    for request_id in request_ids:
        notified |= Q(dedupe_key__contains=f":advice {request_id}:")
    Notification.objects.filter(notified).delete()
    if references:
        for model, fields in _FORUM_TEXT:
            naming = Q(pk__in=[])
            for field in fields:
                for ref in references:
                    naming |= Q(**{f"{field}__icontains": ref})
            for row in model._default_manager.filter(naming):
                changed: list[str] = []
                for field in fields:
                    value: Any = getattr(row, field)
                    cleaned, lines = _without_lines_naming(value, references)
                    if lines:
                        setattr(row, field, cleaned)
                        changed.append(field)
                        erased["forum_lines"] += lines
                if changed:
                    row.save(update_fields=changed)
    return erased
