"""The results: the machine, the table printed and written into ``docs/performance.md``."""

from __future__ import annotations

import os
import platform
from typing import Any

from devtools.bench.common import ROOT, TARGETS

# --- report ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import psutil
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW max_connections")
        max_conn = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "postgresql": pg.split()[0],
        "max_connections": max_conn,
        "platform": platform.platform(),
    }


def table(results: dict[str, Any]) -> str:
    lines = ["| benchmark | measured | target | met |", "| --- | --- | --- | --- |"]

    def row(name: str, measured: str, met: Any) -> None:
        lines.append(f"| {name} | {measured} | {TARGETS.get(name[:2], '')} | {'yes' if met else 'no'} |")

    r = results
    for key in sorted(k for k in r if k.startswith("B1") and "pages" in r[k]):
        b = r[key]
        p, t, sat = b["pages"], b["trivial"], b.get("saturated", b["pages"])
        think = "-".join(f"{x:g}" for x in b["think_time_s"]) if isinstance(b["think_time_s"], list) else "0"
        per_core = f", {b['pages_per_second_per_core']} pages/s per core" if "pages_per_second_per_core" in b else ""
        label = "B1 pages" if key == "B1" else f"B1 pages, {b['users']} users"
        row(label, f"{b['users']} users, {think} s think time: p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, "
            f"p99 {p['p99_ms']} ms, {p['errors'] + sat['errors']} errors of {p['requests'] + sat['requests']}, "
            f"{p['rps']} req/s; no think time: {sat['rps']} req/s (p95 {sat['p95_ms']} ms) = "
            f"{b['share_of_ceiling']:.0%} of the trivial view's {t['rps']} req/s{per_core}", b["met"])  # fmt: skip
    if "B2" in r and "app_median_ms" in r["B2"]:
        b = r["B2"]
        row("B2 headroom", f"{b['app_median_ms']} ms vs raw SQL {b['raw_sql_median_ms']} ms ({b['ratio']}×) over "
            f"{b['pool_legs']:,} legs", b["met"])  # fmt: skip
    if "B3" in r and "successes" in r["B3"]:
        b = r["B3"]
        row("B3 commitments", f"{b['successes']} of {b['requests']} succeeded, {b['overdrafts']} overdrafts, "
            f"{b['commitments_per_s']}/s over {b['connections']} connections", b["met"])  # fmt: skip
    if "B4" in r:
        b = r["B4"]
        if "export_seconds" in b:
            copy_s = b.get("copy_all_seconds") or b.get("copy_legs_seconds") or 0
            ratio = b["export_seconds"] / copy_s if copy_s else float("inf")
            b["ratio_to_copy"] = round(ratio, 2)
            measured = f"{b.get('legs', 0):,} legs: export {b['export_seconds']} s vs COPY {copy_s} s ({ratio:.1f}×)"
            met = ratio <= 3 and b.get("within_memory_limit")
            row("B4 export", f"{measured}, peak RSS {b.get('peak_rss_mb')} MB", met)
        else:
            row("B4 export", str(b.get("skipped") or b.get("error", ""))[:300], False)
        if "national_export_seconds" in b:
            copy_s = b.get("national_copy_all_seconds") or 0
            ratio = b["national_export_seconds"] / copy_s if copy_s else float("inf")
            row("B4 export, largest body", f"{b.get('national_legs', 0):,} legs of {b.get('national_body')} "
                f"{b.get('national_period')}: export {b['national_export_seconds']} s vs COPY {copy_s} s "
                f"({ratio:.1f}×), peak RSS {b.get('national_peak_rss_mb')} MB",
                ratio <= 3 and b.get("national_within_memory_limit"))  # fmt: skip
    if "B5" in r and "first_s" in r["B5"]:
        b = r["B5"]
        row("B5 GIAS import", f"{b['rows']:,} rows: first {b['first_s']} s, again {b['again_s']} s", b["met"])
    if "B6" in r and "pages" in r["B6"]:
        b = r["B6"]
        shown = "; ".join(f"{name} {f['median_ms']} ms ({f['queries']} q)" for name, f in b["pages"].items())
        deep = ", ".join(f"{name} {d['ratio_to_page_1']}× page 1" for name, d in b["deep_pages"].items())
        row("B6 per page", f"{b['body']} ({b['cases']:,} cases), {b['role']}: {shown}; {deep}", b["met"])
    if "B7" in r and "total_seconds" in r["B7"]:
        b = r["B7"]
        appendix = (
            f", appendix of {b['schools']} schools {b['appendix_seconds']} s ({b['appendix_files']} PDF)"
            if b.get("appendix_files")
            else ""
        )
        cpu = f" (CPU {b['cpu_seconds']} s, load {b['load_average'][0]})" if "cpu_seconds" in b else ""
        row("B7 governance pack", f"{b['body']} {b['pool']} ({b['cases_in_body']:,} cases): "
            f"gather {b['gather_seconds']} s, PDF {b['pdf_seconds']} s{appendix}, XLSX {b['xlsx_seconds']} s = "
            f"{b['total_seconds']} s{cpu}; peak RSS {b['peak_rss_mb']} MB; reconciled {b['reconciled']}",
            b["met"])  # fmt: skip
    if "B8" in r and "service_seconds" in r["B8"]:
        b = r["B8"]
        row("B8 payment run", f"{b['schools']:,} schools, {b['legs']:,} legs in one transaction: "
            f"{b['service_seconds']} s vs PostgreSQL's insert {b['raw_insert_seconds']} s", b["met"])  # fmt: skip
    return "\n".join(lines)


def update_doc(results: dict[str, Any], markdown: str) -> None:
    doc = ROOT / "docs" / "performance.md"
    text = doc.read_text()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    m = results["machine"]
    data = results.get("data", {})
    block = (
        f"{begin}\n## Latest `make bench` ({results['finished_at'][:16].replace('T', ' ')} UTC)\n\n{markdown}\n\n"
        f"Machine: {m['cpus']} vCPU, {m['memory_gib']} GiB, PostgreSQL {m['postgresql']} (max_connections "
        f"{m['max_connections']}), Python {m['python']}; load average at start {m['load_average_at_start']} (the "
        "machine is shared). Data: the national synthetic set, "
        f"{data.get('rows_pooling_leg', 0):,} ledger legs, {data.get('rows_exceptional_resource_case', 0):,} cases, "
        f"{data.get('rows_accounts_auditevent', 0):,} audit events; the largest body has "
        f"{data.get('largest_body_legs', 0):,} legs. Full figures: `bench/results/{results['file']}`.\n{end}"
    )
    if begin in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text)
