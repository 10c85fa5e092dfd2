"""Step 1, EXPLAIN over the queries behind the main pages, and B1, pages under load from
simulated users on role journeys against gunicorn with production settings."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
from http.client import HTTPConnection, RemoteDisconnected
from typing import Any

from devtools.bench.common import KEEP_ALIVE_IDLE_S, PORT, ROOT, WORK, say

# --- 1. EXPLAIN over the queries behind the main pages -----------------------------------

LARGE_TABLE_ROWS = 10_000


def explain_pages(ctx: dict[str, Any], paths: dict[str, list[str]], body_id: int) -> dict[str, Any]:
    """Render each page in-process, capture its SQL, EXPLAIN each SELECT in the body's
    context and list sequential scans of tables with more than 10,000 rows."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
        sizes = {name: int(n) for name, n in cursor.fetchall()}
    findings: list[dict[str, Any]] = []
    rendered: dict[str, dict[str, Any]] = {}
    explained = 0
    for role, pages in paths.items():
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = ctx["cookies"][role]
        for path in dict.fromkeys(pages):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                status = client.get(path, secure=True).status_code
            rendered[f"{role} {path}"] = {
                "status": status,
                "ms": round((time.perf_counter() - start) * 1000, 1),
                "queries": len(captured.captured_queries),
            }
            if status != 200:
                continue
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT") or "pg_advisory" in sql:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("BEGIN")
                    cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(body_id)])
                    cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                    plan = cursor.fetchone()[0]
                    cursor.execute("ROLLBACK")
                explained += 1
                for node in _nodes(plan[0]["Plan"] if isinstance(plan, list) else json.loads(plan)[0]["Plan"]):
                    table = node.get("Relation Name", "")
                    if node.get("Node Type") == "Seq Scan" and sizes.get(table, 0) > LARGE_TABLE_ROWS:
                        findings.append({"role": role, "page": path, "table": table, "rows": sizes[table],
                                         "sql": sql[:300]})  # fmt: skip
    return {"queries_explained": explained, "seq_scans_of_large_tables": findings, "pages_in_process": rendered}


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found.extend(_nodes(child))
    return found


