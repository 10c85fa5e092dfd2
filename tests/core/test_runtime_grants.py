"""Least privilege for the runtime role (#21 point 4): every table's grants match the declared
table in ``core.signals``, and the runtime role's UPDATE or DELETE on the audit trail and the
ledger is refused by privilege, before any trigger; the owner is still refused by the trigger."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from core.signals import (
    APPEND_ONLY,
    REGISTER_TABLES,
    RUNTIME_COLUMN_PRIVILEGES,
    RUNTIME_TABLE_PRIVILEGES,
    runtime_column_privileges,
    runtime_privileges,
    settings_extra_privileges,
)
from core.tenancy import tenant_context
from tests.exceptional_resource.conftest import draft_case, scene  # noqa: F401 (the scene fixture)
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


def _column_grants() -> dict[str, dict[str, set[str]]]:
    """The runtime role's column-level grants (``pg_attribute.attacl``), by table and privilege."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, acl.privilege_type, a.attname
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            CROSS JOIN LATERAL aclexplode(a.attacl) acl
            WHERE a.attacl IS NOT NULL AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
              AND acl.grantee = (SELECT oid FROM pg_roles WHERE rolname = %s)
            """,
            [settings.DATABASE_RUNTIME_ROLE],
        )
        grants: dict[str, dict[str, set[str]]] = {}
        for table, privilege, column in cursor.fetchall():
            grants.setdefault(table, {}).setdefault(privilege, set()).add(column)
    return grants


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def test_every_table_is_declared_and_its_grants_are_exactly_what_the_declared_table_says() -> None:
    grants = _grants()
    tables = _tables()
    assert len(tables) > 90
    assert set(RUNTIME_TABLE_PRIVILEGES) <= set(tables), "a declared table no longer exists"
    undeclared = sorted(set(tables) - set(RUNTIME_TABLE_PRIVILEGES))
    assert undeclared == [], "declare these tables in core.signals.RUNTIME_TABLE_PRIVILEGES"
    mismatched = {
        table: (sorted(grants.get(table, set())), sorted(runtime_privileges(table)))
        for table in tables
        if grants.get(table, set()) != set(runtime_privileges(table)) | set(settings_extra_privileges(table))
    }
    assert mismatched == {}
    for table in (
        "accounts_auditevent",
        "pooling_leg",
        "pooling_transaction",
        "groupings_groupingpolicy",
        "shared_resources_allocationrules",
    ):
        assert grants[table] == {"SELECT", "INSERT"}, table
    assert set(APPEND_ONLY) == {"SELECT", "INSERT"}
    assert "authtoken_token" not in grants


def test_column_grants_are_exactly_the_declared_ones() -> None:
    """Column grants (``GRANT UPDATE (note) ON ...``) are declared in
    ``RUNTIME_COLUMN_PRIVILEGES`` and the role holds those and no other."""
    declared = {
        table: {privilege: set(columns) for privilege, columns in runtime_column_privileges(table).items()}
        for table in RUNTIME_COLUMN_PRIVILEGES
    }
    assert set(RUNTIME_COLUMN_PRIVILEGES) <= set(_tables()), "a table with column grants no longer exists"
    assert _column_grants() == declared
    assert declared == {"exceptional_resource_caseevent": {"UPDATE": {"note"}}}
    # The timeline stays append-only at table level: no UPDATE of the row, no DELETE.
    assert _grants()["exceptional_resource_caseevent"] == {"SELECT", "INSERT"}


def test_the_runtime_role_may_empty_a_timeline_note_and_change_nothing_else(request: pytest.FixtureRequest) -> None:
    """The retention job empties ``caseevent.note``; every other column of the timeline, and
    deleting a row, are refused by privilege."""
    from exceptional_resource.models import CaseEvent

    built = request.getfixturevalue("scene")
    case = draft_case(built)
    body = built.body
    with tenant_context(body):
        event = CaseEvent.objects.create(
            responsible_body=body, case=case, verb="submitted", to_status="submitted", note="Ada named here"
        )
        assert CaseEvent.objects.filter(pk=event.pk).update(note="") == 1
        event.refresh_from_db()
        assert event.note == ""
        for statement in (
            "UPDATE exceptional_resource_caseevent SET to_status = 'closed'",
            "UPDATE exceptional_resource_caseevent SET note = '', to_status = to_status",
            "DELETE FROM exceptional_resource_caseevent",
        ):
            with pytest.raises(DatabaseError, match="permission denied for table"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(statement)


def test_the_register_is_read_only_for_the_runtime_role_in_production() -> None:
    """The declaration production applies: SELECT only on the register. The test settings
    alone add writes (``DATABASE_RUNTIME_ROLE_MAY_WRITE_REGISTER``: the factories build
    schools as the runtime role), and only on these tables."""
    assert REGISTER_TABLES == (
        "groupings_school",
        "groupings_schoollink",
        "groupings_trust",
        "groupings_schoolcensus",
    )
    for table in REGISTER_TABLES:
        assert runtime_privileges(table) == ("SELECT",)
    extra = {table: settings_extra_privileges(table) for table in _tables() if settings_extra_privileges(table)}
    assert extra == {
        **dict.fromkeys(REGISTER_TABLES, ("INSERT", "UPDATE", "DELETE")),
        "django_content_type": ("INSERT",),  # refilled after a test's flush
        "auth_permission": ("INSERT",),
    }
    from pathlib import Path

    import config.settings

    settings_dir = Path(config.settings.__file__).parent
    for name in ("production.py", "base.py"):
        text = (settings_dir / name).read_text()
        assert "DATABASE_RUNTIME_ROLE_MAY_WRITE_REGISTER" not in text
        assert "DATABASE_RUNTIME_ROLE_MAY_TRUNCATE" not in text


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


LEDGER_STATEMENTS = [
    "UPDATE accounts_auditevent SET verb = 'x'",
    "DELETE FROM accounts_auditevent",
    "UPDATE pooling_leg SET amount_pence = amount_pence * 2",
    "DELETE FROM pooling_leg",
    "UPDATE pooling_transaction SET description = 'edited'",
    "DELETE FROM pooling_transaction",
]
STATEMENTS = [
    *LEDGER_STATEMENTS,
    "UPDATE groupings_groupingpolicy SET version = version",
    "DELETE FROM groupings_groupingpolicy",
    "UPDATE shared_resources_allocationrules SET version = version",
    "DELETE FROM shared_resources_allocationrules",
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_runtime_role_is_refused_by_privilege_before_any_trigger(statement: str) -> None:
    body = TrustFactory()
    with tenant_context(body), pytest.raises(DatabaseError, match="permission denied for table") as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert "append-only" not in str(refused.value)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("statement", LEDGER_STATEMENTS)
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


@pytest.mark.django_db(transaction=True)
def test_the_register_import_runs_as_the_owner_and_the_app_returns_to_the_runtime_role() -> None:
    """``manage.py import_gias`` writes the register as the owner (``core.db_roles``): the
    runtime role may only read it in production."""
    from io import StringIO
    from unittest import mock

    from django.core.management import call_command

    from groupings.models import School
    from groupings.services import register
    from tests.groupings.test_gias_import import sample

    roles: list[str] = []
    real = register.school_register_import

    def spy(**kwargs: object) -> object:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            roles.append(cursor.fetchone()[0])
        return real(**kwargs)  # type: ignore[arg-type]

    with mock.patch("groupings.management.commands.import_gias.school_register_import", spy):
        call_command(
            "import_gias", str(sample("establishments/edubasealldata_subset_2024_mixed.csv")), stdout=StringIO()
        )
    owner = _owner_conn()
    with owner:
        owner_user = owner.execute("SELECT current_user").fetchone()[0]
    assert roles == [owner_user]
    assert School.objects.filter(urn=100000).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == settings.DATABASE_RUNTIME_ROLE
