"""The tables whose pages the busiest reads take from indexes alone are vacuumed often
enough to keep the visibility map current (issue 22: pooling 0013, exceptional_resource
0015)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def options(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
    assert row is not None, table
    return dict(option.split("=", 1) for option in (row[0] or []))


@pytest.mark.parametrize("table", ["pooling_leg", "pooling_transaction"])
def test_the_ledger_is_vacuumed_after_one_percent_new_rows(table: str) -> None:
    assert options(table) == {
        "autovacuum_vacuum_insert_scale_factor": "0.01",
        "autovacuum_analyze_scale_factor": "0.02",
    }


def test_cases_are_vacuumed_after_two_percent_change() -> None:
    assert options("exceptional_resource_case") == {
        "autovacuum_vacuum_scale_factor": "0.02",
        "autovacuum_vacuum_insert_scale_factor": "0.02",
        "autovacuum_analyze_scale_factor": "0.02",
    }
