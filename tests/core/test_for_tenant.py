"""``Model.objects.for_tenant``: the tenant's rows and no other's, with the tenant's
condition written once when the context is already that tenant's (issue 22: the second,
identical condition cost every query about two hundred calls to build)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tenancy import TenantContextMissing, platform_context, tenant_context
from pooling.models import Pool
from pooling.services.ledger import pool_open
from tests.factories import TrustFactory

pytestmark = pytest.mark.django_db


def test_for_tenant_reads_the_tenant_s_rows_with_its_condition_once() -> None:
    meadow, brook = TrustFactory(), TrustFactory()
    pool_open(actor=None, tenant=meadow, label="2026-27")
    pool_open(actor=None, tenant=brook, label="2027-28")

    with tenant_context(meadow), CaptureQueriesContext(connection) as read:
        labels = list(Pool.objects.for_tenant(meadow).values_list("label", flat=True))
    assert labels == ["2026-27"]
    assert read.captured_queries[-1]["sql"].count('"responsible_body_id"') == 1


def test_another_tenant_s_rows_are_none_inside_a_tenant_s_context() -> None:
    meadow, brook = TrustFactory(), TrustFactory()
    pool_open(actor=None, tenant=meadow, label="2026-27")
    pool_open(actor=None, tenant=brook, label="2027-28")

    with tenant_context(meadow):
        assert list(Pool.objects.for_tenant(brook)) == []
        assert list(Pool.objects.for_tenant(brook.pk)) == []


def test_the_platform_reads_one_tenant_s_rows_through_for_tenant() -> None:
    meadow, brook = TrustFactory(), TrustFactory()
    pool_open(actor=None, tenant=meadow, label="2026-27")
    pool_open(actor=None, tenant=brook, label="2027-28")

    with platform_context():
        assert list(Pool.objects.for_tenant(brook).values_list("label", flat=True)) == ["2027-28"]


def test_outside_any_context_for_tenant_still_refuses() -> None:
    with pytest.raises(TenantContextMissing):
        Pool.objects.for_tenant(TrustFactory())
