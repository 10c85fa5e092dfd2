"""#21 point 3: an auditor sets up multi-factor authentication before any export, on the
page (sent to set it up) and in the API (403 ``mfa_required``); nothing is queued."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from core.tenancy import tenant_context
from reports.models import ReportRun
from tests.factories import enable_mfa, member
from tests.pooling.audit_grants_support import grant_pools

pytestmark = pytest.mark.django_db

EXPORT = {"report_type": "auditor_export", "period": "2026-27"}


def _auditor(mfa: bool = False):  # type: ignore[no-untyped-def]
    auditor = member(Role.AUDITOR, valid_to=date(2027, 12, 31))
    grant_pools(auditor.responsible_body, auditor.user, valid_until=date(2027, 12, 31))
    if mfa:
        enable_mfa(auditor.user)
    return auditor


def _runs(auditor) -> int:  # type: ignore[no-untyped-def]
    with tenant_context(auditor.responsible_body):
        return ReportRun.objects.count()


def test_an_auditor_without_mfa_is_sent_to_set_it_up_before_an_export_page() -> None:
    auditor = _auditor()
    browser = Client()
    browser.force_login(auditor.user)
    where = f"/b/{auditor.responsible_body.slug}/reports/new/?type=auditor_export"
    shown = browser.get(where)
    assert shown.status_code == 302
    assert shown["Location"].startswith("/accounts/2fa/totp/activate/")
    posted = browser.post(where, EXPORT)
    assert posted.status_code == 302
    assert posted["Location"].startswith("/accounts/2fa/totp/activate/")
    assert _runs(auditor) == 0
    # The list of their reports is still theirs to read.
    assert browser.get(f"/b/{auditor.responsible_body.slug}/reports/").status_code == 200


def test_an_auditor_without_mfa_is_refused_an_export_in_the_api() -> None:
    auditor = _auditor()
    client = APIClient()
    client.force_authenticate(auditor.user)
    refused = client.post(
        f"/api/v1/bodies/{auditor.responsible_body.slug}/reports/request/",
        {"report_type": "auditor_export", "parameters": {"period": "2026-27"}},
        format="json",
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_required"
    assert _runs(auditor) == 0


def test_an_auditor_with_mfa_sees_the_export_form() -> None:
    auditor = _auditor(mfa=True)
    browser = Client()
    browser.force_login(auditor.user)
    shown = browser.get(f"/b/{auditor.responsible_body.slug}/reports/new/?type=auditor_export")
    assert shown.status_code == 200


def test_a_trustee_without_mfa_still_requests_reports() -> None:
    """The rule is the auditor's: other report readers are not newly asked for MFA."""
    trustee = member(Role.TRUSTEE)
    browser = Client()
    browser.force_login(trustee.user)
    assert browser.get(f"/b/{trustee.responsible_body.slug}/reports/").status_code == 200
    from accounts.policy import Action, BodyAccess

    with tenant_context(trustee.responsible_body):
        access = BodyAccess.load(trustee.user, trustee.responsible_body)
    assert access.needs_mfa_for(Action.REQUEST_REPORT) is False
