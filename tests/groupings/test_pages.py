from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from core.models import AuditEvent
from core.tenancy import tenant_context
from groupings.models import Arrangement
from groupings.services.arrangements import arrangement_activate, arrangement_propose
from groupings.services.policy import policy_ensure_default
from tests.factories import SchoolFactory, TrustFactory, member, own_academy

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, body, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"groupings:{name}", kwargs={"body_slug": body.slug, **kwargs})


@pytest.fixture
def admin():  # type: ignore[no-untyped-def]
    return member(Role.BODY_ADMIN, mfa=True)


def test_add_a_school_journey_keeps_answers_and_proposes(admin) -> None:
    body = admin.responsible_body
    school = SchoolFactory(
        name="Standalone Academy", trust_uid=TrustFactory().gias_group_uid, trust_name="STANDALONE TRUST"
    )
    client = _client(admin.user)
    found = client.get(_url("add", body), {"q": "standalone"})
    assert "Standalone Academy" in found.content.decode()
    assert client.get(_url("add-basis", body), {"school": school.pk}).status_code == 200
    # A bad answer keeps what was typed and shows the error on the field.
    bad = client.post(_url("add-basis", body), {"counterparty": "Standalone Trust"})
    assert bad.status_code == 200
    assert "There is a problem" in bad.content.decode()
    assert 'value="Standalone Trust"' in bad.content.decode()
    assert (
        client.post(
            _url("add-basis", body), {"basis": "contracted_trust", "counterparty": "Standalone Trust"}
        ).status_code
        == 302
    )
    bad_dates = client.post(_url("add-dates", body), {"start_date": "2026-09-01", "end_date": "2026-08-01"})
    assert "must be on or after the first day" in bad_dates.content.decode()
    half_typed = client.post(_url("add-dates", body), {"start_date_day": "1", "start_date_month": "9"})
    assert "The first day must include a year" in half_typed.content.decode()
    dates = {"start_date_day": "1", "start_date_month": "9", "start_date_year": "2026"}
    assert client.post(_url("add-dates", body), dates).status_code == 302
    exe = SimpleUploadedFile("agreement.pdf", b"MZ\x90\x00" + b"\x00" * 300)
    bad_file = client.post(_url("add-agreement", body), {"agreement_reference": "SLA-7", "agreement_document": exe})
    assert "not really a PDF" in bad_file.content.decode()
    assert 'value="SLA-7"' in bad_file.content.decode()
    ok = client.post(
        _url("add-agreement", body),
        {"agreement_reference": "SLA-7", "agreement_document": SimpleUploadedFile("signed.pdf", PDF)},
    )
    assert ok.status_code == 302
    check = client.get(_url("add-check", body))
    assert "signed.pdf" in check.content.decode()
    done = client.post(_url("add-check", body))
    assert done.status_code == 302
    with tenant_context(body):
        arrangement = Arrangement.objects.get(school=school)
    assert (arrangement.status, arrangement.basis, arrangement.agreement_reference) == (
        "proposed",
        "contracted_trust",
        "SLA-7",
    )
    assert arrangement.agreement_document_name == "signed.pdf"
    detail = client.get(done["Location"])
    assert "Approve arrangement" in detail.content.decode()
    assert client.post(_url("arrangement-approve", body, arrangement_id=arrangement.pk)).status_code == 302
    with tenant_context(body):
        assert Arrangement.objects.get(pk=arrangement.pk).status == "active"


def test_members_list_filters_and_csv_export_neutralises_formulas(admin) -> None:
    body = admin.responsible_body
    a = arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=own_academy(body, name="Ash Academy").pk,
        basis="own_academy",
        counterparty='=HYPERLINK("x")',
        start_date=date(2026, 9, 1),
    )
    arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=own_academy(body, name="Beech Academy").pk,
        basis="own_academy",
        counterparty="Trust",
        start_date=date(2026, 9, 1),
    )
    client = _client(admin.user)
    page = client.get(_url("members", body), {"q": "ash"}).content.decode()
    assert "Ash Academy" in page
    assert "Beech Academy" not in page
    response = client.get(_url("members", body), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["URN", "School", "LA code"]
    assert [r[1] for r in rows[1:]] == ["Ash Academy", "Beech Academy"]
    assert rows[1][5] == '\'=HYPERLINK("x")'
    del a


def test_list_page_query_count_does_not_grow_with_rows(admin, django_assert_max_num_queries) -> None:
    body = admin.responsible_body
    client = _client(admin.user)
    for _i in range(3):
        arrangement_propose(
            actor=admin.user,
            tenant=body,
            school_id=own_academy(body).pk,
            basis="own_academy",
            counterparty="T",
            start_date=date(2026, 9, 1),
        )
    with django_assert_max_num_queries(20) as small:
        client.get(_url("members", body))
    for _i in range(30):
        arrangement_propose(
            actor=admin.user,
            tenant=body,
            school_id=own_academy(body).pk,
            basis="own_academy",
            counterparty="T",
            start_date=date(2026, 9, 1),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(_url("members", body))


def test_document_download_is_permission_checked_and_audited(admin) -> None:
    body = admin.responsible_body
    school = SchoolFactory(trust_uid=TrustFactory().gias_group_uid)
    arrangement = arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=school.pk,
        basis="contracted_trust",
        counterparty="T",
        start_date=date(2026, 9, 1),
        agreement_document=SimpleUploadedFile("signed.pdf", PDF),
    )
    url = _url("arrangement-document", body, arrangement_id=arrangement.pk)
    response = _client(admin.user).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="arrangement.document_downloaded").count() == 1
    head = member(Role.HEAD, body)
    assert _client(head.user).get(url).status_code == 404  # not their school
    partnership = member(Role.PARTNERSHIP_LEAD, body)
    assert _client(partnership.user).get(url).status_code == 404


