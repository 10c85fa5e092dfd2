"""The local inclusion plan (versions, immutable once published, history kept) and the
specialist provision register (seeded from GIAS, edited by need and phase)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, ProgrammingError, transaction

from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from partnerships.models import CommissionedPlaces, PlanAction, PlanPriority, PlanVersion, ProvisionSetting
from partnerships.services import partnership as members
from partnerships.services import plan, provision
from tests.factories import LocalAuthorityFactory, SchoolFactory, member
from tests.partnerships.conftest import LA_CODE, Area

pytestmark = pytest.mark.django_db


def _draft_with_an_action(area: Area) -> tuple[PlanVersion, PlanAction]:
    version = plan.plan_draft_start(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk)
    priority = plan.plan_priority_add(
        actor=area.lead, tenant=area.la, planversion_id=version.pk, title="Inclusion bases in every locality"
    )
    with tenant_context(area.la):
        owner = area.partnership.members.get()
    action = plan.plan_action_add(
        actor=area.lead,
        tenant=area.la,
        planpriority_id=priority.pk,
        description="Open two primary ASD bases",
        owner_id=owner.pk,
        due_on=date(2027, 9, 1),
    )
    return version, action


def test_the_convening_authority_is_the_first_member_and_only_an_la_convenes(area: Area) -> None:
    with tenant_context(area.la):
        assert list(area.partnership.members.values_list("organisation_name", "kind")) == [
            ("Example Borough Council", "local_authority")
        ]
    assert (area.partnership.la_code, area.partnership.la_name) == (LA_CODE, "Example Borough Council")
    with pytest.raises(ConflictError):
        members.partnership_convene(actor=area.lead, tenant=area.la, name="A second one")
    trust_member = member("partnership_lead")
    with pytest.raises(ApplicationError) as exc:
        members.partnership_convene(actor=trust_member.user, tenant=trust_member.responsible_body, name="Trust's own")
    assert exc.value.code == "not_a_local_authority"


def test_members_with_roles_contacts_and_bad_values(area: Area) -> None:
    health = members.member_add(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        organisation_name="South West London ICB",
        kind="health",
    )
    contact = members.contact_add(
        actor=area.lead,
        tenant=area.la,
        partnershipmember_id=health.pk,
        full_name="Dr Asha Patel",
        role_title="Designated clinical officer",
        email="Asha.Patel@NHS.example",
    )
    assert contact.email == "asha.patel@nhs.example"
    with pytest.raises(ApplicationError) as exc:
        members.member_add(
            actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk, organisation_name="X", kind="cult"
        )
    assert exc.value.field == "kind"
    with pytest.raises(ApplicationError) as exc:
        members.member_add(
            actor=area.lead,
            tenant=area.la,
            partnership_id=area.partnership.pk,
            organisation_name="PCF",
            kind="parent_carer_forum",
            member_body_id=area.la.pk,
        )
    assert exc.value.code == "body_not_a_trust"
    with pytest.raises(ApplicationError) as exc:
        members.member_add(
            actor=area.lead,
            tenant=area.la,
            partnership_id=area.partnership.pk,
            organisation_name="",
            kind="trust",
            member_body_id=area.la.pk,
        )
    assert exc.value.code == "unknown_trust"
    with pytest.raises(ConflictError):
        members.member_add(
            actor=area.lead,
            tenant=area.la,
            partnership_id=area.partnership.pk,
            organisation_name="South West London ICB",
            kind="health",
        )
    with pytest.raises(ApplicationError) as exc:
        members.contact_add(
            actor=area.lead, tenant=area.la, partnershipmember_id=health.pk, full_name="Bob", email="not-an-email"
        )
    assert exc.value.field == "email"
    with pytest.raises(ApplicationError) as exc:
        members.contact_add(actor=area.lead, tenant=area.la, partnershipmember_id=health.pk, full_name="  ")
    assert exc.value.field == "full_name"


def test_a_published_version_never_changes_and_the_next_draft_copies_it(area: Area) -> None:
    version, action = _draft_with_an_action(area)
    published = plan.plan_publish(actor=area.lead, tenant=area.la, planversion_id=version.pk)
    assert (published.status, published.published_by_label) == ("published", area.lead.email)

    with pytest.raises(ConflictError):
        plan.plan_priority_add(actor=area.lead, tenant=area.la, planversion_id=version.pk, title="Late")
    with pytest.raises(ConflictError):
        plan.plan_action_update(
            actor=area.lead,
            tenant=area.la,
            planaction_id=action.pk,
            status="done",
            due_on=date(2027, 9, 1),
            owner_id=action.owner_id,
        )
    with pytest.raises(ConflictError):
        plan.plan_publish(actor=area.lead, tenant=area.la, planversion_id=version.pk)
    # The database refuses it too, whatever the code path: the published-plan trigger refuses
    # changes, and the runtime role may not delete plan rows at all (refused by privilege,
    # before any trigger; issue 21's per-table grants).
    with tenant_context(area.la):
        for attempt, refused_with, message in (
            (lambda: PlanVersion.objects.filter(pk=version.pk).update(title="Rewritten"), IntegrityError, "published"),
            (lambda: PlanAction.objects.filter(pk=action.pk).update(status="done"), IntegrityError, "published"),
            (lambda: PlanPriority.objects.filter(version=version).delete(), ProgrammingError, "permission denied"),
            (
                lambda: PlanPriority.objects.create(
                    responsible_body=area.la, version=version, position=9, title="Sneaked in"
                ),
                IntegrityError,
                "published",
            ),
        ):
            with pytest.raises(refused_with, match=message), transaction.atomic():
                attempt()

    draft = plan.plan_draft_start(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk)
    assert draft.number == 2
    assert draft.is_draft
    assert plan.plan_draft_start(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk).pk == draft.pk
    with tenant_context(area.la):
        copied = PlanAction.objects.get(priority__version=draft)
    plan.plan_action_update(
        actor=area.lead,
        tenant=area.la,
        planaction_id=copied.pk,
        status="in_progress",
        due_on=date(2027, 12, 1),
        owner_id=copied.owner_id,
    )
    with tenant_context(area.la):
        assert PlanAction.objects.get(pk=action.pk).status == "not_started"  # history kept
        assert PlanAction.objects.get(pk=copied.pk).status == "in_progress"
        verbs = list(AuditEvent.objects.filter(verb__startswith="plan.").order_by("id").values_list("verb", flat=True))
    assert verbs == [
        "plan.draft_started",
        "plan.priority_added",
        "plan.action_added",
        "plan.published",
        "plan.draft_started",
        "plan.action_updated",
    ]


def test_plan_bad_values(area: Area) -> None:
    version, action = _draft_with_an_action(area)
    other_la = LocalAuthorityFactory()
    other = members.partnership_convene(actor=member("partnership_lead", other_la).user, tenant=other_la, name="Other")
    with tenant_context(other_la):
        foreign_owner = other.members.get()
    with pytest.raises(ApplicationError) as exc:
        plan.plan_action_add(
            actor=area.lead,
            tenant=area.la,
            planpriority_id=action.priority_id,
            description="x",
            owner_id=foreign_owner.pk,
            due_on=date(2027, 1, 1),
        )
    assert exc.value.field == "owner"
    with pytest.raises(ApplicationError) as exc:
        plan.plan_action_update(
            actor=area.lead,
            tenant=area.la,
            planaction_id=action.pk,
            status="finished",
            due_on=date(2027, 1, 1),
            owner_id=action.owner_id,
        )
    assert exc.value.field == "status"
    with pytest.raises(ApplicationError) as exc:
        plan.plan_priority_add(actor=area.lead, tenant=area.la, planversion_id=version.pk, title="")
    assert exc.value.field == "title"
    with pytest.raises(ApplicationError) as exc:
        plan.plan_draft_update(actor=area.lead, tenant=area.la, planversion_id=version.pk, title="x" * 201, summary="")
    assert exc.value.field == "title"
    empty = plan.plan_draft_start(actor=area.lead, tenant=other_la, partnership_id=other.pk)
    with pytest.raises(ApplicationError) as exc:
        plan.plan_publish(actor=area.lead, tenant=other_la, planversion_id=empty.pk)
    assert exc.value.code == "plan_empty"


def test_the_register_is_seeded_from_gias_types_and_capacity_columns(area: Area) -> None:
    SchoolFactory(
        la_code=LA_CODE,
        name="Dysart School",
        type_name="Academy special converter",
        postcode="KT6 6HL",
        number_of_pupils=173,
    )
    SchoolFactory(la_code=LA_CODE, name="Malden Oaks", type_name="Pupil referral unit", postcode="KT2 5QY")
    SchoolFactory(
        la_code=LA_CODE,
        name="Alpha Primary",
        type_name="Community school",
        resourced_provision_capacity=12,
        sen_unit_capacity=8,
    )
    SchoolFactory(la_code=LA_CODE, name="Ordinary Primary", type_name="Community school")
    SchoolFactory(la_code=LA_CODE, name="Closed Special", type_name="Community special school", status="Closed")
    SchoolFactory(la_code="111", name="Elsewhere Special", type_name="Community special school")

    result = provision.provision_seed_from_gias(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk)

    assert (result.created, result.updated) == (4, 0)
    with tenant_context(area.la):
        rows = set(
            ProvisionSetting.objects.values_list(
                "school__name", "kind", "locality", "gias_capacity", "gias_number_on_roll"
            )
        )
    assert rows == {
        ("Dysart School", "special_school", "KT6", None, 173),
        ("Malden Oaks", "alternative_provision", "KT2", None, 300),
        ("Alpha Primary", "resourced_provision", "", 12, None),
        ("Alpha Primary", "sen_unit", "", 8, None),
    }
    again = provision.provision_seed_from_gias(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk)
    assert (again.created, again.updated) == (0, 0)


def test_places_by_need_and_phase_planned_places_and_bad_values(area: Area) -> None:
    setting = provision.setting_add(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        name="Hollyfield ASD base",
        kind="resourced_provision",
        locality="KT6",
    )
    provision.places_set(
        actor=area.lead,
        tenant=area.la,
        provisionsetting_id=setting.pk,
        need="ASD",
        phase="secondary",
        places=20,
        on_roll=19,
    )
    provision.places_set(
        actor=area.lead,
        tenant=area.la,
        provisionsetting_id=setting.pk,
        need="ASD",
        phase="secondary",
        places=24,
        on_roll=22,
    )
    provision.planned_add(
        actor=area.lead,
        tenant=area.la,
        provisionsetting_id=setting.pk,
        need="ASD",
        phase="secondary",
        places=8,
        opens_on=date(2027, 9, 1),
    )
    with tenant_context(area.la):
        assert list(CommissionedPlaces.objects.values_list("need", "phase", "places", "on_roll")) == [
            ("ASD", "secondary", 24, 22)
        ]
    for kwargs, field in (
        ({"need": "XYZ", "phase": "primary", "places": 1, "on_roll": 0}, "need"),
        ({"need": "ASD", "phase": "nursery", "places": 1, "on_roll": 0}, "phase"),
        ({"need": "ASD", "phase": "primary", "places": -1, "on_roll": 0}, "places"),
        ({"need": "ASD", "phase": "primary", "places": 1, "on_roll": -3}, "on_roll"),
        ({"need": "ASD", "phase": "primary", "places": 1.5, "on_roll": 0}, "places"),
        ({"need": "ASD", "phase": "primary", "places": 10**7, "on_roll": 0}, "places"),
    ):
        with pytest.raises(ApplicationError) as exc:
            provision.places_set(actor=area.lead, tenant=area.la, provisionsetting_id=setting.pk, **kwargs)  # type: ignore[arg-type]
        assert exc.value.field == field
    with pytest.raises(ApplicationError) as exc:
        provision.planned_add(
            actor=area.lead,
            tenant=area.la,
            provisionsetting_id=setting.pk,
            need="ASD",
            phase="primary",
            places=0,
            opens_on=date(2027, 9, 1),
        )
    assert exc.value.field == "places"
    with pytest.raises(ApplicationError) as exc:
        provision.setting_add(
            actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk, name="X", kind="hospital"
        )
    assert exc.value.field == "kind"
    provision.places_set(
        actor=area.lead,
        tenant=area.la,
        provisionsetting_id=setting.pk,
        need="ASD",
        phase="secondary",
        places=0,
        on_roll=0,
    )
    with tenant_context(area.la):
        assert not CommissionedPlaces.objects.exists()
