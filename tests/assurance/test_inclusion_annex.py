"""The inclusion strategy annex: per school and period, what the pool funded and its cost,
as a page, CSV and PDF, with no pupil-level data; the school's own head only."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role, User
from assurance.annex import SUPPRESSED_TEXT, inclusion_annex
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, ResourceLine
from exceptional_resource.services import cases
from groupings.models import Arrangement
from tests.core.pdf_support import assert_tagged_pdf
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.test_workflow import _approve
from tests.factories import member, own_academy
from tests.pooling.payments_support import confirm_and_pay

pytestmark = pytest.mark.django_db


def approved(scene: Scene, amount: int) -> Award:
    case = draft_case(scene, need_description="Pupil Jamie Example needs signing support")
    with tenant_context(scene.body):
        ResourceLine.objects.create(
            responsible_body=scene.body,
            case=case,
            kind="equipment",
            description="Communication device for Jamie",
            quantity=1,
            unit_cost_pence=3_000_00,
            starts_on=date(2026, 12, 1),
            ends_on=date(2027, 3, 31),
        )
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    # The school asked for £12,000.00 (the therapist and the device): less is a partial approval.
    outcome = "approved" if amount == 12_000_00 else "partly_approved"
    award: Award = _approve(scene, case, amount=amount, outcome=outcome).award
    return award


def arrangement_of(scene: Scene) -> Arrangement:
    with tenant_context(scene.body):
        return Arrangement.objects.get(school=scene.school)


def urls(scene: Scene, arrangement: Arrangement) -> dict[str, str]:
    kwargs = {"body_slug": scene.body.slug, "pool_id": scene.pool.pk, "arrangement_id": arrangement.pk}
    return {name: reverse(f"annex:{name}", kwargs=kwargs) for name in ("annex", "csv", "pdf")}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.date_sensitive(today=date(2027, 1, 6))  # after the run's payment date: paid means paid
def test_the_annex_apportions_awards_across_kinds_of_provision_to_the_penny(scene: Scene) -> None:
    # The draft's lines: specialist teaching 30 x £300 = £9,000; plus equipment £3,000.
    first = approved(scene, 12_000_00)
    approved(scene, 6_000_01)
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2027, 1, 5),
    )

    annex = inclusion_annex(tenant=scene.body, arrangement=arrangement_of(scene), pool=scene.pool)

    assert annex.awards_count == 2
    assert annex.awards_count_text == "fewer than 5"
    assert [(line.label, line.pence) for line in annex.activities] == [
        ("Specialist teaching", 9_000_00 + 4_500_01),
        ("Equipment", 3_000_00 + 1_500_00),
    ]
    assert annex.activities_total_pence == 18_000_01
    assert annex.awarded_pence == 18_000_01
    assert annex.paid_pence + annex.scheduled_pence == 18_000_01
    assert annex.paid_pence > 0
    assert (annex.school_urn, annex.period) == (scene.school.urn, "2026-27")
    assert first.school_id == scene.school.pk


def _read_all(scene: Scene) -> tuple[str, list[list[str]], str, Any]:
    links = urls(scene, arrangement_of(scene))
    client = client_for(scene.head.user)
    page = client.get(links["annex"])
    csv_response = client.get(links["csv"])
    pdf_response = client.get(links["pdf"])
    assert (page.status_code, csv_response.status_code, pdf_response.status_code) == (200, 200, 200)
    assert (
        csv_response["Content-Disposition"] == f'attachment; filename="inclusion-annex-{scene.school.urn}-2026-27.csv"'
    )
    assert pdf_response["Content-Type"] == "application/pdf"
    assert_tagged_pdf(pdf_response.content, title_contains="Inclusion strategy annex")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "item", "amount_pence", "amount_pounds"]
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_response.content)).pages)
    return page.content.decode(), rows, pdf_text, csv_response


def test_the_head_reads_and_downloads_their_schools_annex_with_no_pupil_data(scene: Scene) -> None:
    award = approved(scene, 12_000_00)
    with tenant_context(scene.body):
        case = Case.objects.select_related("pupil").get(pk=award.case_id)

    # One award: published, its amount and what it bought could identify the child.
    html, rows, pdf_text, csv_response = _read_all(scene)
    for text in (html, csv_response.content.decode("utf-8-sig"), pdf_text):
        assert "12,000" not in text
        assert "Specialist teaching" not in text
    assert "Not shown: fewer than 5 awards" in html
    assert ["pool funding", SUPPRESSED_TEXT, "", ""] in rows
    assert not any(row[0] in ("activity",) and row[2] for row in rows)
    assert "Meadow Academy" in pdf_text

    # Five awards: the amounts and the activity are published.
    for _ in range(4):
        approved(scene, 6_000_00)
    html, rows, pdf_text, csv_response = _read_all(scene)
    assert "£36,000.00" in html
    assert "Specialist teaching" in html
    assert ["pool funding", "Awarded to the school from the pool", "3600000", "36000.00"] in rows
    assert "£36,000.00" in pdf_text
    assert "Number of awards: 5" in html
    for text in (html, csv_response.content.decode("utf-8-sig"), pdf_text):
        for secret in (case.reference, case.pupil.reference, "Jamie", "signing support", "Speech group"):
            assert secret not in text


def test_another_schools_head_other_roles_and_other_bodies_get_404(scene: Scene) -> None:
    links = urls(scene, arrangement_of(scene))
    other_school = own_academy(scene.body, name="Other Academy")
    other_head = member(Role.HEAD, scene.body, school=other_school).user
    from tests.factories import TrustFactory

    outsider = member(Role.FINANCE_OFFICER, TrustFactory(), mfa=True).user
    for user in (other_head, scene.officer.user, outsider):
        client = client_for(user)
        for url in links.values():
            assert client.get(url).status_code == 404, (user.email, url)
    for user in (scene.head.user, scene.finance.user):
        assert client_for(user).get(links["annex"]).status_code == 200
    listing = client_for(other_head).get(reverse("annex:list", kwargs={"body_slug": scene.body.slug})).content.decode()
    assert "Meadow Academy" not in listing
    assert (
        "Meadow Academy"
        in client_for(scene.head.user)
        .get(reverse("annex:list", kwargs={"body_slug": scene.body.slug}))
        .content.decode()
    )


def test_an_unknown_pool_or_arrangement_is_404(scene: Scene) -> None:
    arrangement = arrangement_of(scene)
    client = client_for(scene.head.user)
    for pool_id, arrangement_id in ((10**9, arrangement.pk), (scene.pool.pk, 10**9)):
        url = reverse(
            "annex:annex", kwargs={"body_slug": scene.body.slug, "pool_id": pool_id, "arrangement_id": arrangement_id}
        )
        assert client.get(url).status_code == 404


def test_five_or_more_awards_are_counted(scene: Scene) -> None:
    for _ in range(5):
        approved(scene, 1_000_00)

    annex = inclusion_annex(tenant=scene.body, arrangement=arrangement_of(scene), pool=scene.pool)

    assert annex.awards_count_text == "5"
    assert annex.activities_total_pence == 5_000_00
