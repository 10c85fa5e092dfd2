"""The published need-signal interface: counts only, suppressed under 5 and rounded to 5,
from the trusts that consent and only while they consent."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Role
from core.errors import ApplicationError, ConflictError
from core.tenancy import tenant_context
from exceptional_resource.models import Pupil
from exceptional_resource.services import cases
from groupings import need_signals
from groupings.need_signals import NeedSignalRow, UnpublishableSignal, need_signals_for, publish_count, term_of
from partnerships.apis.serializers import NeedSignalOutput, SnapshotOutput
from partnerships.models import NeedSignalConsent, NeedSignalCount
from partnerships.selectors import platform_consenting_body_ids
from partnerships.services import demand, partnership
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.test_workflow import _approve
from tests.factories import member
from tests.partnerships.conftest import Area

pytestmark = pytest.mark.django_db

FORBIDDEN = ("pence", "amount", "money", "pound", "cost", "pupil", "upn", "name", "school", "urn", "reference", "id")


@pytest.mark.parametrize(
    ("raw", "published"),
    [(0, 0), (1, None), (2, None), (4, None), (5, 5), (6, 5), (7, 5), (8, 10), (12, 10), (13, 15), (22, 20), (23, 25)],
)
def test_counts_under_five_are_suppressed_and_the_rest_rounded_to_five(raw: int, published: int | None) -> None:
    assert publish_count(raw) == published


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        publish_count(-1)


def test_terms_run_autumn_spring_summer_from_september() -> None:
    assert term_of(date(2026, 9, 1)) == "2026/27 autumn"
    assert term_of(date(2026, 12, 31)) == "2026/27 autumn"
    assert term_of(date(2027, 1, 4)) == "2026/27 spring"
    assert term_of(date(2027, 3, 31)) == "2026/27 spring"
    assert term_of(date(2027, 4, 1)) == "2026/27 summer"
    assert term_of(date(2027, 8, 31)) == "2026/27 summer"


def _names(serializer: serializers.Serializer) -> set[str]:
    found: set[str] = set()
    for name, field in serializer.fields.items():
        found.add(name)
        child = getattr(field, "child", field)
        if isinstance(child, serializers.Serializer):
            found |= _names(child)
    return found


def test_the_interface_schema_carries_counts_only_never_money_or_pupils() -> None:
    fields = {f.name: f.type for f in dataclasses.fields(NeedSignalRow)}
    assert fields == {
        "area_of_need": "str",
        "phase": "str",
        "term": "str",
        "cases": "int | None",
        "awards": "int | None",
    }
    assert dataclasses.is_dataclass(NeedSignalRow)
    row = NeedSignalRow("Other", "primary", "2026/27 autumn", 5, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.cases = 1  # type: ignore[misc]
    api_fields = _names(NeedSignalOutput())
    assert api_fields == set(fields)
    snapshot_fields = _names(SnapshotOutput()) - {"id"}
    for name in api_fields | snapshot_fields:
        assert not any(token in name.split("_") or token in name for token in FORBIDDEN if token != "id"), name
    model_fields = {f.name for f in NeedSignalCount._meta.get_fields()} - {"id", "responsible_body", "snapshot"}
    assert model_fields == set(fields)


def test_the_interface_refuses_a_provider_that_leaks_a_small_count(monkeypatch: pytest.MonkeyPatch) -> None:
    def leaky(*, body_ids: Any, la_code: str) -> list[NeedSignalRow]:
        return [NeedSignalRow("Other", "primary", "2026/27 autumn", cases=3, awards=0)]

    def unrounded(*, body_ids: Any, la_code: str) -> list[NeedSignalRow]:
        return [NeedSignalRow("Other", "primary", "2026/27 autumn", cases=7, awards=0)]

    monkeypatch.setattr(need_signals, "_PROVIDERS", {"leaky": leaky})
    with pytest.raises(UnpublishableSignal):
        need_signals_for(body_ids=[1], la_code="999")
    monkeypatch.setattr(need_signals, "_PROVIDERS", {"unrounded": unrounded})
    with pytest.raises(UnpublishableSignal):
        need_signals_for(body_ids=[1], la_code="999")
    assert need_signals_for(body_ids=[], la_code="999") == []


def test_exceptional_resource_registers_its_provider() -> None:
    assert "exceptional_resource" in need_signals.registered_providers()


def _raise_cases(scene: Scene, count: int, *, need: str, year_group: str) -> list[Any]:
    raised = []
    for _ in range(count):
        case = draft_case(scene)
        with tenant_context(scene.body):
            Pupil.objects.filter(pk=case.pupil_id).update(primary_need=need, year_group=year_group)
        raised.append(cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk))
    return raised


def test_small_groups_are_suppressed_and_larger_ones_rounded(scene: Scene) -> None:
    slcn = _raise_cases(scene, 7, need="SLCN", year_group="Y3")
    for case in slcn[:6]:
        _approve(scene, case, amount=1_000_00, outcome="partly_approved")  # of the £9,000.00 asked
    _raise_cases(scene, 3, need="SEMH", year_group="Y8")
    draft_case(scene)  # a draft is not a raised case
    term = term_of(timezone.localdate())

    rows = need_signals_for(body_ids=[scene.body.pk], la_code=scene.school.la_code)

    assert rows == [
        NeedSignalRow("Communication and interaction", "primary", term, cases=5, awards=5),
        NeedSignalRow("Social, emotional and mental health", "secondary", term, cases=None, awards=0),
    ]
    assert need_signals_for(body_ids=[scene.body.pk], la_code="123") == []


def test_a_trust_shares_only_while_it_consents(scene: Scene, area: Area) -> None:
    _raise_cases(scene, 5, need="ASD", year_group="Y9")
    trust_admin = member(Role.BODY_ADMIN, scene.body).user
    invited = partnership.member_add(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        organisation_name="",
        kind="trust",
        member_body_id=scene.body.pk,
    )
    trust_lead = member(Role.PARTNERSHIP_LEAD, scene.body).user
    with pytest.raises(ApplicationError) as refused:
        partnership.participation_join(
            actor=trust_lead, tenant=scene.body, partnershipmember_id=invited.pk, share_need_signals=True
        )
    assert refused.value.code == "not_allowed"  # the trust's administrators decide to share
    joined = partnership.participation_join(
        actor=trust_admin, tenant=scene.body, partnershipmember_id=invited.pk, share_need_signals=False
    )
    with pytest.raises(ApplicationError):
        partnership.consent_grant(actor=trust_lead, tenant=scene.body, participation_id=joined.pk)
    assert platform_consenting_body_ids(partnership_id=area.partnership.pk) == []
    before = demand.need_signals_refresh(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk)
    with tenant_context(area.la):
        assert before.trusts_included == 0
        assert before.counts.count() == 0

    consent = partnership.consent_grant(actor=trust_admin, tenant=scene.body, participation_id=joined.pk)
    assert (consent.given_by, consent.revoked_at) == (trust_admin, None)
    with pytest.raises(ConflictError):
        partnership.consent_grant(actor=trust_admin, tenant=scene.body, participation_id=joined.pk)
    shared = demand.need_signals_refresh(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk)
    with tenant_context(area.la):
        counts = list(shared.counts.values_list("area_of_need", "phase", "cases", "awards"))
    assert shared.trusts_included == 1
    assert counts == [("Communication and interaction", "secondary", 5, 0)]

    revoked = partnership.consent_revoke(actor=trust_admin, tenant=scene.body, participation_id=joined.pk)
    assert revoked.revoked_by == trust_admin
    assert revoked.revoked_at is not None
    after = demand.need_signals_refresh(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk)
    with tenant_context(area.la):
        assert after.trusts_included == 0
        assert after.counts.count() == 0
        # the earlier snapshot is history, kept as it was
        assert shared.counts.count() == 1
    with tenant_context(scene.body):
        history = list(NeedSignalConsent.objects.order_by("given_at").values_list("revoked_by", flat=True))
    assert history == [trust_admin.pk]
    with pytest.raises(ConflictError):
        partnership.consent_revoke(actor=trust_admin, tenant=scene.body, participation_id=joined.pk)


def test_the_nightly_refresh_drops_a_trust_whose_consent_was_revoked(scene: Scene, area: Area) -> None:
    from django.conf import settings

    from partnerships.tasks import need_signals_refresh_all_task

    entry = settings.CELERY_BEAT_SCHEDULE["partnership-need-signals"]
    assert entry["task"] == need_signals_refresh_all_task.name
    _raise_cases(scene, 6, need="SEMH", year_group="Y2")
    trust_admin = member(Role.BODY_ADMIN, scene.body).user
    invited = partnership.member_add(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        organisation_name="",
        kind="trust",
        member_body_id=scene.body.pk,
    )
    joined = partnership.participation_join(
        actor=trust_admin, tenant=scene.body, partnershipmember_id=invited.pk, share_need_signals=True
    )
    assert need_signals_refresh_all_task.apply().get() == 1
    with tenant_context(area.la):
        latest = area.partnership.snapshots.order_by("-pk").first()
        assert latest is not None
        assert list(latest.counts.values_list("cases", flat=True)) == [5]
    partnership.consent_revoke(actor=trust_admin, tenant=scene.body, participation_id=joined.pk)
    assert need_signals_refresh_all_task.apply().get() == 1
    with tenant_context(area.la):
        latest = area.partnership.snapshots.order_by("-pk").first()
        assert latest is not None
        assert (latest.trusts_included, latest.counts.count(), latest.refreshed_by_label) == (0, 0, "system")
