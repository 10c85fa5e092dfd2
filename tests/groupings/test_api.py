from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Role
from core.tenancy import tenant_context
from groupings import services
from groupings.models import Arrangement, GroupingPolicy
from tests.factories import SchoolFactory, TrustFactory, member, own_academy

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def admin():  # type: ignore[no-untyped-def]
    return member(Role.FINANCE_OFFICER, mfa=True)


def test_search_propose_activate_give_notice_and_end_over_the_api(admin) -> None:
    body = admin.responsible_body
    school = SchoolFactory(name="Api Academy", trust_uid=TrustFactory().gias_group_uid)
    base = f"/api/v1/bodies/{body.slug}"
    api = _api(admin.user)
    found = api.get(f"{base}/schools/", {"q": "api acad"}).json()["results"]
    assert [s["urn"] for s in found] == [school.urn]
    created = api.post(
        f"{base}/arrangements/propose/",
        {
            "school_id": school.pk,
            "basis": "contracted_trust",
            "counterparty": "Api Trust",
            "start_date": "2026-09-01",
            "agreement_reference": "API-1",
            "agreement_document": SimpleUploadedFile("signed.pdf", PDF),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    arrangement_id = created.json()["id"]
    assert created.json()["has_agreement_document"] is True
    assert api.post(f"{base}/arrangements/{arrangement_id}/activate/").json()["status"] == "active"
    notice = api.post(f"{base}/arrangements/{arrangement_id}/give-notice/", {"end_date": "2030-08-31"}, format="json")
    assert notice.json()["status"] == "notice_given"
    ended = api.post(f"{base}/arrangements/{arrangement_id}/end/", {"end_date": "2030-08-31"}, format="json")
    assert (ended.json()["status"], ended.json()["end_date"]) == ("ended", "2030-08-31")
    listing = api.get(f"{base}/arrangements/", {"status": "ended"}).json()
    assert [a["id"] for a in listing["results"]] == [arrangement_id]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"basis": "own_academy"}, "not_own_academy"),
        ({"start_date": "31/12/2026"}, "invalid"),
        ({"school_id": "abc"}, "invalid"),
        ({"school_id": 999999}, "unknown_school"),
        ({"end_date": "2026-01-01"}, "dates_out_of_order"),
        ({"basis": "secret_club"}, "invalid_basis"),
        ({"counterparty": ""}, "invalid"),
    ],
)
def test_propose_api_rejects_bad_input_and_writes_nothing(admin, payload: dict, code: str) -> None:
    body = admin.responsible_body
    school = SchoolFactory(trust_uid=TrustFactory().gias_group_uid)
    data = {
        "school_id": school.pk,
        "basis": "contracted_trust",
        "counterparty": "T",
        "start_date": "2026-09-01",
        **payload,
    }
    response = _api(admin.user).post(f"/api/v1/bodies/{body.slug}/arrangements/propose/", data, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    with tenant_context(body):
        assert Arrangement.objects.count() == 0


def test_conflict_when_the_school_is_in_another_grouping(admin) -> None:
    school = SchoolFactory(trust_uid=TrustFactory().gias_group_uid)
    other = TrustFactory()
    other_admin = member(Role.BODY_ADMIN, other).user
    theirs = services.arrangement_propose(
        actor=other_admin,
        tenant=other,
        school_id=school.pk,
        basis="contracted_trust",
        counterparty="T",
        start_date=date(2026, 9, 1),
        agreement_document=SimpleUploadedFile("a.pdf", PDF),
    )
    services.arrangement_activate(actor=other_admin, tenant=other, arrangement_id=theirs.pk)
    base = f"/api/v1/bodies/{admin.responsible_body.slug}/arrangements"
    proposed = _api(admin.user).post(
        f"{base}/propose/",
        {
            "school_id": school.pk,
            "basis": "contracted_trust",
            "counterparty": "T",
            "start_date": "2027-01-01",
            "agreement_document": SimpleUploadedFile("b.pdf", PDF),
        },
        format="multipart",
    )
    assert proposed.status_code == 201  # a proposal never blocks, nor is blocked
    response = _api(admin.user).post(f"{base}/{proposed.json()['id']}/activate/")
    assert response.status_code == 409
    assert response.json()["code"] == "school_already_in_a_grouping"


def test_own_academies_preview_then_confirm_over_the_api(admin) -> None:
    body = admin.responsible_body
    a = own_academy(body, name="Alder")
    url = f"/api/v1/bodies/{body.slug}/arrangements/own-academies/"
    preview = _api(admin.user).post(url, {"start_date": "2026-09-01"}, format="json").json()
    assert [s["id"] for s in preview["to_add"]] == [a.pk]
    assert preview["added"] == []
    done = (
        _api(admin.user)
        .post(url, {"start_date": "2026-09-01", "confirm": True, "school_ids": [a.pk]}, format="json")
        .json()
    )
    assert [x["school"]["id"] for x in done["added"]] == [a.pk]
    assert done["to_add"] == []


def test_policy_api_lists_and_publishes_versions(admin) -> None:
    body = admin.responsible_body
    services.policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    base = f"/api/v1/bodies/{body.slug}/policy"
    bad = _api(admin.user).post(
        f"{base}/new/",
        {
            "effective_from": "2099-01-01",
            "pooled_share_percent": "10.001",
            "urgent_reserve_percent": "5",
            "decision_target_working_days": 5,
            "decision_criteria": ["A"],
        },
        format="json",
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "too_many_decimals")
    ok = _api(admin.user).post(
        f"{base}/new/",
        {
            "effective_from": "2099-01-01",
            "pooled_share_percent": "7.5",
            "urgent_reserve_percent": "5",
            "decision_target_working_days": 5,
            "decision_criteria": ["A"],
            "funding_periods": ["2099-00"],
        },
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["pooled_share_bp"] == 750
    versions = _api(admin.user).get(f"{base}/").json()["results"]
    assert [v["version"] for v in versions] == [2, 1]
    with tenant_context(body):
        assert GroupingPolicy.objects.count() == 2


def test_trustee_reads_but_cannot_change_the_grouping() -> None:
    trustee = member(Role.TRUSTEE)
    body = trustee.responsible_body
    assert _api(trustee.user).get(f"/api/v1/bodies/{body.slug}/arrangements/").status_code == 200
    assert (
        _api(trustee.user).post(f"/api/v1/bodies/{body.slug}/arrangements/propose/", {}, format="json").status_code
        == 404
    )
    partnership = member(Role.PARTNERSHIP_LEAD, body)
    assert _api(partnership.user).get(f"/api/v1/bodies/{body.slug}/arrangements/").status_code == 404
