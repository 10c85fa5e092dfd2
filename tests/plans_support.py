"""What the tests of query plans share: statistics that count the tables as empty (as a
long test run or autovacuum leaves them), made on purpose, and checks that no step of a
plan walks a table (or a CTE's rows) once per row of another."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction


def owner_connection() -> psycopg.Connection[Any]:
    owner = settings.TEST_OWNER_CREDENTIALS
    return psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"],
        host=owner["HOST"] or None,
        port=owner["PORT"] or None,
        autocommit=True,
    )


def tables() -> list[str]:
    return sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy})


@contextmanager
def analysed_while_uncommitted() -> Iterator[None]:
    """Inside the block, this test's rows (written in a savepoint) are uncommitted when
    another connection, as the tables' owner, analyses every table (``analyse_now``):
    PostgreSQL records the pages it found and no live rows. Afterwards the rows are rolled
    back and the tables vacuumed, so the tests that follow on this database start from sane
    statistics."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
        with owner_connection() as owner:
            owner.execute("SET lock_timeout = '5s'")
            for table in tables():
                owner.execute(f'VACUUM (ANALYZE) "{table}"')


def analyse_now(counted: Collection[str]) -> dict[str, tuple[int, float]]:
    """ANALYZE every table as the owner, from another connection; the pages and live rows
    it recorded for the ``counted`` tables."""
    with owner_connection() as owner:
        owner.execute("SET lock_timeout = '5s'")
        for table in tables():
            owner.execute(f'ANALYZE "{table}"')
        rows = owner.execute(
            "SELECT relname, relpages, reltuples FROM pg_class WHERE relname = ANY(%s)", [sorted(counted)]
        ).fetchall()
    return {name: (pages, tuples) for name, pages, tuples in rows}


def repeated_walks(node: dict[str, Any], watched: Collection[str], size: int) -> list[str]:
    """Scans of a ``watched`` table run more than once without an index condition (a bitmap
    scan's is its recheck condition), or that read more rows over all their loops than
    ``size`` (the rows the watched tables hold)."""
    found = []
    loops = node.get("Actual Loops", 0)
    if node.get("Relation Name") in watched and loops > 1:
        read = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
        condition = node.get("Index Cond") or node.get("Recheck Cond")
        if condition is None or read * loops > size:
            found.append(
                f"{node['Node Type']} on {node['Relation Name']} ({node.get('Index Name', 'no index')}, "
                f"index condition {condition}): {read:g} rows read per loop, {loops} loops"
            )
    for child in node.get("Plans", []):
        found.extend(repeated_walks(child, watched, size))
    return found


def repeated_cte_scans(node: dict[str, Any]) -> list[str]:
    """Scans of a CTE's rows run more than once: a CTE has no index, so a loop over one
    walks all its rows once per outer row."""
    found = (
        [f"CTE Scan on {node.get('CTE Name')}: {node['Actual Loops']} loops"]
        if (node.get("Node Type") == "CTE Scan" and node.get("Actual Loops", 0) > 1)
        else []
    )
    for child in node.get("Plans", []):
        found.extend(repeated_cte_scans(child))
    return found
