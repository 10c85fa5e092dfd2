"""B7, the governance pack of the largest body (issue 22): gather (one snapshot, reconciled
to the ledger), the PDF (WeasyPrint), its appendix of every school's row when the body has
more schools than the PDF lists (``assurance.governance.appendix``) and the XLSX, each timed
on its own, with the peak memory of the process that made them. Runs in a child process so that its peak resident
memory (``ru_maxrss``, read after each phase) is the pack's and not the bench's.
``--tracemalloc`` adds Python's own peak allocation per phase, at the cost of slowing
every phase (its timings are then not comparable, so it is off by default).

    BENCH_DATABASE=ip_bench .venv/bin/python -m devtools.bench.pack [--pool-id N] [--json out.json] [--out DIR]
        [--tracemalloc]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import time
import tracemalloc
from datetime import date
from typing import Any

from devtools.bench.common import PY, ROOT, WORK, remaining

TARGET_SECONDS = 20.0
TARGET_PEAK_MB = 300.0


def b7(body_id: int, pool_id: int) -> dict[str, Any]:
    """The pack in a child process, bounded by what is left of the bench's 20 minutes."""
    out = WORK / "b7.json"
    budget = max(60.0, remaining() - 30)
    done = subprocess.run(
        [PY, "-m", "devtools.bench.pack", "--body-id", str(body_id), "--pool-id", str(pool_id), "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=budget,
    )
    if done.returncode != 0 or not out.exists():
        return {"error": (done.stderr or done.stdout)[-800:]}
    figures: dict[str, Any] = json.loads(out.read_text())
    return figures


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _phase(figures: dict[str, Any], name: str, work: Any) -> Any:
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    figures[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
    # This process's own CPU time: on a loaded machine the wall time above also counts
    # the time other processes had the cores.
    figures[f"{name}_cpu_seconds"] = round(time.process_time() - cpu, 2)
    figures[f"peak_rss_after_{name}_mb"] = _rss_mb()
    if tracemalloc.is_tracing():
        figures[f"{name}_python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    return result


def _pages(pdf: bytes) -> int:
    if not pdf:
        return 0
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def measure(
    body_id: int, pool_id: int, period_end: date | None = None, trace: bool = False, out: str = ""
) -> dict[str, Any]:
    from django.utils import timezone

    from accounts.models import ResponsibleBody
    from assurance.governance.appendix import SUMMARY_SCHOOL_ROWS, pack_files, school_count
    from assurance.governance.gather import gather, snapshot
    from core.tenancy import tenant_context
    from exceptional_resource.models import Case
    from pooling.models import Pool

    body = ResponsibleBody.objects.get(pk=body_id)
    with tenant_context(body):
        pool = Pool.objects.get(pk=pool_id)
        cases = Case.objects.count()
    end = period_end or min(timezone.localdate(), pool.ends_on)
    figures: dict[str, Any] = {"body": body.slug, "pool": pool.label, "cases_in_body": cases}
    rss_before = _rss_mb()
    cpu_before = time.process_time()
    if trace:
        tracemalloc.start()

    def gathered() -> Any:
        with snapshot(body):
            return gather(tenant=body, pool=pool, period_end=end)

    pack = _phase(figures, "gather", gathered)
    files: dict[str, list[bytes]] = {"pdf": [], "appendix": [], "xlsx": []}
    with tenant_context(body):
        # The report's own sequence (``pack_files``), each file timed as it is produced (the
        # appendix's parts, if several, added up).
        produced = pack_files(pack, "pack")
        while True:
            started, cpu = time.perf_counter(), time.process_time()
            made = next(produced, None)
            if made is None:
                break
            name = made[0]
            # "<stem>_appendix-schools.pdf" or "<stem>_appendix-schools-1-of-2.pdf"
            phase = "xlsx" if name.endswith(".xlsx") else "appendix" if "_appendix-" in name else "pdf"
            files[phase].append(made[2])
            for key, value in (("seconds", time.perf_counter() - started), ("cpu_seconds", time.process_time() - cpu)):
                figures[f"{phase}_{key}"] = round(figures.get(f"{phase}_{key}", 0.0) + value, 2)
            figures[f"peak_rss_after_{phase}_mb"] = _rss_mb()
        figures.setdefault("appendix_seconds", 0.0)
    pdf, xlsx = files["pdf"][0], files["xlsx"][0]
    appendix = files["appendix"]
    if trace:
        tracemalloc.stop()
    phases = ("gather", "pdf", "appendix", "xlsx")
    figures.update(
        reconciled=bool(pack.reconciled),
        schools=school_count(pack),  # schools only, not the "not a school" row
        recoveries=len(pack.recoveries),
        pdf_bytes=len(pdf),
        pdf_pages=_pages(pdf),
        appendix_files=len(appendix),
        appendix_bytes=sum(len(a) for a in appendix),
        appendix_pages=sum(_pages(a) for a in appendix),
        xlsx_bytes=len(xlsx),
        total_seconds=round(sum(figures[f"{name}_seconds"] for name in phases), 2),
        cpu_seconds=round(time.process_time() - cpu_before, 2),
        rss_before_mb=rss_before,
        peak_rss_mb=_rss_mb(),
        tracemalloc=trace,
        load_average=[round(x, 2) for x in os.getloadavg()],
    )
    if out:  # to read the pages (``--out DIR``)
        written = [("pack.pdf", pdf), ("pack.xlsx", xlsx)]
        written += [(f"appendix-schools-{n}.pdf", a) for n, a in enumerate(appendix, start=1)]
        for name, data in written:
            with open(os.path.join(out, name), "wb") as handle:
                handle.write(data)
    # Nothing dropped: a body with more schools than the summary lists has its appendix.
    figures["appendix_expected"] = figures["schools"] > SUMMARY_SCHOOL_ROWS
    figures["met"] = (
        figures["total_seconds"] <= TARGET_SECONDS
        and figures["peak_rss_mb"] <= TARGET_PEAK_MB
        and (figures["appendix_files"] > 0 or not figures["appendix_expected"])
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--body-id", type=int, default=0, help="default: the body with most ledger legs")
    parser.add_argument("--pool-id", type=int, default=0, help="default: the body's current pool")
    parser.add_argument("--json", default="")
    parser.add_argument("--out", default="", help="a directory to write the PDFs and XLSX to")
    parser.add_argument("--tracemalloc", action="store_true", help="Python's peak per phase (slows the phases)")
    args = parser.parse_args()
    from devtools.bench.common import bench_environment

    os.environ.update(bench_environment())
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    from devtools.bench.data import largest_body, sessions_for

    body_id = args.body_id or largest_body()
    pool_id = args.pool_id or sessions_for(body_id)["pool_id"]
    figures = measure(body_id, pool_id, trace=args.tracemalloc, out=args.out)
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
