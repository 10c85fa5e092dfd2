"""What the forum puts on each person's home page: their own open actions (the earliest
due first, agreed at a session or a peer review) and the sessions still to come that they
organise or are going to. Three queries whatever the number of rows."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from accounts.models import ResponsibleBody
from accounts.policy import Action, BodyAccess
from accounts.web import WorkItem
from collaboration.selectors.forum import open_actions_for, upcoming_sessions_for

SHOWN = 5


def forum_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    if not access.can(Action.COLLABORATE):
        return []
    items: list[WorkItem] = []
    # Of each action, what its line says (read as values: not the session, the peer review
    # and its school in full).
    actions = list(
        open_actions_for(tenant=body, user=access.user).values(
            "description", "due_on", "session_id", "session__title", "peer_review__school__name"
        )[: SHOWN + 1]
    )
    my_actions = reverse("collaboration:my-actions", kwargs={"body_slug": body.slug})
    for action in actions[:SHOWN]:
        if action["session_id"] is not None:
            where = f"Agreed at the session “{action['session__title']}”."
        else:
            # agreed_action_one_parent: an action without a session belongs to a peer review.
            where = f"Agreed at the peer review of {action['peer_review__school__name']}."
        items.append(
            WorkItem(
                f"Your action: {action['description']}",
                f"due {action['due_on']:%-d %B %Y}",
                where,
                "See your actions and mark them done",
                my_actions,
            )
        )
    if len(actions) > SHOWN:
        items.append(
            WorkItem("More open actions", "", "You have more open actions.", "See all your actions", my_actions)
        )
    sessions = upcoming_sessions_for(tenant=body, user=access.user, limit=3)
    for session in sessions:
        items.append(
            WorkItem(
                f"Session: {session.title}",
                f"{timezone.localtime(session.starts_at):%-d %B %Y, %H:%M}",
                f"{session.get_purpose_display()} at {session.place}.",
                "Open the session",
                reverse("collaboration:session", kwargs={"body_slug": body.slug, "forumsession_id": session.pk}),
            )
        )
    return items
