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


def test_the_outermost_context_sets_the_tenant_once_and_leaves_it_to_the_commit() -> None:
    body = member(Role.TRUSTEE).responsible_body
    with CaptureQueriesContext(connection) as captured:
        with tenant_context(body):
            assert Membership.objects.count() == 1
    sql = [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert [s for s in sql if "set_config" in s.lower()] == [sql[0]]  # no statement puts it back
    assert _setting() == ""  # the transaction's end did
    assert current_tenant_id() is None


def test_a_body_found_by_its_slug_and_its_context_are_one_statement() -> None:
    from accounts.models import ResponsibleBody
    from core.tenancy import tenant_context_of

    body = member(Role.TRUSTEE).responsible_body
    with CaptureQueriesContext(connection) as captured:
        with tenant_context_of(ResponsibleBody.objects.filter(slug=body.slug)) as found:
            assert found == body
            assert (_setting(), current_tenant_id()) == (str(body.pk), body.pk)
            assert Membership.objects.count() == 1
    sql = [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert len(sql) == 3  # the body with its setting, the check of the setting, the count
    assert 'set_config(\'app.tenant_id\', "accounts_responsiblebody"."id"::text, true)' in sql[0]
    assert _setting() == ""
    assert current_tenant_id() is None


def test_no_body_by_that_slug_is_none_and_no_context() -> None:
    from accounts.models import ResponsibleBody
    from core.tenancy import tenant_context_of

    member(Role.TRUSTEE)
    with tenant_context_of(ResponsibleBody.objects.filter(slug="no-such-body")) as found:
        assert found is None
        assert (_setting(), current_tenant_id()) == ("", None)


def test_a_body_found_inside_another_context_puts_the_other_back_after() -> None:
    from accounts.models import ResponsibleBody
    from core.tenancy import tenant_context_of

    first = member(Role.TRUSTEE).responsible_body
    second = member(Role.TRUSTEE).responsible_body
    with tenant_context(first):
        with tenant_context_of(ResponsibleBody.objects.filter(slug=second.slug)) as found:
            assert found == second
            assert (_setting(), current_tenant_id()) == (str(second.pk), second.pk)
        assert (_setting(), current_tenant_id()) == (str(first.pk), first.pk)


def test_an_api_request_finds_its_body_and_sets_the_tenant_in_one_statement() -> None:
    """The API's base view, like the pages' ``BodyMixin``, reads the body by its slug and
    sets ``app.tenant_id`` in the same statement (issue 22: one round trip per request)."""
    from rest_framework.test import APIClient

    trustee = member(Role.TRUSTEE)
    body = trustee.responsible_body
    api = APIClient()
    api.force_authenticate(trustee.user)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"/api/v1/bodies/{body.slug}/pools/")
    assert response.status_code == 200, response.content
    touching_the_tenant = [q["sql"] for q in captured.captured_queries if "app.tenant_id" in q["sql"]]
    # This module's tests run outside a test transaction, so the request's transaction is the
    # outermost: the body read sets the tenant, and nothing else reads or sets it (it ends
    # with the transaction).
    assert len(touching_the_tenant) == 1, [q["sql"][:90] for q in captured.captured_queries]
    assert '"accounts_responsiblebody"."slug"' in touching_the_tenant[0]
    assert 'set_config(\'app.tenant_id\', "accounts_responsiblebody"."id"::text, true)' in touching_the_tenant[0]


def test_an_api_request_for_an_unknown_body_is_404_and_sets_no_tenant() -> None:
    from rest_framework.test import APIClient

    trustee = member(Role.TRUSTEE)
    api = APIClient()
    api.force_authenticate(trustee.user)
    response = api.get("/api/v1/bodies/no-such-body/pools/")
    assert response.status_code == 404
    assert current_tenant_id() is None
    anonymous = APIClient().get(f"/api/v1/bodies/{trustee.responsible_body.slug}/pools/")
    assert anonymous.status_code in (401, 403)
