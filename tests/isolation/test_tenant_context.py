"""``tenant_context`` nesting: the database setting always matches the context in force."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, Role
from core.tenancy import current_tenant_id, tenant_context
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=True)


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('app.tenant_id', true), '')")
        value: str = cursor.fetchone()[0]
    return value


def test_the_same_body_nested_costs_no_savepoint_and_keeps_the_setting() -> None:
    body = member(Role.TRUSTEE).responsible_body
    with tenant_context(body):
        assert _setting() == str(body.pk)
        with CaptureQueriesContext(connection) as nested:
            with tenant_context(body):
                assert current_tenant_id() == body.pk
                rows = Membership.objects.count()
        sql = " ".join(q["sql"].upper() for q in nested.captured_queries)
        assert "SAVEPOINT" not in sql
        assert "SET_CONFIG" not in sql
        assert len(nested.captured_queries) == 1  # only the count
        assert rows == 1
        assert _setting() == str(body.pk)
    assert _setting() == ""
    assert current_tenant_id() is None


def test_another_body_nested_sets_and_restores_the_setting() -> None:
    first = member(Role.TRUSTEE).responsible_body
    second = member(Role.TRUSTEE).responsible_body
    with tenant_context(first):
        with tenant_context(second):
            assert (_setting(), current_tenant_id()) == (str(second.pk), second.pk)
            with tenant_context(first):  # back to the first inside the second: sets it again
                assert (_setting(), current_tenant_id()) == (str(first.pk), first.pk)
            assert (_setting(), current_tenant_id()) == (str(second.pk), second.pk)
        assert (_setting(), current_tenant_id()) == (str(first.pk), first.pk)


def test_an_error_inside_a_nested_same_body_context_is_rolled_back_by_the_callers_atomic() -> None:
    m = member(Role.TRUSTEE)
    body = m.responsible_body
    with tenant_context(body):
        with pytest.raises(IntegrityError), transaction.atomic(), tenant_context(body):
            Membership.objects.create(user=m.user, responsible_body=body, role=Role.TRUSTEE, valid_from=m.valid_from)
        # The caller's savepoint undid the failed write; the transaction and the setting carry on.
        assert _setting() == str(body.pk)
        assert Membership.objects.count() == 1


def test_outside_any_transaction_the_context_opens_its_own() -> None:
    body = member(Role.TRUSTEE).responsible_body
    assert not connection.in_atomic_block
    with tenant_context(body):
        assert connection.in_atomic_block
        assert _setting() == str(body.pk)
    assert not connection.in_atomic_block
