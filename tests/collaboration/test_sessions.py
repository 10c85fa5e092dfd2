"""Sessions: who organises (body staff; a SENDCO only by policy), invitations confirmed or
declined, notes, shared files through the upload checks, actions tracked to done and shown
on the owner's home page, each transition audited, and bad input refused with nothing written."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from collaboration.models import AgreedAction, ForumSession, SessionInvitation, SessionMaterial
from collaboration.services.actions import action_assign, action_complete
from collaboration.services.sessions import (
    session_cancel,
    session_invitation_accept,
    session_invitation_decline,
    session_mark_held,
    session_material_add,
    session_material_open,
    session_notes_save,
    session_schedule,
)
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from groupings.services.policy import policy_version_create
from tests.collaboration.conftest import Forum, login
from tests.exceptional_resource.evidence_files import EXE, PDF
from tests.factories import member, own_academy

TODAY = date(2026, 12, 1)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]


@pytest.fixture(autouse=True)
def private_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_VIRUS_SCANNER = "tests.exceptional_resource.evidence_files.EicarScanner"
    return tmp_path


def at(days: int, hour: int = 15) -> datetime:
    return timezone.make_aware(datetime.combine(TODAY + timedelta(days=days), datetime.min.time())).replace(hour=hour)


def schedule(f: Forum, **overrides: Any) -> ForumSession:
    values: dict[str, Any] = {
        "purpose": "moderation",
        "title": "Moderating provision maps",
        "starts_at": at(7),
        "ends_at": at(7, 17),
        "place": "Meadow Academy library",
        "agenda": "1. Two maps each",
        "invitee_ids": [f.sendco.user.pk, f.peer.user.pk],
    }
    values.update(overrides)
    return session_schedule(actor=f.admin.user, tenant=f.scene.body, **values)


def verbs(f: Forum) -> list[str]:
    with tenant_context(f.scene.body):
        return list(
            AuditEvent.objects.filter(verb__startswith="session.").order_by("id").values_list("verb", flat=True)
        ) + list(
            AuditEvent.objects.filter(verb__startswith="forum_action.").order_by("id").values_list("verb", flat=True)
        )


def test_body_staff_schedule_and_invitees_confirm_or_decline(forum: Forum) -> None:
    session = schedule(forum)
    body = forum.scene.body
    with tenant_context(body):
        assert list(SessionInvitation.objects.order_by("invitee_id").values_list("invitee_id", "response")) == sorted(
            [(forum.sendco.user.pk, "invited"), (forum.peer.user.pk, "invited")]
        )
        assert session.policy_version == 1
    session_invitation_accept(actor=forum.peer.user, tenant=body, session_id=session.pk)
    session_invitation_decline(actor=forum.sendco.user, tenant=body, session_id=session.pk)
    with pytest.raises(ApplicationError) as again:
        session_invitation_accept(actor=forum.peer.user, tenant=body, session_id=session.pk)
    assert again.value.code == "transition_not_allowed"
    session_invitation_accept(actor=forum.sendco.user, tenant=body, session_id=session.pk)  # changed their mind
    with pytest.raises(NotFound):
        session_invitation_accept(actor=forum.third_head.user, tenant=body, session_id=session.pk)
    with tenant_context(body):
        responses = dict(SessionInvitation.objects.values_list("invitee_id", "response"))
    assert responses == {forum.sendco.user.pk: "accepted", forum.peer.user.pk: "accepted"}
    assert verbs(forum) == [
        "session.scheduled",
        "session.invitation_accepted",
        "session.invitation_declined",
        "session.invitation_accepted",
    ]


def test_coming_sessions_show_on_the_home_page_until_declined(forum: Forum) -> None:
    schedule(forum)
    home = reverse("accounts:body-home", kwargs={"body_slug": forum.scene.body.slug})
    sendco = login(forum.sendco)
    assert "Session: Moderating provision maps" in sendco.get(home).content.decode()
    assert "Session: Moderating provision maps" in login(forum.admin).get(home).content.decode()  # the organiser
    assert "Session: Moderating provision maps" not in login(forum.third_head).get(home).content.decode()
    with tenant_context(forum.scene.body):
        session_id = ForumSession.objects.get().pk
    session_invitation_decline(actor=forum.sendco.user, tenant=forum.scene.body, session_id=session_id)
    assert "Session: Moderating provision maps" not in sendco.get(home).content.decode()


def test_too_many_invitees_are_refused(forum: Forum) -> None:
    people = [member(Role.SENDCO, forum.scene.body, school=forum.peer_school).user.pk for _ in range(61)]
    with pytest.raises(ApplicationError) as refused:
        schedule(forum, invitee_ids=people)
    assert (refused.value.code, refused.value.field) == ("too_many_invitees", "invitee_ids")


def test_a_sendco_organises_only_when_the_grouping_policy_allows(forum: Forum) -> None:
    body = forum.scene.body
    args: dict[str, Any] = {
        "purpose": "supervision",
        "title": "Supervision",
        "starts_at": at(3),
        "ends_at": at(3, 16),
        "place": "https://meet.example.org/abc",
        "invitee_ids": [forum.peer.user.pk],
    }
    with pytest.raises(ApplicationError) as refused:
        session_schedule(actor=forum.sendco.user, tenant=body, **args)
    assert refused.value.code == "not_allowed"
    with pytest.raises(ApplicationError):
        session_schedule(actor=forum.head.user, tenant=body, **args)  # a head never organises
    policy_version_create(
        actor=forum.admin.user,
        tenant=body,
        effective_from=TODAY,
        pooled_share_percent="10",
        urgent_reserve_percent="5",
        decision_target_working_days=10,
        decision_criteria=["Need"],
        sendco_may_organise_sessions=True,
    )
    session = session_schedule(actor=forum.sendco.user, tenant=body, **args)
    assert (session.organiser_id, session.policy_version) == (forum.sendco.user.pk, 2)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"ends_at": at(7, 14)}, "dates_backwards", "ends_at"),
        ({"ends_at": at(7, 15)}, "dates_backwards", "ends_at"),
        ({"starts_at": at(-1), "ends_at": at(-1, 17)}, "date_in_past", "starts_at"),
        ({"title": "   "}, "text_required", "title"),
        ({"title": "x" * 201}, "text_too_long", "title"),
        ({"place": ""}, "text_required", "place"),
        ({"agenda": "x" * 5001}, "text_too_long", "agenda"),
        ({"purpose": "budget"}, "purpose_unknown", "purpose"),
        ({"invitee_ids": []}, "invitees_required", "invitee_ids"),
    ],
)
def test_bad_session_input_is_refused_and_writes_nothing(
    forum: Forum, overrides: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(ApplicationError) as refused:
        schedule(forum, **overrides)
    assert (refused.value.code, refused.value.field) == (code, field)
    with tenant_context(forum.scene.body):
        assert ForumSession.objects.count() == 0
        assert SessionInvitation.objects.count() == 0
    assert verbs(forum) == []


@pytest.mark.parametrize("who", ["other body", "decision officer", "finance officer", "auditor"])
def test_invitees_must_be_people_of_the_grouping(forum: Forum, who: str) -> None:
    role = {
        "decision officer": Role.DECISION_OFFICER,
        "finance officer": Role.FINANCE_OFFICER,
        "auditor": Role.AUDITOR,
    }.get(who)
    outsider = member(Role.SENDCO) if role is None else member(role, forum.scene.body)
    with pytest.raises(ApplicationError) as refused:
        schedule(forum, invitee_ids=[forum.peer.user.pk, outsider.user.pk])
    assert refused.value.code == "invitee_not_in_grouping"
    with tenant_context(forum.scene.body):
        assert ForumSession.objects.count() == 0


def test_invitees_and_action_owners_come_from_schools_in_the_grouping_today(forum: Forum) -> None:
    """A SENDCO at a school the body knows but that is not in the grouping is neither invited
    nor given an action; the grouping's own people are."""
    outside = member(Role.SENDCO, forum.scene.body, school=own_academy(forum.scene.body, name="Outside Academy"))
    with pytest.raises(ApplicationError) as refused:
        schedule(forum, invitee_ids=[forum.peer.user.pk, outside.user.pk])
    assert (refused.value.code, refused.value.field) == ("invitee_not_in_grouping", "invitee_ids")
    with tenant_context(forum.scene.body):
        assert ForumSession.objects.count() == 0
    session = schedule(forum, invitee_ids=[forum.peer.user.pk])
    with pytest.raises(ApplicationError) as owner:
        action_assign(
            actor=forum.admin.user,
            tenant=forum.scene.body,
            session_id=session.pk,
            description="Share the timetable",
            owner_id=outside.user.pk,
            due_on=timezone.localdate() + timedelta(days=7),
        )
    assert (owner.value.code, owner.value.field) == ("owner_not_in_grouping", "owner_id")