# --- 2. B1: pages under load --------------------------------------------------------------


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    server_env = dict(env, BIND=f"127.0.0.1:{PORT}")
    server = subprocess.Popen(
        ["scripts/web", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=open(WORK / "gunicorn.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError(f"gunicorn did not start; see {WORK}/gunicorn.log")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def _get(conn: HTTPConnection, path: str, cookie: str | None) -> int:
    headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def load(
    users: list[tuple[str, list[str], str | None]], seconds: float, think: tuple[float, float] = (0.0, 0.0)
) -> dict[str, Any]:
    """Each user loops over its journey until the deadline, pausing a random think time
    (uniform between ``think`` seconds, seeded per user) after each page; (0, 0) is a closed
    loop that saturates the server."""
    samples: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    errors: list[str] = []
    reconnects = [0]

    def run(index: int, role: str, pages: list[str], cookie: str | None) -> None:
        conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine: list[tuple[str, float, int]] = []
        rng = random.Random(index)  # noqa: S311 - think times, not security
        n = 0
        idle_since = time.perf_counter()
        if think[1] > 0:  # users arrive spread over one think time, not all at once
            time.sleep(rng.uniform(0, think[1]))
        while time.monotonic() < deadline:
            path = pages[n % len(pages)]
            n += 1
            start = time.perf_counter()
            try:
                try:
                    status = _get(conn, path, cookie)
                except (RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if n == 1 or start - idle_since < KEEP_ALIVE_IDLE_S:
                        raise  # a connection in use failed: an error
                    # The server closed this kept-alive connection while the user was
                    # thinking (gunicorn's keep-alive is 2 s): reconnect and send the GET
                    # again, as a browser does. Only after such an idle spell; counted, and
                    # timed from the first attempt.
                    conn.close()
                    conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
                    with lock:
                        reconnects[0] += 1
                    status = _get(conn, path, cookie)
            except Exception as exc:  # noqa: BLE001 - a failed request is an error sample
                status = 599
                conn.close()
                conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
                with lock:
                    errors.append(repr(exc))
            mine.append((role, (time.perf_counter() - start) * 1000, status))
            idle_since = time.perf_counter()
            if think[1] > 0:
                time.sleep(min(rng.uniform(*think), max(0.0, deadline - time.monotonic())))
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=run, args=(i, *u)) for i, u in enumerate(users)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    return summary(samples, elapsed) | {"exceptions": errors[:5], "reconnects_after_keep_alive_closed": reconnects[0]}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summary(samples: list[tuple[str, float, int]], elapsed: float) -> dict[str, Any]:
    latencies = [ms for _, ms, _ in samples]
    bad = [s for s in samples if s[2] != 200]
    by_role = {}
    for role in sorted({s[0] for s in samples}):
        mine = [ms for r, ms, _ in samples if r == role]
        by_role[role] = {"requests": len(mine), "p50_ms": percentile(mine, 0.5), "p95_ms": percentile(mine, 0.95)}
    return {
        "requests": len(samples),
        "seconds": round(elapsed, 1),
        "rps": round(len(samples) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "errors": len(bad),
        "error_statuses": sorted({s[2] for s in bad}),
        "by_role": by_role,
    }


def b1(
    ctx: dict[str, Any], paths: dict[str, list[str]], users: int, seconds: float, think: tuple[float, float]
) -> dict[str, Any]:
    """Three runs on the same server: ``users`` simulated users with think time (latency as
    people would see it); the same users with no think time (the pages' saturated
    throughput); and the trivial view with no think time (the server's ceiling)."""
    roles = list(paths)
    plan = [(roles[i % len(roles)], paths[roles[i % len(roles)]], ctx["cookies"][roles[i % len(roles)]])
            for i in range(users)]  # fmt: skip
    say(f"B1 warm-up, then {users} users with {think[0]:g}-{think[1]:g} s think time for {seconds:.0f} s")
    load(plan[: len(roles)], 5)
    pages = load(plan, seconds, think)
    say(f"B1 pages: {pages['rps']} req/s, p95 {pages['p95_ms']} ms, {pages['errors']} errors")
    saturated = load(plan, min(seconds, 30))
    say(f"B1 pages, no think time: {saturated['rps']} req/s, p95 {saturated['p95_ms']} ms")
    trivial = load([("trivial", ["/healthz/trivial"], None)] * users, min(seconds, 20))
    say(f"B1 ceiling (trivial view): {trivial['rps']} req/s")
    share = saturated["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    cores = os.cpu_count() or 1
    return {
        "users": users,
        "think_time_s": list(think),
        "pages": pages,
        "saturated": saturated,
        "trivial": {k: trivial[k] for k in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")},
        "share_of_ceiling": round(share, 3),
        # Issue 22 retired the "40% of the trivial view" target: the saturated pages per
        # second per core are reported instead (the goal, doubling it, is read against an
        # earlier run on the same machine, not judged here).
        "cores": cores,
        "pages_per_second_per_core": round(saturated["rps"] / cores, 1),
        "met": pages["p95_ms"] <= 250 and pages["errors"] == 0 and saturated["errors"] == 0,
    }


def check_paths(ctx: dict[str, Any], paths: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Keep the pages that answer 200 for their role; report the rest as skipped."""
    kept: dict[str, list[str]] = {}
    skipped: list[str] = []
    for role, pages in paths.items():
        conn = HTTPConnection("127.0.0.1", PORT, timeout=60)
        ok = []
        for path in pages:
            status = _get(conn, path, ctx["cookies"].get(role))
            (ok.append(path) if status == 200 else skipped.append(f"{role} {path} → {status}"))
        conn.close()
        if ok:
            kept[role] = ok
        else:
            skipped.append(f"{role}: no page answered; journey dropped")
    return kept, skipped
