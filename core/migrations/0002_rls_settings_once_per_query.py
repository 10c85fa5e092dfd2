"""Row-level security policies read ``current_setting`` once per query, not once per row.

Every policy compared each row with ``NULLIF(current_setting('app.tenant_id', true),
'')::bigint``: a function call, a text comparison and a cast per row filtered (a count of a
body's 20,000 cases made 40,000 calls). Wrapped in scalar subqueries the settings are
InitPlans, computed once per query; what each policy allows is unchanged.

The policies made by earlier migrations (``EnableRowLevelSecurity`` on every tenant-owned
table, and accounts' membership policies) are rewritten in place with ``ALTER POLICY``.
Each policy is matched against PostgreSQL's own rendering of the old condition (a
temporary table's policies give it), so a policy that is neither the old nor the new form
stops the migration instead of being rewritten blindly.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from core.tenancy import own_rows_predicate

OLD_TENANT = (
    "(responsible_body_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint "
    "OR current_setting('app.platform', true) = 'on')"
)
OLD_OWN = "user_id = NULLIF(current_setting('app.user_id', true), '')::bigint"


def new_tenant() -> str:
    # Imported late: the form of the day is what new tables get from core.rls.
    from core.tenancy import rls_predicate

    return rls_predicate()


def _rendered(cursor: Any, tenant: str, own: str) -> tuple[str, str]:
    """PostgreSQL's text of the two conditions (as ``pg_policies`` shows them)."""
    cursor.execute("CREATE TEMP TABLE rls_form (responsible_body_id bigint, user_id bigint)")
    cursor.execute(f"CREATE POLICY t ON rls_form USING {tenant}")
    cursor.execute(f"CREATE POLICY o ON rls_form FOR SELECT USING ({own})")
    cursor.execute(
        "SELECT policyname, qual FROM pg_policies WHERE tablename = 'rls_form' AND schemaname LIKE 'pg_temp%'"
    )
    found = dict(cursor.fetchall())
    cursor.execute("DROP TABLE rls_form")
    return found["t"], found["o"]


def _rewrite(schema_editor: Any, *, old: tuple[str, str], new: tuple[str, str]) -> None:
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        old_tenant, old_own = _rendered(cursor, *old)
        new_tenant_text, new_own = _rendered(cursor, *new)
        cursor.execute(
            "SELECT tablename, policyname, qual, with_check FROM pg_policies "
            "WHERE schemaname = current_schema() ORDER BY tablename, policyname"
        )
        policies = cursor.fetchall()
        for table, name, qual, check in policies:
            if (qual, check) == (old_tenant, old_tenant):
                cursor.execute(f"ALTER POLICY {quote(name)} ON {quote(table)} USING {new[0]} WITH CHECK {new[0]}")
            elif (qual, check) == (old_own, None):
                cursor.execute(f"ALTER POLICY {quote(name)} ON {quote(table)} USING ({new[1]})")
            elif (qual, check) in ((new_tenant_text, new_tenant_text), (new_own, None)):
                continue
            elif "current_setting" in f"{qual} {check}":
                raise RuntimeError(f"Policy {name} on {table} is not a form this migration knows: {qual}")


def forwards(apps: Any, schema_editor: Any) -> None:
    _rewrite(schema_editor, old=(OLD_TENANT, OLD_OWN), new=(new_tenant(), own_rows_predicate()))


def backwards(apps: Any, schema_editor: Any) -> None:
    _rewrite(schema_editor, old=(new_tenant(), own_rows_predicate()), new=(OLD_TENANT, OLD_OWN))


class Migration(migrations.Migration):
    # After every migration that makes a policy with the old condition: the membership
    # policies of accounts.0003 are the only ones written out by hand (the others come
    # from core.rls, which now writes the new form for tables created after this).
    dependencies = [
        ("core", "0001_initial"),
        ("accounts", "0008_hash_automation_tokens"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
