"""Step 1, the API half: the shared-resources API operations run in-process against the
largest body (reads as they are; writes inside a transaction that is rolled back, so the
data set is left as it was), their SQL captured and EXPLAINed like the pages' (issue 15:
register, capacity per resource and term, share by school, requests, allocation)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from django.db import connection, transaction

LARGE_TABLE_ROWS = 10_000
# Statements explained: reads, and the writes that find their rows by a condition.
EXPLAINED = ("SELECT", "UPDATE", "DELETE", "WITH")


class _RolledBack(Exception):
    """Raised to leave the write's transaction without keeping anything."""


def api_operations(ctx: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(role, method, path, body) for every shared-resources API operation issue 15 names
    that the data set has an object for."""
    api = f"/api/v1/bodies/{ctx['slug']}/shared-resources"
    r, term = ctx.get("resource_id"), ctx.get("term_id")
    ops: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("finance_officer", "GET", f"{api}/", None),
        ("finance_officer", "GET", f"{api}/?kind=post", None),
        ("decision_officer", "GET", f"{api}/requests/", None),
        ("decision_officer", "GET", f"{api}/requests/?status=pending", None),
        ("head", "GET", f"{api}/requests/", None),
        ("finance_officer", "GET", f"{api}/schools/", None),
        ("head", "GET", f"{api}/schools/", None),
        ("finance_officer", "GET", f"{api}/rules/", None),
        ("finance_officer", "POST", f"{api}/create/", {
            "kind": "service", "name": "Bench: speech and language therapy", "areas_of_need": ["SLCN"],
            "capacity_unit": "sessions", "capacity_basis": "term", "host_school_id": ctx["sendco_school_id"],
            "payee": "Bench therapy provider", "contract_reference": "BENCH-1", "starts_on": "2026-09-01",
            "ends_on": "2027-08-31", "contract_value_pence": 12_000_00,
        }),
    ]  # fmt: skip
    if r:
        ops += [
            ("finance_officer", "GET", f"{api}/{r}/", None),
            ("decision_officer", "GET", f"{api}/{r}/shares/", None),
        ]
    if term:
        ops.append(("sendco", "POST", f"{api}/requests/create/", {
            "capacityperiod_id": term, "school_id": ctx["sendco_school_id"], "units": 1,
            "note": "Bench: one session",
        }))  # fmt: skip
    if ctx.get("pending_request_id"):
        ops.append(("decision_officer", "POST", f"{api}/requests/{ctx['pending_request_id']}/allocate/", {"units": 1}))
    return ops


def explain_api(ctx: dict[str, Any], body_id: int) -> dict[str, Any]:
    """Run each operation, EXPLAIN its statements in the body's context and list sequential
    scans of tables with more than 10,000 rows (the pages' rule)."""
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.models import User
    from accounts.stepup import prove_for_api

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
        sizes = {name: int(n) for name, n in cursor.fetchall()}
    findings: list[dict[str, Any]] = []
    answered: dict[str, dict[str, Any]] = {}
    explained = 0
    for role, method, path, body in api_operations(ctx):
        user = User.objects.get(pk=ctx["user_ids"][role])
        client = APIClient()
        client.force_authenticate(user)
        headers: dict[str, Any] = {}
        if method == "POST":
            prove_for_api(user)  # a fresh authenticator code, as the operator's client sends
            headers["HTTP_IDEMPOTENCY_KEY"] = f"bench-{uuid.uuid4()}"
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                status = client.get(path, secure=True).status_code
            else:
                try:
                    with transaction.atomic():
                        status = client.post(path, body, format="json", secure=True, **headers).status_code
                        raise _RolledBack
                except _RolledBack:
                    pass
        answered[f"{role} {method} {path}"] = {
            "status": status,
            "ms": round((time.perf_counter() - start) * 1000, 1),
            "queries": len(captured.captured_queries),
        }
        if status >= 300:
            continue
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(EXPLAINED) or "pg_advisory" in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(body_id)])
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                cursor.execute("ROLLBACK")
            explained += 1
            for node in _nodes((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]):
                table = node.get("Relation Name", "")
                if node.get("Node Type") == "Seq Scan" and sizes.get(table, 0) > LARGE_TABLE_ROWS:
                    findings.append({"role": role, "operation": f"{method} {path}", "table": table,
                                     "rows": sizes[table], "sql": sql[:300]})  # fmt: skip
    return {"api_queries_explained": explained, "api_seq_scans_of_large_tables": findings, "api_in_process": answered}


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found.extend(_nodes(child))
    return found
