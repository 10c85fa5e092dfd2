from __future__ import annotations

import hashlib

import pytest

from accounts.models import Role
from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import CaseComment
from exceptional_resource.services.comments import case_comment_add
from tests.exceptional_resource.conftest import draft_case
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


def test_the_school_and_an_officer_comment_and_each_comment_is_audited(scene) -> None:
    case = draft_case(scene)
    case_comment_add(actor=scene.head.user, tenant=scene.body, case_id=case.pk, text="  Parents met today.  ")
    case_comment_add(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, text="Thanks, noted.")
    with tenant_context(scene.body):
        comments = list(CaseComment.objects.filter(case=case).values_list("author_label", "text"))
        audited = list(
            AuditEvent.objects.filter(verb="case.commented", object_id=str(case.pk))
            .order_by("pk")
            .values_list("after", flat=True)
        )
    assert comments == [(scene.head.user.email, "Parents met today."), (scene.officer.user.email, "Thanks, noted.")]
    # The audit trail keeps a fingerprint of what was written, never the words.
    assert [a["text"] for a in audited] == [
        {"text": "redacted", "length": 18, "sha256": hashlib.sha256(b"Parents met today.").hexdigest()},
        {"text": "redacted", "length": 14, "sha256": hashlib.sha256(b"Thanks, noted.").hexdigest()},
    ]
    assert "Parents" not in str(audited)


@pytest.mark.parametrize(("text", "code"), [("", "text_required"), ("   ", "text_required"), ("x" * 2001, "too_long")])
def test_an_empty_or_overlong_comment_is_refused_on_the_field(scene, text: str, code: str) -> None:
    case = draft_case(scene)
    with pytest.raises(ApplicationError) as exc:
        case_comment_add(actor=scene.head.user, tenant=scene.body, case_id=case.pk, text=text)
    assert (exc.value.code, exc.value.field) == (code, "text")


def test_an_auditor_or_another_schools_head_cannot_comment(scene) -> None:
    case = draft_case(scene)
    auditor = member(Role.AUDITOR, scene.body)
    other_head = member(Role.HEAD, scene.body, school=own_academy(scene.body, name="Other Academy"))
    for actor in (auditor.user, other_head.user):
        with pytest.raises(ApplicationError) as exc:
            case_comment_add(actor=actor, tenant=scene.body, case_id=case.pk, text="Hello")
        assert exc.value.code == "not_allowed"
    with tenant_context(scene.body):
        assert CaseComment.objects.filter(case=case).count() == 0
