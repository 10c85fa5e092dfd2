"""Row-level security, tested as the runtime role over its own connections."""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from accounts.models import Role
from core.tenancy import TenantOwnedModel
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def runtime_conn() -> Iterator[psycopg.Connection]:
    creds = settings.TEST_RUNTIME_CREDENTIALS
    conn = psycopg.connect(
        host=creds["HOST"],
        port=creds["PORT"] or 5432,
        user=creds["USER"],
        password=creds["PASSWORD"] or None,
        dbname=connection.settings_dict["NAME"],
    )
    yield conn
    conn.close()


def test_tests_run_as_the_runtime_role_which_cannot_bypass_rls() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, is_super, bypass = cursor.fetchone()
    assert user == settings.DATABASE_RUNTIME_ROLE
    assert (is_super, bypass) == (False, False)


def test_every_tenant_owned_table_has_forced_rls_and_a_policy() -> None:
    tenant_models = [m for m in apps.get_models() if issubclass(m, TenantOwnedModel)]
    assert tenant_models, "no tenant-owned models found"
    with connection.cursor() as cursor:
        # Any table carrying a tenant column counts, history tables (pghistory) included.
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'responsible_body_id'"
        )
        tables = {row[0] for row in cursor.fetchall()}
    assert {m._meta.db_table for m in tenant_models} <= tables
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner), "
                "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) "
                "FROM pg_class c WHERE c.relname = %s",
                [table],
            )
            enabled, forced, owner, policies = cursor.fetchone()
            assert (enabled, forced) == (True, True), table
            assert policies >= 1, table
            assert owner != settings.DATABASE_RUNTIME_ROLE, table


def test_runtime_role_sees_nothing_without_context_and_only_its_tenant_with_it(runtime_conn) -> None:
    a = member(Role.TRUSTEE)
    b = member(Role.TRUSTEE)
    member(Role.FINANCE_OFFICER, b.responsible_body)
    with runtime_conn.transaction():
        assert runtime_conn.execute("SELECT count(*) FROM accounts_membership").fetchone()[0] == 0
        assert runtime_conn.execute("SELECT count(*) FROM accounts_auditevent").fetchone()[0] == 0
    with runtime_conn.transaction():
        runtime_conn.execute("SELECT set_config('app.tenant_id', %s, true)", [str(a.responsible_body_id)])
        rows = runtime_conn.execute("SELECT DISTINCT responsible_body_id FROM accounts_membership").fetchall()
        assert rows == [(a.responsible_body_id,)]
    with runtime_conn.transaction():
        runtime_conn.execute("SELECT set_config('app.tenant_id', %s, true)", [str(b.responsible_body_id)])
        assert runtime_conn.execute("SELECT count(*) FROM accounts_membership").fetchone()[0] == 2
    # The setting is transaction-local: the next transaction has no context again.
    with runtime_conn.transaction():
        assert runtime_conn.execute("SELECT count(*) FROM accounts_membership").fetchone()[0] == 0


def test_runtime_role_cannot_write_a_row_for_another_tenant(runtime_conn) -> None:
    a = member(Role.TRUSTEE)
    b = member(Role.TRUSTEE)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        with runtime_conn.transaction():
            runtime_conn.execute("SELECT set_config('app.tenant_id', %s, true)", [str(a.responsible_body_id)])
            runtime_conn.execute(
                "INSERT INTO accounts_membership (responsible_body_id, user_id, role, valid_from, created_at) "
                "VALUES (%s, %s, 'trustee', current_date, now())",
                [b.responsible_body_id, a.user_id],
            )
    with pytest.raises(psycopg.errors.InsufficientPrivilege), runtime_conn.transaction():
        runtime_conn.execute("SELECT set_config('app.tenant_id', %s, true)", [str(a.responsible_body_id)])
        runtime_conn.execute(
            "UPDATE accounts_membership SET responsible_body_id = %s WHERE id = %s",
            [b.responsible_body_id, a.pk],
        )
    with runtime_conn.transaction():
        runtime_conn.execute("SELECT set_config('app.tenant_id', %s, true)", [str(a.responsible_body_id)])
        updated = runtime_conn.execute("UPDATE accounts_membership SET role = 'auditor' WHERE id = %s", [b.pk])
        assert updated.rowcount == 0


def test_runtime_role_cannot_change_the_schema_or_disable_rls(runtime_conn) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), runtime_conn.transaction():
        runtime_conn.execute("ALTER TABLE accounts_membership DISABLE ROW LEVEL SECURITY")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), runtime_conn.transaction():
        runtime_conn.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER audit_event_append_only")


def test_a_user_can_read_but_not_write_their_own_memberships_in_other_bodies(runtime_conn) -> None:
    a = member(Role.TRUSTEE)
    with runtime_conn.transaction():
        runtime_conn.execute("SELECT set_config('app.user_id', %s, true)", [str(a.user_id)])
        assert runtime_conn.execute("SELECT count(*) FROM accounts_membership").fetchone()[0] == 1
        updated = runtime_conn.execute("UPDATE accounts_membership SET role = 'body_admin' WHERE id = %s", [a.pk])
        assert updated.rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with runtime_conn.transaction():
            runtime_conn.execute("SELECT set_config('app.user_id', %s, true)", [str(a.user_id)])
            runtime_conn.execute(
                "INSERT INTO accounts_membership (responsible_body_id, user_id, role, valid_from, created_at) "
                "VALUES (%s, %s, 'body_admin', current_date, now())",
                [a.responsible_body_id, a.user_id],
            )


def test_every_policy_reads_the_tenant_settings_once_per_query_not_once_per_row() -> None:
    # A bare current_setting() in a policy is evaluated for every row the policy filters;
    # as a scalar subquery it is an InitPlan, evaluated once per query.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') "
            "FROM pg_policies WHERE schemaname = current_schema()"
        )
        policies = cursor.fetchall()
    assert len(policies) >= 60
    once = re.compile(r"SELECT \(?(NULLIF\()?current_setting\(")
    per_row = [(table, name) for table, name, text in policies if "current_setting(" in once.sub("", text)]
    assert per_row == []


def test_the_tenant_setting_is_one_initplan_and_the_rows_are_compared_with_a_constant(runtime_conn) -> None:
    a = member(Role.TRUSTEE)
    member(Role.TRUSTEE)
    with runtime_conn.transaction():
        runtime_conn.execute("SELECT set_config('app.tenant_id', %s, true)", [str(a.responsible_body_id)])
        plan = "\n".join(
            row[0]
            for row in runtime_conn.execute("EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM accounts_membership").fetchall()
        )
        assert runtime_conn.execute("SELECT count(*) FROM accounts_membership").fetchone()[0] == 1
    # The tenant and platform settings, and the user setting of the own-memberships policy: once each.
    # Count the plan's InitPlan nodes, not every mention: PostgreSQL 18 also names them where a
    # filter uses their result ("(InitPlan 1).col1"), PostgreSQL 15 writes "$0" there.
    initplans = [line for line in plan.splitlines() if line.strip().startswith("InitPlan")]
    assert len(initplans) == 3, plan
    filters = [line for line in plan.splitlines() if "Filter:" in line or "Cond:" in line]
    assert filters
    assert not any("current_setting" in line for line in filters), plan
