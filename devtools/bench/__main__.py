"""make bench: B1-B8 over the national-scale synthetic data set (docs/performance.md).

Loopback only and bounded: the measurements get 20 minutes (later steps are skipped and
reported if time runs out); generating the data set on the first run is a step of its own
before them (about 10 minutes on 2 cores, reported as ``generate_seconds``). In one run it:

0. prepares its own database ``ip_bench`` (``scripts/db_setup.py``; owner and runtime
   roles as for the app) and generates the national data set into it unless it is there;
1. runs EXPLAIN on every query behind the main pages for the largest body and fails on a
   sequential scan of a large table (item 4 of issue 9);
2. starts gunicorn (``scripts/web``) with production settings (``DEBUG=False``, throwaway
   secrets, HTTP on 127.0.0.1 only) and measures B1: 50 simulated users on role journeys
   for a fixed time, then the trivial view on the same server as the ceiling;
3. B2 headroom of the largest body's pool against the raw SQL aggregate over its legs;
4. B3 100 commitments at once on a pool that can fund 50;
5. B4 the auditor export (``devtools/bench_export.py``) against ``COPY``;
6. B5 GIAS import of a 50,000-row national-size extract, first and again;
7. B6 per-page cost: the decision officer's case list (page 1 and 50), decision queue,
   a case, the pool dashboard and the ledger (page 1 and a deep page), in process and one
   at a time after a warm-up, median ms and queries (``devtools/bench/pages.py``);
8. B7 the governance pack of the largest body's current pool: gather, PDF, its appendix of
   schools and XLSX timed separately, peak memory of the process (``devtools/bench/pack.py``);
9. B8 (named B6 before issue 22) a 2,000-school payment run posted as one ledger transaction
   (``devtools/bench_ledger.py``, its own scratch database) against PostgreSQL's own insert of the same rows.

It prints a table, writes ``bench/results/<timestamp>.json`` and rewrites the results
section of ``docs/performance.md``. Exit status 1 if a hard check failed (a sequential
scan, an overdraft, a benchmark error), not for a missed target: misses are reported.

    make bench, or .venv/bin/python -m devtools.bench [--users 50] [--seconds 60] [--skip b4,b5]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from devtools.bench.common import MEASURING_SINCE, ROOT, STARTED, TARGETS, bench_environment, remaining, say
from devtools.bench.data import explain_journeys, journeys, prepare, sessions_for
from devtools.bench.explain_api import explain_api
from devtools.bench.files import b4, b5, b8
from devtools.bench.ledger import b2, b3
from devtools.bench.load import b1, check_paths, explain_pages, start_server, stop_server
from devtools.bench.pack import b7
from devtools.bench.pages import b6_pages
from devtools.bench.report import machine, table, update_doc


def explain_all(ctx: dict[str, Any], body_id: int) -> dict[str, Any]:
    """The pages' and the shared-resources API's queries, one list of sequential scans."""
    found = explain_pages(ctx, explain_journeys(ctx), body_id)
    api = explain_api(ctx, body_id)
    found["queries_explained"] += api["api_queries_explained"]
    found["seq_scans_of_large_tables"] += api.pop("api_seq_scans_of_large_tables")
    found["api_not_answered"] = [op for op, figures in api["api_in_process"].items() if figures["status"] >= 300]
    return found | api


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--also-users", type=int, default=150, help="B1 again with this many users (0: not), reported beside --users"
    )
    parser.add_argument("--think", default="1,3", help="think time between pages, min,max seconds (default 1,3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--largest-body-cases", type=int, default=20_000, help="cases of the largest LA when generating (20000)"
    )
    parser.add_argument(
        "--largest-body-only", action="store_true", help="generate only the largest LA (B2, B6, B7 on one body; faster)"
    )
    parser.add_argument("--skip", default="", help="comma-separated: explain,b1,b2,b3,b4,b5,b6,b7,b8")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument("--collectstatic", action="store_true", help="collect static files even if collected before")
    args = parser.parse_args()
    skip = {s.strip().lower() for s in args.skip.split(",") if s.strip()}
    low, _, high = args.think.partition(",")
    think = (float(low), float(high or low))
    env = bench_environment()
    os.environ.update(env)
    results: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(), "targets": TARGETS}
    failed: list[str] = []
    results["data"] = prepare(env, args.seed, args.largest_body_cases, args.largest_body_only)
    MEASURING_SINCE[0] = time.monotonic()  # the 20-minute bound is for the measurements
    results["machine"] = machine()
    ctx = sessions_for(results["data"]["largest_body_id"])
    results["largest_body"] = {k: ctx[k] for k in ("slug", "name", "pool_id", "cases")}
    paths = journeys(ctx)
    steps: list[tuple[str, Callable[[], Any]]] = []
    if "explain" not in skip:
        steps.append(("explain", lambda: explain_all(ctx, results["data"]["largest_body_id"])))
    if "b6" not in skip:
        steps.append(("B6", lambda: b6_pages(ctx)))
    if "b2" not in skip:
        steps.append(("B2", lambda: b2(results["data"]["largest_body_id"], ctx["pool_id"])))
    if "b3" not in skip:
        steps.append(("B3", b3))
    if "b7" not in skip:
        steps.append(("B7", lambda: b7(results["data"]["largest_body_id"], ctx["pool_id"])))
    if "b8" not in skip:
        steps.append(("B8", b8))
    for name, step in steps:
        if remaining() < 60:
            results[name] = {"skipped": "out of time"}
            continue
        say(f"{name} …")
        try:
            step_started = time.monotonic()
            results[name] = step()
            results[name]["step_seconds"] = round(time.monotonic() - step_started, 1)
        except Exception as exc:  # noqa: BLE001 - reported, and the run fails
            results[name] = {"error": repr(exc)[:800]}
            failed.append(name)
    if "b1" not in skip and remaining() > args.seconds + 120:
        server = start_server(env)
        try:
            kept, skipped = check_paths(ctx, paths)
            figures = b1(ctx, kept, args.users, args.seconds, think)
            results["B1"] = figures | {"journeys": kept, "skipped_pages": skipped}
            if args.also_users and remaining() > args.seconds + 120:
                more = b1(ctx, kept, args.also_users, args.seconds, think)
                results[f"B1_{args.also_users}"] = more | {"journeys": kept, "skipped_pages": skipped}
        except Exception as exc:  # noqa: BLE001 - reported in the results, and the run fails
            results["B1"] = {"error": repr(exc)[:800]}
            failed.append("B1")
        finally:
            stop_server(server)
    for name, step in (("B5", lambda: b5(env)), ("B4", b4)):
        if name.lower() in skip:
            continue
        if remaining() < 90:
            results[name] = {"skipped": "out of time"}
            continue
        say(f"{name} …")
        try:
            step_started = time.monotonic()
            results[name] = step()
            results[name]["step_seconds"] = round(time.monotonic() - step_started, 1)
        except Exception as exc:  # noqa: BLE001 - reported in the results, and the run fails
            results[name] = {"error": repr(exc)[:800]}
            failed.append(name)
    if results.get("explain", {}).get("seq_scans_of_large_tables"):
        failed.append("explain: sequential scans of large tables")
    if results.get("explain", {}).get("api_not_answered"):
        failed.append("explain: API operations not answered")
    if results.get("B3", {}).get("overdrafts"):
        failed.append("B3 overdrafts")
    results["finished_at"] = datetime.now(UTC).isoformat()
    results["seconds"] = round(time.monotonic() - STARTED, 1)
    results["failed"] = failed
    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    results["file"] = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    (folder / results["file"]).write_text(json.dumps(results, indent=2, default=str) + "\n")
    markdown = table(results)
    print("\n" + markdown + "\n")
    if results.get("explain"):
        e = results["explain"]
        print(f"EXPLAIN: {e.get('queries_explained')} queries, sequential scans of large tables: "
              f"{len(e.get('seq_scans_of_large_tables', []))}")  # fmt: skip
    if not args.no_doc:
        update_doc(results, markdown)
    print(
        f"results: bench/results/{results['file']} ({results['seconds']:.0f} s)"
        + (f"; FAILED: {failed}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
