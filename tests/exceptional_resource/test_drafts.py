"""The draft services on their own (pages and the API both call them): each value checked
and the field named, only the school's head or SENDCO, only while a draft, audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Role
from core.errors import ApplicationError, ConflictError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Case, Outcome, ProvisionRow, ResourceLine
from exceptional_resource.services import cases as case_services
from exceptional_resource.services import drafts
from tests.exceptional_resource.conftest import draft_case
from tests.factories import member

pytestmark = pytest.mark.django_db

PROVISION = dict(
    provision="Nurture group",
    staff_role="HLTA",
    group_size=6,
    sessions_per_week=5,
    minutes_per_session=45,
    weeks=38,
    hourly_cost_pence=22_50,
)
RESOURCE = dict(
    kind="staffing_hours",
    description="1:1 TA, 10 hours a week",
    quantity=380,
    unit_cost_pence=18_75,
    starts_on=date(2027, 1, 4),
    ends_on=date(2027, 7, 21),
)
OUTCOME = dict(description="Stays in class for 4 lessons a day", measure="Class log", review_on=date(2027, 4, 1))


def _rows(scene: Any, case: Case) -> tuple[int, int, int]:
    with tenant_context(scene.body):
        return (
            ProvisionRow.objects.filter(case=case).count(),
            ResourceLine.objects.filter(case=case).count(),
            Outcome.objects.filter(case=case).count(),
        )


def test_a_draft_is_started_filled_in_and_audited(scene) -> None:
    template = draft_case(scene)
    case = drafts.case_create_draft(
        actor=scene.head.user, tenant=scene.body, pupil_id=template.pupil_id, urgency="urgent"
    )
    assert (case.status, case.school_id, case.urgency) == ("draft", scene.school.pk, "urgent")
    assert case.reference.startswith("ER-")
    assert len(case.reference) == 11
    drafts.case_update_draft(
        actor=scene.head.user,
        tenant=scene.body,
        case_id=case.pk,
        need_description=" Needs a nurture base ",
        own_imf_pence=0,
    )
    row = drafts.provision_row_add(actor=scene.head.user, tenant=scene.body, case_id=case.pk, **PROVISION)
    # £22.50 an hour, 3.75 hours a week, 38 weeks, shared by 6: £534.38 (half up from 534.375)
    assert row.cost_pence == 534_38
    line = drafts.resource_line_add(actor=scene.head.user, tenant=scene.body, case_id=case.pk, **RESOURCE)
    assert line.total_pence == 7_125_00
    drafts.outcome_add(actor=scene.head.user, tenant=scene.body, case_id=case.pk, **OUTCOME)
    assert _rows(scene, case) == (1, 1, 1)
    with tenant_context(scene.body):
        saved = Case.objects.get(pk=case.pk)
        verbs = list(
            AuditEvent.objects.filter(object_id=str(case.pk), verb__startswith="case.")
            .order_by("id")
            .values_list("verb", flat=True)
        )
        payloads = str(list(AuditEvent.objects.filter(object_id=str(case.pk)).values_list("before", "after")))
    assert saved.need_description == "Needs a nurture base"
    # Free text about the child stays in the case, never in the audit trail (kept for good).
    for typed in ("nurture", PROVISION["provision"], RESOURCE["description"], OUTCOME["description"]):
        assert typed not in payloads
    assert "redacted" in payloads
    assert verbs == [
        "case.drafted",
        "case.draft_updated",
        "case.provision_added",
        "case.resource_added",
        "case.outcome_added",
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"own_imf_pence": 12.5}, "own_imf_pence"),
        ({"own_imf_pence": -1}, "own_imf_pence"),
        ({"own_imf_pence": True}, "own_imf_pence"),
        ({"notional_sen_pence": "100"}, "notional_sen_pence"),
        ({"urgency": "now"}, "urgency"),
        ({"parents_involved": "yes"}, "parents_involved"),
        ({"pupil_summary": "x" * 501}, "pupil_summary"),
        ({"status": "submitted"}, "status"),
    ],
)
def test_bad_draft_fields_name_the_field_and_change_nothing(scene, fields: dict[str, Any], field: str) -> None:
    case = draft_case(scene)
    with pytest.raises(ApplicationError) as exc:
        drafts.case_update_draft(actor=scene.head.user, tenant=scene.body, case_id=case.pk, **fields)
    assert exc.value.field == field
    with tenant_context(scene.body):
        saved = Case.objects.get(pk=case.pk)
    assert (saved.status, saved.own_imf_pence, saved.urgency) == ("draft", 3_000_00, "routine")


@pytest.mark.parametrize(
    ("service", "base", "change", "field"),
    [
        ("provision_row_add", PROVISION, {"group_size": 0}, "group_size"),
        ("provision_row_add", PROVISION, {"weeks": 2.5}, "weeks"),
        ("provision_row_add", PROVISION, {"hourly_cost_pence": -5}, "hourly_cost_pence"),
        ("provision_row_add", PROVISION, {"provision": "  "}, "provision"),
        ("provision_row_add", PROVISION, {"staff_role": "x" * 101}, "staff_role"),
        ("resource_line_add", RESOURCE, {"quantity": -3}, "quantity"),
        ("resource_line_add", RESOURCE, {"unit_cost_pence": 18.755}, "unit_cost_pence"),
        ("resource_line_add", RESOURCE, {"ends_on": date(2027, 1, 3)}, "ends_on"),
        ("resource_line_add", RESOURCE, {"starts_on": "2027-01-04"}, "starts_on"),
        ("resource_line_add", RESOURCE, {"kind": "car"}, "kind"),
        ("outcome_add", OUTCOME, {"review_on": None}, "review_on"),
        ("outcome_add", OUTCOME, {"measure": "x" * 301}, "measure"),
    ],
)
def test_bad_row_values_name_the_field_and_add_nothing(
    scene, service: str, base: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    case = draft_case(scene)
    before = _rows(scene, case)
    with pytest.raises(ApplicationError) as exc:
        getattr(drafts, service)(actor=scene.head.user, tenant=scene.body, case_id=case.pk, **{**base, **change})
    assert exc.value.field == field
    assert exc.value.message
    assert _rows(scene, case) == before


def test_only_the_schools_head_or_sendco_edits_and_only_a_draft(scene) -> None:
    case = draft_case(scene)
    for user in (scene.officer.user, member(Role.HEAD, scene.body).user):
        with pytest.raises(ApplicationError) as exc:
            drafts.outcome_add(actor=user, tenant=scene.body, case_id=case.pk, **OUTCOME)
        assert exc.value.code == "not_allowed"
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    with pytest.raises(ConflictError) as conflict:
        drafts.case_update_draft(actor=scene.head.user, tenant=scene.body, case_id=case.pk, need_description="x")
    assert conflict.value.code == "case_not_draft"
    assert _rows(scene, case) == (1, 1, 1)


def test_rows_of_another_case_cannot_be_removed_through_this_one(scene) -> None:
    first, second = draft_case(scene), draft_case(scene)
    with tenant_context(scene.body):
        others = ProvisionRow.objects.get(case=second).pk
    with pytest.raises(NotFound) as exc:
        drafts.provision_row_remove(actor=scene.head.user, tenant=scene.body, case_id=first.pk, row_id=others)
    assert (exc.value.code, exc.value.field) == ("not_found", "row_id")
    assert _rows(scene, second) == (1, 1, 1)


def test_a_draft_for_a_pupil_of_another_school_is_refused(scene) -> None:
    case = draft_case(scene)
    elsewhere = member(Role.SENDCO, scene.body)
    with pytest.raises(ApplicationError) as exc:
        drafts.case_create_draft(actor=elsewhere.user, tenant=scene.body, pupil_id=case.pupil_id)
    assert (exc.value.code, exc.value.field) == ("invalid_pupil", "pupil_id")