def test_actions_are_tracked_to_done_and_show_on_the_owners_home_page(forum: Forum) -> None:
    body = forum.scene.body
    session = schedule(forum)
    action = action_assign(
        actor=forum.admin.user,
        tenant=body,
        session_id=session.pk,
        description="Share the speech-group map with Brook",
        owner_id=forum.peer.user.pk,
        due_on=TODAY + timedelta(days=14),
    )
    home = reverse("accounts:body-home", kwargs={"body_slug": body.slug})
    peer = login(forum.peer)
    page = peer.get(home).content.decode()
    assert "Your action: Share the speech-group map with Brook" in page
    assert "due 15 December 2026" in page
    assert "Session: Moderating provision maps" in page
    other = login(forum.third_head).get(home).content.decode()
    assert "Share the speech-group map" not in other
    with pytest.raises(NotFound):
        action_complete(actor=forum.third_head.user, tenant=body, agreed_action_id=action.pk)
    done = action_complete(actor=forum.peer.user, tenant=body, agreed_action_id=action.pk)
    assert (done.status, done.done_by_label) == ("done", forum.peer.user.email)
    with pytest.raises(ApplicationError) as again:
        action_complete(actor=forum.peer.user, tenant=body, agreed_action_id=action.pk)
    assert again.value.code == "action_closed"
    assert "Share the speech-group map" not in peer.get(home).content.decode()
    assert verbs(forum)[-2:] == ["forum_action.assigned", "forum_action.done"]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"description": ""}, "text_required", "description"),
        ({"description": "x" * 501}, "text_too_long", "description"),
        ({"due_on": TODAY - timedelta(days=1)}, "date_in_past", "due_on"),
        ({"owner_id": -1}, "owner_not_in_grouping", "owner_id"),
    ],
)
def test_bad_action_input_is_refused_and_writes_nothing(
    forum: Forum, overrides: dict[str, Any], code: str, field: str
) -> None:
    session = schedule(forum)
    values: dict[str, Any] = {"description": "Do it", "owner_id": forum.peer.user.pk, "due_on": TODAY}
    values.update(overrides)
    with pytest.raises(ApplicationError) as refused:
        action_assign(actor=forum.admin.user, tenant=forum.scene.body, session_id=session.pk, **values)
    assert (refused.value.code, refused.value.field) == (code, field)
    with tenant_context(forum.scene.body):
        assert AgreedAction.objects.count() == 0


