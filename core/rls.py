"""A reusable migration operation that puts a tenant-owned table under row-level security.

Every app's migration that creates a tenant-owned table adds::

    EnableRowLevelSecurity("modelname")

``tests/isolation/test_rls.py`` fails if any ``TenantOwnedModel`` table lacks it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from core.tenancy import rls_predicate

POLICY_NAME = "tenant_isolation"


class EnableRowLevelSecurity(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, predicate: str | None = None):
        self.model_name = model_name
        self.predicate = predicate or rls_predicate()

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _table(self, app_label: str, state: Any) -> str:
        model = state.apps.get_model(app_label, self.model_name)
        return str(model._meta.db_table)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        table = schema_editor.quote_name(self._table(app_label, to_state))
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(
            f"CREATE POLICY {POLICY_NAME} ON {table} USING {self.predicate} WITH CHECK {self.predicate}"
        )

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self) -> str:
        return f"Enable row-level security on {self.model_name}"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {}
        if self.predicate != rls_predicate():
            kwargs["predicate"] = self.predicate
        return (self.__class__.__qualname__, [self.model_name], kwargs)

    @property
    def migration_name_fragment(self) -> str:
        return f"rls_{self.model_name.lower()}"
