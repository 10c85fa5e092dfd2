"""Least privilege for the runtime role (#21 point 4): every table's grants match the declared
table in ``core.signals``, and the runtime role's UPDATE or DELETE on the audit trail and the
ledger is refused by privilege, before any trigger; the owner is still refused by the trigger."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from core.signals import APPEND_ONLY, RUNTIME_TABLE_PRIVILEGES, runtime_privileges
from core.tenancy import tenant_context
from tests.factories import TrustFactory

pytestmark = pytest.mark.django_db


def _grants() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, p.privilege_type
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            CROSS JOIN LATERAL (
                SELECT unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS privilege_type
            ) p
            WHERE c.relkind IN ('r', 'p')
              AND has_table_privilege(%s, c.oid, p.privilege_type)
            """,
            [settings.DATABASE_RUNTIME_ROLE],
        )
        grants: dict[str, set[str]] = {}
        for table, privilege in cursor.fetchall():
            grants.setdefault(table, set()).add(privilege)
    return grants


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def test_every_table_grants_the_runtime_role_exactly_what_the_declared_table_says() -> None:
    grants = _grants()
    tables = _tables()
    assert len(tables) > 90
    assert set(RUNTIME_TABLE_PRIVILEGES) <= set(tables), "a declared table no longer exists"
    mismatched = {
        table: (sorted(grants.get(table, set())), sorted(runtime_privileges(table)))
        for table in tables
        if grants.get(table, set()) != set(runtime_privileges(table))
    }
    assert mismatched == {}
    assert (
        grants["accounts_auditevent"] == grants["pooling_leg"] == grants["pooling_transaction"] == {"SELECT", "INSERT"}
    )
    assert set(APPEND_ONLY) == {"SELECT", "INSERT"}


def _owner_conn() -> psycopg.Connection:
    import environ

    from config.settings.base import socket_host

    owner = socket_host(environ.Env.db_url_config(settings.DATABASE_OWNER_URL))
    return psycopg.connect(
        host=owner["HOST"],
        port=owner["PORT"] or 5432,
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    )


STATEMENTS = [
    "UPDATE accounts_auditevent SET verb = 'x'",
    "DELETE FROM accounts_auditevent",
    "UPDATE pooling_leg SET amount_pence = amount_pence * 2",
    "DELETE FROM pooling_leg",
    "UPDATE pooling_transaction SET description = 'edited'",
    "DELETE FROM pooling_transaction",
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_runtime_role_is_refused_by_privilege_before_any_trigger(statement: str) -> None:
    body = TrustFactory()
    with tenant_context(body), pytest.raises(DatabaseError, match="permission denied for table") as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert "append-only" not in str(refused.value)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_owner_holding_the_privilege_is_still_refused_by_the_trigger(statement: str) -> None:
    """Defence in depth: the owner (migrations, restores) has the privilege, so the refusal
    comes from the table's trigger. Rows are committed first (an empty table fires no row
    trigger): one audit event and one balanced posting."""
    from accounts.models import Role
    from pooling.services.ledger import pool_open
    from tests.factories import member
    from tests.pooling.conftest import fund

    officer = member(Role.FINANCE_OFFICER, mfa=True)
    pool = pool_open(actor=officer.user, tenant=officer.responsible_body, label="2026-27")
    fund(officer, pool, 10_000)
    with _owner_conn() as conn:
        conn.execute("SET app.platform = 'on'")
        assert conn.execute("SELECT count(*) FROM accounts_auditevent").fetchone()[0] >= 1
        assert conn.execute("SELECT count(*) FROM pooling_leg").fetchone()[0] >= 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(statement)
