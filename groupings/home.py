"""The body administrator's home: the grouping's policy in force, and how to change it."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from accounts.models import ResponsibleBody, Role
from accounts.policy import BodyAccess
from accounts.web import WorkItem
from groupings.selectors import policy_in_force


def policy_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    if Role.BODY_ADMIN not in access.roles:
        return []
    policy = policy_in_force(tenant=body, on=timezone.localdate())
    return [
        WorkItem(
            "Grouping policy",
            "",
            f"Version {policy.version} in force since {policy.effective_from:%-d %B %Y}"
            if policy is not None
            else "No policy is in force yet: cases cannot be decided until one is published.",
            "See the policy",
            reverse("groupings:policy", kwargs={"body_slug": body.slug}),
        )
    ]
