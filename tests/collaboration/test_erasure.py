"""Collaboration's case-erasure handler (``collaboration.services.erasure``, registered with
``core.erasure``): every field of every forum model it names loses the lines that name an
erased case or pupil, and keeps the rest; rows that name neither are untouched; the count it
returns is the lines it erased this time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from collaboration.models import AgreedAction, ForumSession, PeerReview, PeerReviewFinding
from collaboration.services import erasure
from collaboration.services.erasure import collaboration_erase_for_cases
from core.erasure import ERASED_TEXT, case_erasure_run
from core.tenancy import tenant_context
from exceptional_resource.models import Case
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _naming(ref: str) -> str:
    return f"Kept: attendance good.\nDiscussed {ref.lower()}: parents worried.\nKept: next, moderation."


KEPT = f"Kept: attendance good.\n{ERASED_TEXT}\nKept: next, moderation."


def _forum_rows(scene: Scene, text: str) -> dict[tuple[type[Model], str], Model]:
    """One row of every forum model the handler names, ``text`` in each of its fields."""
    one, two = UserFactory(), UserFactory()
    start = timezone.now() + timedelta(days=3)
    with tenant_context(scene.body):
        session = ForumSession.objects.create(
            responsible_body=scene.body,
            purpose="supervision",
            title="Termly supervision",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            place="Room 1",
            organiser=one,
            organiser_label=one.email,
            policy_version=1,
            agenda=text,
            notes=text,
        )
        review = PeerReview.objects.create(
            responsible_body=scene.body,
            school=scene.school,
            reviewer_one=one,
            reviewer_one_label=one.email,
            reviewer_two=two,
            reviewer_two_label=two.email,
            visit_on=date(2026, 11, 2),
            follow_up_on=date(2027, 2, 1),
            headings=["Leadership"],
            policy_version=1,
            school_response=text,
            created_by_label=one.email,
        )
        finding = PeerReviewFinding.objects.create(
            responsible_body=scene.body, review=review, position=1, heading="Leadership", text=text
        )
        action = AgreedAction.objects.create(
            responsible_body=scene.body,
            session=session,
            description=text,
            owner=one,
            owner_label=one.email,
            due_on=date(2027, 1, 15),
            created_by_label=one.email,
        )
    return {
        (ForumSession, "agenda"): session,
        (ForumSession, "notes"): session,
        (PeerReview, "school_response"): review,
        (PeerReviewFinding, "text"): finding,
        (AgreedAction, "description"): action,
    }


def _texts(scene: Scene, rows: dict[tuple[type[Model], str], Model]) -> dict[tuple[type[Model], str], str]:
    with tenant_context(scene.body):
        return {
            (model, field): getattr(model._default_manager.get(pk=row.pk), field)
            for (model, field), row in rows.items()
        }


def _registered() -> set[tuple[type[Model], str]]:
    return {(model, field) for model, fields in erasure._FORUM_TEXT for field in fields}


def _erase(scene: Scene, case: Case, references: list[str]) -> dict[str, int]:
    with tenant_context(scene.body), transaction.atomic():
        return collaboration_erase_for_cases(tenant=scene.body, case_ids=[case.pk], references=references)


def test_every_registered_forum_field_loses_the_lines_naming_the_case_or_pupil(scene: Scene) -> None:
    case = draft_case(scene)
    pupil_ref = case.pupil.reference
    naming_case, naming_pupil = _forum_rows(scene, _naming(case.reference)), _forum_rows(scene, _naming(pupil_ref))
    assert set(naming_case) == _registered(), "a forum field the handler erases has no row in this test"

    erased = _erase(scene, case, [case.reference, pupil_ref])

    assert _texts(scene, naming_case) == dict.fromkeys(naming_case, KEPT)
    assert _texts(scene, naming_pupil) == dict.fromkeys(naming_pupil, KEPT)
    assert erased == {"advice_requests": 0, "advice_messages": 0, "forum_lines": 2 * len(_registered())}


def test_rows_naming_another_case_are_untouched(scene: Scene) -> None:
    case = draft_case(scene)
    other = _forum_rows(scene, _naming("PUP-OTHER-9"))

    assert _erase(scene, case, [case.reference, case.pupil.reference])["forum_lines"] == 0
    assert _texts(scene, other) == dict.fromkeys(other, _naming("PUP-OTHER-9"))


def test_the_count_is_the_lines_erased_this_time_not_those_erased_before(scene: Scene) -> None:
    first, second = draft_case(scene), draft_case(scene)
    both = f"About {first.reference}.\nAbout {second.reference}.\nKept."
    rows = _forum_rows(scene, both)

    assert _erase(scene, first, [first.reference])["forum_lines"] == len(_registered())
    assert _erase(scene, second, [second.reference])["forum_lines"] == len(_registered())
    assert _texts(scene, rows) == dict.fromkeys(rows, f"{ERASED_TEXT}\n{ERASED_TEXT}\nKept.")


def test_the_retention_job_reaches_the_handler_through_the_registry(scene: Scene) -> None:
    case = draft_case(scene)
    rows = _forum_rows(scene, _naming(case.reference))

    with tenant_context(scene.body), transaction.atomic():
        counts = case_erasure_run(tenant=scene.body, case_ids=[case.pk], references=[case.reference])

    assert counts["collaboration.forum_lines"] == len(_registered())
    assert _texts(scene, rows) == dict.fromkeys(rows, KEPT)
