"""Remittance advice on a real S3-compatible object store (SeaweedFS started by the tests):
built into the bucket with checksums, served on the page and the API only after the
checksum is verified, each download audited; a store that does not answer leaves no
remittance row behind and a download says so."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from core.storage import StorageUnavailable
from core.tenancy import tenant_context
from pooling.models import PaymentRun, Pool, Remittance
from pooling.services.payments import payment_run_confirm, remittances_build
from tests.factories import own_academy
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award, pdf_text
from tests.storage_server import S3Bucket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_disk(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"  # stays absent: every file goes to the bucket


@pytest.fixture
def run(officer: Any, pool: Pool) -> PaymentRun:
    fund(officer, pool, 50_000_00)
    award(officer, pool, 1_200_00, school=own_academy(officer.responsible_body, name="Ash Academy"), source_id="A-1")
    return payment_run_confirm(
        actor=officer.user,
        tenant=officer.responsible_body,
        pool=pool,
        due_up_to=date(2026, 4, 30),
        pay_on=date(2026, 5, 1),
    )


def _url(kind: str, body: Any, remittance: Remittance) -> str:
    return reverse(f"pooling:remittance-{kind}", kwargs={"body_slug": body.slug, "remittance_id": remittance.pk})


def _downloads(body: Any) -> int:
    with tenant_context(body):
        return AuditEvent.objects.filter(verb="remittance.downloaded").count()


def test_remittance_files_go_to_the_bucket_and_download_verified_and_audited(
    officer: Any, run: PaymentRun, s3: S3Bucket, settings: Any
) -> None:
    body = officer.responsible_body

    (remittance,) = remittances_build(tenant=body, payment_run_id=run.pk)

    objects = s3.objects()
    assert sorted(objects) == [remittance.csv_file.name, remittance.pdf_file.name]
    assert remittance.csv_file.name.startswith("remittances/")
    assert remittance.csv_file.name.endswith(".csv")
    assert hashlib.sha256(objects[remittance.csv_file.name]).hexdigest() == remittance.sha256_csv
    assert hashlib.sha256(objects[remittance.pdf_file.name]).hexdigest() == remittance.sha256_pdf
    assert not Path(settings.MEDIA_ROOT).exists()
    client = Client()
    client.force_login(officer.user)

    csv_response = client.get(_url("csv", body, remittance))
    pdf_response = client.get(_url("pdf", body, remittance))

    assert csv_response.status_code == 200
    assert csv_response.content == objects[remittance.csv_file.name]
    assert "Ash Academy" in pdf_text(pdf_response.content)
    assert _downloads(body) == 2
    s3.put(remittance.csv_file.name, b"Ash Academy,1000000.00\n")
    assert client.get(_url("csv", body, remittance)).status_code == 403
    assert _downloads(body) == 2


def test_when_the_store_is_down_no_remittance_is_recorded_and_a_download_says_so(
    officer: Any, run: PaymentRun, s3: S3Bucket, settings: Any
) -> None:
    body = officer.responsible_body
    working = settings.STORAGES
    settings.STORAGES = {**working, **s3.storages_when_down()}

    with pytest.raises(StorageUnavailable):
        remittances_build(tenant=body, payment_run_id=run.pk)

    with tenant_context(body):
        assert not Remittance.objects.exists()
        assert not AuditEvent.objects.filter(verb="remittance.built").exists()
    assert s3.objects() == {}

    settings.STORAGES = working
    (remittance,) = remittances_build(tenant=body, payment_run_id=run.pk)
    settings.STORAGES = {**working, **s3.storages_when_down()}
    client = Client()
    client.force_login(officer.user)
    page = client.get(_url("csv", body, remittance))
    assert page.status_code == 503
    assert "The document store is not answering, so the file could not be read." in page.content.decode()
    api = client.get(
        reverse("pooling-api:remittance-csv", kwargs={"body_slug": body.slug, "remittance_id": remittance.pk})
    )
    assert (api.status_code, api.json()["code"]) == (503, "storage_unavailable")
    assert _downloads(body) == 0
