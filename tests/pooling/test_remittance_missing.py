"""Issue 19, fault 5 (the restore half): a remittance whose stored file is gone (restored
without its files, a lost disk) is reported as missing, flagged on the run and rebuilt
through the outbox, never a 500."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import Remittance
from pooling.services.payments import payment_run_confirm, remittances_build
from tests.outbox_support import pending, run_outbox
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award

# Transactional: the flag is committed on its own before the 404, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def built(officer, pool, settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "private"
    fund(officer, pool, 50_000_00)
    award(officer, pool, 1_200_00, source_id="M-1")
    body = officer.responsible_body
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 9, 30), pay_on=date(2026, 10, 2)
    )
    remittances_build(tenant=body, payment_run_id=run.pk)
    run_outbox()
    with tenant_context(body):
        remittance = Remittance.objects.get(line__payment_run=run)
    Path(remittance.pdf_file.path).unlink()
    return run, remittance


def test_a_missing_remittance_file_is_a_404_json_that_flags_and_rebuilds_it(officer, built) -> None:  # type: ignore[no-untyped-def]
    run, remittance = built
    body = officer.responsible_body
    api = APIClient()
    api.force_authenticate(officer.user)
    response = api.get(f"/api/v1/bodies/{body.slug}/pools/remittances/{remittance.pk}/pdf/")
    assert response.status_code == 404
    assert response.json()["code"] == "file_missing"
    assert "built again" in response.json()["message"]
    with tenant_context(body):
        flagged = Remittance.objects.get(pk=remittance.pk)
        assert (flagged.sha256_pdf, flagged.sha256_csv) == ("", "")
        assert AuditEvent.objects.filter(verb="remittance.file_missing", object_id=str(remittance.pk)).count() == 1
    assert pending() == [("pooling.remittances_build", {"tenant_id": body.pk, "payment_run_id": run.pk})]
    run_outbox()
    with tenant_context(body):
        rebuilt = Remittance.objects.get(pk=remittance.pk)
    assert len(rebuilt.sha256_pdf) == 64
    assert api.get(f"/api/v1/bodies/{body.slug}/pools/remittances/{remittance.pk}/pdf/").status_code == 200


def test_the_page_download_of_a_missing_file_is_a_404_not_a_500(officer, built) -> None:  # type: ignore[no-untyped-def]
    _run, remittance = built
    client = Client()
    client.force_login(officer.user)
    body = officer.responsible_body
    page = reverse("pooling:remittance-pdf", kwargs={"body_slug": body.slug, "remittance_id": remittance.pk})
    response = client.get(page)
    assert response.status_code == 404
