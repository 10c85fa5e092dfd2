"""The pure parts of ``devtools/bench.py``: percentiles, the summary of a load run and the
table it prints (the benchmarks themselves run in ``make bench``, not in the tests)."""

from __future__ import annotations

from devtools import bench


def test_summary_counts_errors_and_takes_percentiles_per_role() -> None:
    samples = [("head", float(ms), 200) for ms in range(1, 101)] + [("auditor", 500.0, 500)]

    summary = bench._summary(samples, elapsed=10.0)

    assert summary["requests"] == 101
    assert summary["rps"] == 10.1
    assert summary["errors"] == 1
    assert summary["error_statuses"] == [500]
    assert summary["p50_ms"] == 51.0
    assert summary["p95_ms"] == 96.0
    assert summary["p99_ms"] == 100.0
    assert summary["by_role"]["head"] == {"requests": 100, "p50_ms": 51.0, "p95_ms": 96.0}


def test_table_marks_each_target_met_or_missed() -> None:
    results = {
        "B2": {"app_median_ms": 3.0, "raw_sql_median_ms": 2.5, "ratio": 1.2, "pool_legs": 11_182, "met": True},
        "B3": {"successes": 50, "requests": 100, "overdrafts": 0, "commitments_per_s": 12.0, "connections": 40,
               "met": False},
        "B4": {"skipped": "devtools/bench_export.py is not there yet"},
    }  # fmt: skip

    lines = bench.table(results).splitlines()

    assert (
        lines[2]
        == "| B2 headroom | 3.0 ms vs raw SQL 2.5 ms (1.2×) over 11,182 legs | ≤ 1.5× raw SQL and < 50 ms | yes |"
    )
    assert lines[3].startswith("| B3 commitments | 50 of 100 succeeded, 0 overdrafts, 12.0/s over 40 connections |")
    assert lines[3].endswith("| no |")
    assert lines[4] == ("| B4 export | devtools/bench_export.py is not there yet | ≤ 3× COPY, peak RSS ≤ 300 MB | no |")
