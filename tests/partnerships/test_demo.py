from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import ResponsibleBody, User
from core.tenancy import platform_context, tenant_context
from partnerships.models import NeedSignalConsent, Partnership, PlanVersion, ProvisionSetting

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_kingston_a_partnership_its_lead_can_open(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    capsys.readouterr()
    la = ResponsibleBody.objects.get(slug="kingston")
    with tenant_context(la):
        partnership = Partnership.objects.get()
        assert partnership.la_code == "314"
        assert set(ProvisionSetting.objects.values_list("name", flat=True)) >= {
            "Dysart School",
            "Bedelsford School",
            "St Philip's School",
            "Spring School",
            "Malden Oaks School and Tuition Service",
        }
        assert list(PlanVersion.objects.values_list("number", "status")) == [(1, "published")]
    with platform_context():
        assert NeedSignalConsent.objects.filter(revoked_at__isnull=True).count() == 1
    client = Client()
    client.force_login(User.objects.get(email="partnership.lead@kingston.example"))
    response = client.get(f"/b/kingston/partnership/{partnership.pk}/sufficiency/")
    assert response.status_code == 200
    assert "Gap of" in response.content.decode()
    assert client.get("/b/kingston/pool/").status_code == 404
