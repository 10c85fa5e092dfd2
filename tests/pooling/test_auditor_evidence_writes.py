"""A case out of an auditor's reach is a 404 on the evidence API's writes too, as on its
reads (issue 16, point 5; the project's one 404 for "not found or not yours"): uploading to
it or removing its document used to answer 403, which told an auditor of another period
that the case and the document exist. Within reach, the write is still refused (403): an
auditor reads and never writes."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.tenancy import tenant_context
from exceptional_resource.models import CaseDocument
from pooling.models import Pool
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.pages_support import client_for
from tests.pooling.renewal_support import decided_world, reader

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


def _writes(scene: Scene, client: Client, case_id: int, document: CaseDocument) -> list[int]:
    api = f"/api/v1/bodies/{scene.body.slug}"
    upload = client.post(
        f"{api}/cases/{case_id}/evidence/upload/", {"file": SimpleUploadedFile("note.pdf", b"%PDF-1.4 x")}
    )
    remove = client.post(f"{api}/evidence/{document.pk}/remove/")
    return [upload.status_code, remove.status_code]


@pytest.mark.parametrize(("granted", "expected"), [("other period", [404, 404]), ("this period", [403, 403])])
def test_an_auditors_evidence_writes_are_a_404_out_of_reach_and_a_403_within(
    scene: Scene, granted: str, expected: list[int]
) -> None:
    world = decided_world(scene)
    pools: list[Pool] = [world.later] if granted == "other period" else [scene.pool]
    with tenant_context(scene.body):
        document = CaseDocument.objects.create(
            responsible_body=scene.body,
            case=world.case,
            file="evidence/not-stored.pdf",
            original_name="plan.pdf",
            content_type="application/pdf",
            size_bytes=10,
            sha256="0" * 64,
            uploaded_by=scene.head.user,
            uploaded_by_label=scene.head.user.email,
        )
    client = client_for(reader(scene, "auditor", pools))
    assert _writes(scene, client, world.case.pk, document) == expected
    with tenant_context(scene.body):
        assert CaseDocument.objects.filter(case=world.case).count() == 1
