"""The partnership lead's home: the partnership, its plan and its sufficiency dashboard."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import ResponsibleBody, Role
from accounts.policy import BodyAccess
from accounts.web import WorkItem


def lead_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    if Role.PARTNERSHIP_LEAD not in access.roles:
        return []
    return [
        WorkItem(
            "Your local SEND partnership",
            "",
            "The partnership's members, the local inclusion plan, specialist provision and the sufficiency dashboard.",
            "Open the partnership",
            reverse("partnerships:home", kwargs={"body_slug": body.slug}),
        )
    ]