def test_an_action_owner_from_another_body_or_an_invitee_assigning_is_refused(forum: Forum) -> None:
    session = schedule(forum)
    stranger = member(Role.HEAD)
    with pytest.raises(ApplicationError) as refused:
        action_assign(
            actor=forum.admin.user,
            tenant=forum.scene.body,
            session_id=session.pk,
            description="Do it",
            owner_id=stranger.user.pk,
            due_on=TODAY,
        )
    assert refused.value.code == "owner_not_in_grouping"
    with pytest.raises(NotFound):  # an invitee sees the session but does not run it
        action_assign(
            actor=forum.peer.user,
            tenant=forum.scene.body,
            session_id=session.pk,
            description="Do it",
            owner_id=forum.peer.user.pk,
            due_on=TODAY,
        )


def test_session_transitions_follow_the_table(forum: Forum) -> None:
    body = forum.scene.body
    held = schedule(forum)
    session_notes_save(actor=forum.admin.user, tenant=body, session_id=held.pk, notes="We moderated four maps.")
    session_mark_held(actor=forum.admin.user, tenant=body, session_id=held.pk)
    with pytest.raises(ApplicationError) as refused:
        session_cancel(actor=forum.admin.user, tenant=body, session_id=held.pk)
    assert refused.value.code == "transition_not_allowed"
    with pytest.raises(ApplicationError) as late:
        session_invitation_accept(actor=forum.peer.user, tenant=body, session_id=held.pk)
    assert late.value.code == "session_not_scheduled"
    cancelled = schedule(forum, title="Training")
    with pytest.raises(NotFound):
        session_cancel(actor=forum.peer.user, tenant=body, session_id=cancelled.pk)  # an invitee may not
    session_cancel(actor=forum.admin.user, tenant=body, session_id=cancelled.pk)
    with pytest.raises(ApplicationError) as closed:
        session_notes_save(actor=forum.admin.user, tenant=body, session_id=cancelled.pk, notes="x")
    assert closed.value.code == "session_not_scheduled"
    with pytest.raises(ApplicationError) as empty:
        session_notes_save(actor=forum.admin.user, tenant=body, session_id=held.pk, notes="  ")
    assert empty.value.code == "text_required"
    with tenant_context(body):
        statuses = dict(ForumSession.objects.values_list("title", "status"))
        assert ForumSession.objects.get(pk=held.pk).notes == "We moderated four maps."
    assert statuses == {"Moderating provision maps": "held", "Training": "cancelled"}
    assert verbs(forum).count("session.notes_saved") == 1


