"""Put the synthetic data set's schools in the register (platform reference data)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection

from devtools.synthetic.register import AGES, TYPE_GROUP, SchoolSpec
from devtools.synthetic.writer import copy_rows
from groupings.models import School, imf_eligibility

SCHOOL_COLUMNS = (
    "urn", "name", "la_code", "la_name", "establishment_number", "type_name", "type_group", "status", "phase",
    "statutory_low_age", "statutory_high_age", "number_of_pupils", "trust_uid", "trust_name", "postcode",
    "is_imf_eligible", "eligibility_reason", "updated_at",
)  # fmt: skip


def upsert_schools(schools: list[SchoolSpec], trusts: dict[int, tuple[int, str]] | None = None) -> dict[int, int]:
    """Insert the schools the register does not have yet (by URN; existing rows are left
    as they are) and return every URN's id."""
    trusts = trusts or {}
    existing = dict(School.objects.filter(urn__in=[s.urn for s in schools]).values_list("urn", "id"))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for s in schools:
        if s.urn in existing:
            continue
        low, high = AGES[s.phase]
        eligible, reason = imf_eligibility(
            type_name=s.type_name, phase=s.phase, status="Open", low_age=low, high_age=high
        )
        trust_uid, trust_name = trusts.get(s.urn, (None, ""))
        rows.append((
            s.urn, s.name[:200], s.la_code, s.la_name[:100], s.establishment_number, s.type_name,
            TYPE_GROUP.get(s.type_name, "Special schools"), "Open", s.phase, low, high, s.pupils, trust_uid,
            trust_name[:200], "", eligible, reason, now,
        ))  # fmt: skip
    if rows:
        model_columns = ("id", *SCHOOL_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('groupings_school', 'id')) FROM generate_series(1, %s)",
                [len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
        copy_rows(School, model_columns, [(i, *r) for i, r in zip(ids, rows, strict=True)])
    return dict(School.objects.filter(urn__in=[s.urn for s in schools]).values_list("urn", "id"))
