"""B1's per-request CPU (issue 22): every page of every B1 journey (``data.journeys``),
rendered in process through the full middleware stack (Django's test ``Client``, the
settings of the run; use production settings, ``DEBUG=False``), as the journey's role.

For each page: the median CPU time of this process per request (``time.process_time``:
Python's side only; PostgreSQL's CPU is another process's) and its wall time, and the
query count; then the total per journey (the sum of its pages' medians). CPU time is far
less sensitive than wall time to the other work on a shared machine. The pages are
requested round-robin (every page once, then every page again, ``--runs`` times) after
``--warm`` rounds, so a burst of load spreads over all of them.

    BENCH_DATABASE=ip_bench .venv/bin/python -m devtools.bench.cpu [--runs 20] [--profile 30] [--only /contributions/]

``--profile N`` then runs every page ``--profile-runs`` times under one cProfile and prints
the top N entries by own time and by cumulative time across all pages.
``--keep-env`` uses the environment as it is (settings, keys, database) instead of
``bench_environment()``: for a database whose pupil data was written with known keys.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time
from typing import Any


def _client(cookie: str) -> Any:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    return client


def journey_pages(ctx: dict[str, Any], only: str = "") -> list[tuple[str, str, Any]]:
    """(role, path, client) for every page of every B1 journey, one client per role (only
    the paths containing ``only``, when given)."""
    from devtools.bench.data import journeys

    rows: list[tuple[str, str, Any]] = []
    for role, paths in journeys(ctx).items():
        client = _client(ctx["cookies"][role])
        rows.extend((role, path, client) for path in paths if only in path)
    if not rows:
        raise SystemExit(f"No page of the B1 journeys has {only!r} in its path.")
    return rows


def _count_queries(client: Any, path: str) -> tuple[int, int]:
    from django.db import connection

    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = client.get(path, secure=True).status_code
    return status, len(queries)


def measure(ctx: dict[str, Any], *, runs: int = 20, warm: int = 3, only: str = "") -> dict[str, Any]:
    pages = journey_pages(ctx, only)
    for _ in range(warm):
        for _role, path, client in pages:
            client.get(path, secure=True)
    counted = [_count_queries(client, path) for _role, path, client in pages]
    cpu: list[list[float]] = [[] for _ in pages]
    wall: list[list[float]] = [[] for _ in pages]
    for _ in range(runs):
        for i, (_role, path, client) in enumerate(pages):
            c0, w0 = time.process_time(), time.perf_counter()
            client.get(path, secure=True)
            cpu[i].append((time.process_time() - c0) * 1000)
            wall[i].append((time.perf_counter() - w0) * 1000)
    rows: list[dict[str, Any]] = []
    for (role, path, _), (status, queries), c, w in zip(pages, counted, cpu, wall, strict=True):
        rows.append({
            "role": role,
            "path": path.replace(f"/b/{ctx['slug']}", ""),
            "status": status,
            "cpu_ms": round(statistics.median(c), 2),
            "wall_ms": round(statistics.median(w), 2),
            "queries": queries,
        })  # fmt: skip
    per_journey: dict[str, dict[str, float]] = {}
    for row in rows:
        total = per_journey.setdefault(row["role"], {"pages": 0, "cpu_ms": 0.0, "wall_ms": 0.0, "queries": 0})
        total["pages"] += 1
        total["cpu_ms"] = round(total["cpu_ms"] + row["cpu_ms"], 2)
        total["wall_ms"] = round(total["wall_ms"] + row["wall_ms"], 2)
        total["queries"] += row["queries"]
    all_cpu = sum(r["cpu_ms"] for r in rows)
    return {
        "runs": runs,
        "warm_up": warm,
        "pages": rows,
        "journeys": per_journey,
        "cpu_ms_per_page_mean": round(all_cpu / len(rows), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def profile(ctx: dict[str, Any], *, runs: int, top: int, out_file: str = "", only: str = "") -> str:
    pages = journey_pages(ctx, only)
    for _role, path, client in pages:
        client.get(path, secure=True)
    prof = cProfile.Profile(time.process_time)  # CPU time: a wait for PostgreSQL costs none
    prof.enable()
    for _ in range(runs):
        for _role, path, client in pages:
            client.get(path, secure=True)
    prof.disable()
    if out_file:
        prof.dump_stats(out_file)
    out = io.StringIO()
    out.write(f"cProfile: {runs} rounds of {len(pages)} pages\n")
    for key in ("tottime", "cumulative"):
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(top)
    return out.getvalue()


def table(figures: dict[str, Any]) -> str:
    lines = [f"{'role':<17} {'page':<44} {'cpu ms':>7} {'wall ms':>8} {'queries':>7}"]
    for r in figures["pages"]:
        lines.append(f"{r['role']:<17} {r['path']:<44} {r['cpu_ms']:>7.2f} {r['wall_ms']:>8.2f} {r['queries']:>7}")
    lines.append("")
    for role, t in figures["journeys"].items():
        lines.append(f"journey {role:<17} {t['pages']} pages  cpu {t['cpu_ms']:7.2f} ms  wall {t['wall_ms']:7.2f} ms")
    lines.append(f"mean CPU per page {figures['cpu_ms_per_page_mean']} ms; load average {figures['load_average']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="print the top N cProfile entries")
    parser.add_argument("--profile-runs", type=int, default=5)
    parser.add_argument("--profile-out", default="", help="also write the raw profile (pstats) to this file")
    parser.add_argument("--json", default="", help="write the figures to this file")
    parser.add_argument("--keep-env", action="store_true")
    parser.add_argument("--only", default="", help="only the pages whose path contains this (e.g. /contributions/)")
    args = parser.parse_args()

    from devtools.bench.common import bench_environment
    from devtools.bench.data import largest_body, sessions_for

    if not args.keep_env:
        os.environ.update(bench_environment())
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    ctx = sessions_for(largest_body())
    figures = measure(ctx, runs=args.runs, warm=args.warm, only=args.only)
    print(table(figures))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)
    if args.profile:
        print(profile(ctx, runs=args.profile_runs, top=args.profile, out_file=args.profile_out, only=args.only))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