def test_materials_are_checked_stored_and_their_downloads_audited(forum: Forum, private_root: Path) -> None:
    body = forum.scene.body
    session = schedule(forum)
    material = session_material_add(
        actor=forum.admin.user, tenant=body, session_id=session.pk, upload=SimpleUploadedFile("Agenda.pdf", PDF)
    )
    assert (material.original_name, material.content_type, material.size_bytes) == (
        "Agenda.pdf",
        "application/pdf",
        len(PDF),
    )
    _opened, handle = session_material_open(actor=forum.peer.user, tenant=body, session_material_id=material.pk)
    assert handle.read() == PDF
    handle.close()
    with pytest.raises(NotFound):
        session_material_open(actor=forum.third_head.user, tenant=body, session_material_id=material.pk)
    with pytest.raises(NotFound):
        session_material_add(
            actor=forum.peer.user, tenant=body, session_id=session.pk, upload=SimpleUploadedFile("x.pdf", PDF)
        )
    assert verbs(forum)[-2:] == ["session.material_added", "session.material_downloaded"]


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("tool.exe", EXE, "file_type_not_allowed"),
        ("notes.txt", b"plain words", "file_type_not_allowed"),
        ("fake.pdf", b"not a pdf at all", "file_content_mismatch"),
        ("empty.pdf", b"", "file_empty"),
        ("big.pdf", PDF + b"0" * 300, "file_too_large"),
    ],
)
def test_bad_uploads_are_refused_and_store_nothing(
    forum: Forum, private_root: Path, settings: Any, name: str, data: bytes, code: str
) -> None:
    settings.UPLOAD_MAX_BYTES = len(PDF) + 100
    session = schedule(forum)
    with pytest.raises(ApplicationError) as refused:
        session_material_add(
            actor=forum.admin.user,
            tenant=forum.scene.body,
            session_id=session.pk,
            upload=SimpleUploadedFile(name, data),
        )
    assert (refused.value.code, refused.value.field) == (code, "file")
    with tenant_context(forum.scene.body):
        assert SessionMaterial.objects.count() == 0
    assert [p for p in private_root.rglob("*") if p.is_file()] == []


def test_the_home_page_says_where_each_action_was_agreed_in_the_same_queries_for_one_or_five(
    forum: Forum, django_assert_num_queries: Any
) -> None:
    """The home panel reads only the columns it shows (issue 22): each action's words, due
    date and the session or reviewed school it was agreed at, with no query per action for
    a column it left out."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from collaboration.services.reviews import peer_review_plan

    body = forum.scene.body
    session = schedule(forum)
    review = peer_review_plan(
        actor=forum.admin.user,
        tenant=body,
        school_id=forum.third_school.pk,
        reviewer_ids=[forum.peer.user.pk, forum.sendco.user.pk],
        visit_on=TODAY + timedelta(days=10),
        follow_up_on=TODAY + timedelta(days=100),
    )

    def assign(description: str, days: int, **where: int) -> None:
        action_assign(
            actor=forum.admin.user,
            tenant=body,
            description=description,
            owner_id=forum.peer.user.pk,
            due_on=TODAY + timedelta(days=days),
            **where,
        )

    assign("Share the speech-group map", 14, session_id=session.pk)
    home = reverse("accounts:body-home", kwargs={"body_slug": body.slug})
    peer = login(forum.peer)
    peer.get(home)
    with CaptureQueriesContext(connection) as one:
        page = peer.get(home).content.decode()
    assert "Your action: Share the speech-group map" in page
    assert "Agreed at the session “Moderating provision maps”." in page

    assign("Visit the support base", 20, peer_review_id=review.pk)
    for i in range(3):
        assign(f"Follow-up {i}", 30 + i, session_id=session.pk)
    with django_assert_num_queries(len(one.captured_queries)):
        page = peer.get(home).content.decode()
    assert "Your action: Visit the support base" in page
    assert f"Agreed at the peer review of {forum.third_school.name}." in page
    assert page.count("Agreed at the session “Moderating provision maps”.") == 4
    actions = [q["sql"] for q in one.captured_queries if 'FROM "collaboration_agreedaction"' in q["sql"]]
    assert len(actions) == 1
    assert '"groupings_school"."name"' in actions[0]
    assert '"groupings_school"."la_code"' not in actions[0]
    assert '"collaboration_agreedaction"."owner_label"' not in actions[0]
