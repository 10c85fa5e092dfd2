"""B4, the auditor export against ``COPY`` (``devtools/bench_export.py``), B5, a
national-size GIAS import, first and again, and B8, a 2,000-school payment run as one
ledger transaction (``devtools/bench_ledger.py``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from typing import Any

from devtools.bench.common import DB, PY, ROOT, WORK, remaining

# --- 5. B4 and 6. B5 ------------------------------------------------------------------------


def b4() -> dict[str, Any]:
    path = ROOT / "devtools" / "bench_export.py"
    if not path.exists():
        return {"skipped": "devtools/bench_export.py is not there yet"}
    out = WORK / "b4.json"
    budget = max(60.0, remaining() - 30)
    child = subprocess.Popen(
        [PY, str(path), "--json", str(out), "--national-database", DB],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = child.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the export's own children too
        child.communicate()
        return {"skipped": f"stopped after {budget:.0f} s: the 20-minute bound of make bench"}
    done = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    if done.returncode != 0 or not out.exists():
        return {"error": (done.stderr or done.stdout)[-800:]}
    figures: dict[str, Any] = json.loads(out.read_text())
    return figures


def b5(env: dict[str, str], rows: int = 50_000) -> dict[str, Any]:
    """Import a synthetic native-format extract (URNs from 900,000, never real ones) into
    the bench database, again unchanged, then delete those schools."""
    from django.db import connection

    extract = WORK / "gias.csv"
    subprocess.run(
        [PY, "scripts/make_synthetic_gias.py", "--rows", str(rows), "--out", str(extract), "--seed", "7"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    def clear() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.platform', 'on', false)")
            cursor.execute("DELETE FROM groupings_schoollink WHERE urn >= 900000 OR linked_urn >= 900000")
            cursor.execute("DELETE FROM groupings_school WHERE urn >= 900000")
            cursor.execute("SELECT set_config('app.platform', '', false)")

    clear()
    timings = {}
    for run in ("first", "again"):
        start = time.monotonic()
        done = subprocess.run(
            [PY, "manage.py", "import_gias", str(extract)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        timings[f"{run}_s"] = round(time.monotonic() - start, 1)
        if done.returncode != 0:
            return {"error": (done.stderr or done.stdout)[-800:], **timings}
    clear()
    return {"rows": rows, **timings, "met": timings["first_s"] <= 30 and timings["again_s"] <= 15}


def b8() -> dict[str, Any]:
    """A 2,000-school payment run posted as one ledger transaction (``devtools/bench_ledger.py``,
    its own scratch database) against PostgreSQL's own insert of the same rows."""
    out = WORK / "b8.json"
    done = subprocess.run(
        [PY, str(ROOT / "devtools" / "bench_ledger.py"), "--schools", "2000", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=max(60.0, remaining() - 30),
    )
    if done.returncode != 0 or not out.exists():
        return {"error": (done.stderr or done.stdout)[-800:]}
    figures: dict[str, Any] = json.loads(out.read_text())
    return figures
