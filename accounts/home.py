"""The body administrator's home: the people who have a role in the body (the grouping's
policy in force is the groupings app's panel)."""

from __future__ import annotations

from django.urls import reverse

from accounts import selectors
from accounts.models import ResponsibleBody
from accounts.policy import Action, BodyAccess
from accounts.web import WorkItem


def admin_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    if not access.can(Action.MANAGE_MEMBERS):
        return []
    memberships = list(selectors.membership_list(tenant=body))
    people = len({m.user_id for m in memberships})
    roles = len(memberships)
    return [
        WorkItem(
            "People with a role here",
            str(people),
            f"{roles} role{'s' if roles != 1 else ''} held; invite someone, or end a role when they leave",
            "Manage people",
            reverse("accounts:people", kwargs={"body_slug": body.slug}),
        ),
    ]