def test_head_sees_only_their_own_schools_arrangement() -> None:
    head = member(Role.HEAD)
    body = head.responsible_body
    officer = member(Role.BODY_ADMIN, body, mfa=True)
    mine = arrangement_propose(
        actor=officer.user,
        tenant=body,
        school_id=head.school_id,
        basis="own_academy",
        counterparty="T",
        start_date=date(2026, 9, 1),
    )
    other = arrangement_propose(
        actor=officer.user,
        tenant=body,
        school_id=own_academy(body, name="Other").pk,
        basis="own_academy",
        counterparty="T",
        start_date=date(2026, 9, 1),
    )
    client = _client(head.user)
    listing = client.get(_url("members", body)).content.decode()
    assert head.school.name in listing
    assert ">Other<" not in listing
    assert client.get(_url("arrangement", body, arrangement_id=mine.pk)).status_code == 200
    assert client.get(_url("arrangement", body, arrangement_id=other.pk)).status_code == 404
    assert client.get(_url("add", body)).status_code == 404


def test_give_notice_and_end_journeys(admin) -> None:
    body = admin.responsible_body
    arrangement = arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=own_academy(body).pk,
        basis="own_academy",
        counterparty="T",
        start_date=date(2026, 9, 1),
    )
    arrangement_activate(actor=admin.user, tenant=body, arrangement_id=arrangement.pk)
    client = _client(admin.user)
    bad = client.post(_url("arrangement-give-notice", body, arrangement_id=arrangement.pk), {"end_date": "2020-01-01"})
    assert "leaving date must be on or after" in bad.content.decode()
    assert (
        client.post(
            _url("arrangement-give-notice", body, arrangement_id=arrangement.pk), {"end_date": "2030-08-31"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            _url("arrangement-end", body, arrangement_id=arrangement.pk), {"end_date": "2030-08-31"}
        ).status_code
        == 302
    )
    with tenant_context(body):
        assert Arrangement.objects.get(pk=arrangement.pk).status == "ended"


def test_own_academies_preview_and_confirm_pages(admin) -> None:
    body = admin.responsible_body
    alder = own_academy(body, name="Alder Academy")
    client = _client(admin.user)
    preview = client.get(_url("own-academies", body), {"start_date": "2026-09-01"}).content.decode()
    assert "Alder Academy" in preview
    response = client.post(_url("own-academies", body), {"start_date": "2026-09-01", "school": [alder.pk]})
    assert response.status_code == 302
    with tenant_context(body):
        assert Arrangement.objects.get(school=alder).status == "active"


def test_policy_pages_publish_a_new_version_and_show_history(admin) -> None:
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    client = _client(admin.user)
    assert "10.00%" in client.get(_url("policy", body)).content.decode()
    bad = client.post(
        _url("policy-new", body),
        {
            "effective_from": "2099-01-01",
            "pooled_share_percent": "10.555",
            "urgent_reserve_percent": "5",
            "decision_target_working_days": "10",
            "decision_criteria": "A",
        },
    )
    assert "no more than 2 decimal places" in bad.content.decode()
    ok = client.post(
        _url("policy-new", body),
        {
            "effective_from": "2099-01-01",
            "pooled_share_percent": "12.50",
            "urgent_reserve_percent": "5",
            "decision_target_working_days": "8",
            "decision_criteria": "First\nSecond",
            "change_note": "Raise share",
        },
    )
    assert ok.status_code == 302
    page = client.get(_url("policy", body)).content.decode()
    assert "12.50%" in page
    assert "Raise share" in page


def test_public_grouping_page_shows_members_and_criteria_but_nothing_private(admin) -> None:
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    school = SchoolFactory(name="Public Member School", trust_uid=TrustFactory().gias_group_uid)
    active = arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=school.pk,
        basis="contracted_trust",
        counterparty="Secret Counterparty Ltd",
        agreement_reference="CONFIDENTIAL-REF",
        start_date=date(2026, 4, 1),
        agreement_document=SimpleUploadedFile("secret-agreement.pdf", PDF),
    )
    arrangement_activate(actor=admin.user, tenant=body, arrangement_id=active.pk)
    arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=own_academy(body, name="Only Proposed").pk,
        basis="own_academy",
        counterparty="T",
        start_date=date(2026, 4, 1),
    )
    response = Client().get(reverse("public-grouping", kwargs={"body_slug": body.slug}))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Public Member School" in text
    assert "needs is beyond what the school can reasonably provide" in text.replace("need is", "needs is")
    for private in (
        "Only Proposed",
        "secret-agreement.pdf",
        "CONFIDENTIAL-REF",
        "Secret Counterparty",
        admin.user.email,
        "@",
    ):
        assert private not in text, private


@pytest.mark.parametrize("odd", ["²", "1²", "①"])
def test_school_search_members_filter_and_basis_step_refuse_odd_digits_without_a_server_error(admin, odd: str) -> None:
    body = admin.responsible_body
    client = _client(admin.user)
    assert client.get(_url("add", body), {"q": odd}).status_code == 200
    assert client.get(_url("members", body), {"q": odd}).status_code == 200
    basis = client.get(_url("add-basis", body), {"school": odd})
    assert basis.status_code in (200, 302, 404)  # never a 500: the school is not found
    api = APIClient()
    api.force_authenticate(admin.user)
    assert api.get(f"/api/v1/bodies/{body.slug}/schools/", {"q": odd}).status_code == 200
