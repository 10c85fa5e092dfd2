"""B6, per-page cost (issue 22): the decision officer's main pages of the largest body,
rendered in process through the full middleware stack (Django's test ``Client``, the
settings of the run: ``make bench`` uses production settings, ``DEBUG=False``), one
request at a time after a warm-up; median milliseconds and the query count of each.

Also runnable alone, against a database that already holds the data (e.g. only the
largest body at 20,000 cases, ``generate_synthetic --largest-body-only``)::

    BENCH_DATABASE=ip_bench .venv/bin/python -m devtools.bench.pages [--runs 15] [--profile 25]

``--profile N`` runs each page under cProfile afterwards and prints its top N entries by
cumulative and by own time (the profile is not part of the timings).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import statistics
import time
from typing import Any

TARGET_MS = 50.0
TARGET_QUERIES = 15
DEEP_RATIO = 1.5
LEDGER_DEEP_PAGE = 50  # the ledger's deep page: this many "older" links from the first
OLDER_LINK = re.compile(r'href="(\?[^"]*after=[^"]*)"')


def pages_of(ctx: dict[str, Any], ledger_deep: str) -> dict[str, str]:
    b, p = f"/b/{ctx['slug']}", ctx["pool_id"]
    return {
        "case list, page 1": f"{b}/cases/",
        "case list, page 50": f"{b}/cases/?page=50",
        "decision queue": f"{b}/cases/decisions/",
        "case detail": f"{b}/cases/{ctx['case_id']}/",
        "pool dashboard": f"{b}/pool/",
        "contributions": f"{b}/pool/{p}/contributions/",
        "ledger, page 1": f"{b}/pool/{p}/ledger/",
        f"ledger, page {ledger_deep.partition('#')[2] or '?'}": ledger_deep.partition("#")[0],
    }


def _client(ctx: dict[str, Any], role: str) -> Any:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = ctx["cookies"][role]
    return client


def deep_ledger_path(client: Any, first: str, pages: int = LEDGER_DEEP_PAGE) -> str:
    """Follow the ledger's "older" link ``pages - 1`` times (or to the last page) and
    return that page's path with ``#<page number>``."""
    import html

    path, number = first, 1
    while number < pages:
        response = client.get(path, secure=True)
        found = OLDER_LINK.search(response.content.decode())
        if response.status_code != 200 or not found:
            break
        path, number = first + html.unescape(found.group(1)), number + 1
    return f"{path}#{number}"


def _counter(queries: list[str]) -> Any:
    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    return count


def b6_pages(ctx: dict[str, Any], *, role: str = "decision_officer", runs: int = 15, warm: int = 3) -> dict[str, Any]:
    from django.db import connection

    client = _client(ctx, role)
    b, p = f"/b/{ctx['slug']}", ctx["pool_id"]
    paths = pages_of(ctx, deep_ledger_path(client, f"{b}/pool/{p}/ledger/"))
    figures: dict[str, dict[str, Any]] = {}
    for name, path in paths.items():
        for _ in range(warm):
            client.get(path, secure=True)
        queries: list[str] = []
        with connection.execute_wrapper(_counter(queries)):
            status = client.get(path, secure=True).status_code
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(path, secure=True)
            timings.append((time.perf_counter() - start) * 1000)
        median = statistics.median(timings)
        figures[name] = {
            "path": path,
            "status": status,
            "median_ms": round(median, 1),
            "min_ms": round(min(timings), 1),
            "max_ms": round(max(timings), 1),
            "queries": len(queries),
            "met": status == 200 and median <= TARGET_MS and len(queries) <= TARGET_QUERIES,
        }
    deep = {}
    for first, deeper in (("case list, page 1", "case list, page 50"), ("ledger, page 1", list(figures)[-1])):
        ratio = figures[deeper]["median_ms"] / figures[first]["median_ms"]
        deep[deeper] = {"ratio_to_page_1": round(ratio, 2), "met": ratio <= DEEP_RATIO}
    return {
        "role": role,
        "body": ctx["slug"],
        "cases": ctx.get("cases"),
        "runs": runs,
        "warm_up": warm,
        "pages": figures,
        "deep_pages": deep,
        "met": all(f["met"] for f in figures.values()) and all(d["met"] for d in deep.values()),
    }


def profile_pages(ctx: dict[str, Any], paths: dict[str, str], *, role: str, top: int, runs: int = 10) -> str:
    """cProfile over ``runs`` requests of each page: the top entries by cumulative and by own time."""
    client = _client(ctx, role)
    out = io.StringIO()
    for name, path in paths.items():
        client.get(path, secure=True)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(runs):
            client.get(path, secure=True)
        profile.disable()
        out.write(f"\n### {name} ({path}), {runs} requests\n")
        for key in ("cumulative", "tottime"):
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats(key).print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--profile", type=int, default=0, help="print the top N cProfile entries of each page")
    parser.add_argument("--json", default="", help="write the figures to this file")
    args = parser.parse_args()
    import os

    from devtools.bench.common import bench_environment
    from devtools.bench.data import largest_body, sessions_for

    os.environ.update(bench_environment())
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    ctx = sessions_for(largest_body())
    figures = b6_pages(ctx, runs=args.runs)
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)
    if args.profile:
        paths = {name: page["path"] for name, page in figures["pages"].items()}
        print(profile_pages(ctx, paths, role=figures["role"], top=args.profile))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
