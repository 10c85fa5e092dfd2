"""The pure parts of ``devtools/bench/``: percentiles, the summary of a load run and the
table it prints (the benchmarks themselves run in ``make bench``, not in the tests)."""

from __future__ import annotations

from devtools.bench import load
from devtools.bench.report import table


def test_summary_counts_errors_and_takes_percentiles_per_role() -> None:
    samples = [("head", float(ms), 200) for ms in range(1, 101)] + [("auditor", 500.0, 500)]

    summary = load.summary(samples, elapsed=10.0)

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

    lines = table(results).splitlines()

    assert (
        lines[2]
        == "| B2 headroom | 3.0 ms vs raw SQL 2.5 ms (1.2×) over 11,182 legs | ≤ 1.5× raw SQL and < 50 ms | yes |"
    )
    assert lines[3].startswith("| B3 commitments | 50 of 100 succeeded, 0 overdrafts, 12.0/s over 40 connections |")
    assert lines[3].endswith("| no |")
    assert lines[4] == ("| B4 export | devtools/bench_export.py is not there yet | ≤ 3× COPY, peak RSS ≤ 300 MB | no |")


def test_table_shows_b6_per_page_b7_pack_and_b8_the_payment_run_formerly_b6() -> None:
    page = {"median_ms": 42.0, "queries": 9, "met": True}
    results = {
        "B6": {"body": "la-850", "cases": 20_001, "role": "decision_officer", "met": False,
               "pages": {"case list, page 1": page, "case list, page 50": page | {"median_ms": 70.0, "met": False}},
               "deep_pages": {"case list, page 50": {"ratio_to_page_1": 1.67, "met": False}}},
        "B7": {"body": "la-850", "pool": "2026-27", "cases_in_body": 20_001, "gather_seconds": 7.0,
               "pdf_seconds": 38.6, "xlsx_seconds": 0.3, "total_seconds": 45.9, "peak_rss_mb": 373.8,
               "reconciled": True, "met": False},
        "B8": {"schools": 2_000, "legs": 4_000, "service_seconds": 0.17, "raw_insert_seconds": 0.1, "met": True},
    }  # fmt: skip

    lines = table(results).splitlines()

    assert lines[2] == (
        "| B6 per page | la-850 (20,001 cases), decision_officer: case list, page 1 42.0 ms (9 q); case list, page 50 "
        "70.0 ms (9 q); case list, page 50 1.67× page 1 | each page ≤ 50 ms median and ≤ 15 queries; a deep page "
        "≤ 1.5× its page 1 | no |"
    )
    assert lines[3].startswith("| B7 governance pack | la-850 2026-27 (20,001 cases): gather 7.0 s, PDF 38.6 s, XLSX")
    target = "the whole pack (gather, PDF and its appendix, XLSX) ≤ 20 s"
    assert f"= 45.9 s; peak RSS 373.8 MB; reconciled True | {target}" in lines[3]
    # Since the pack has an appendix of schools (issue 22): its time, and the CPU and load beside the wall time.
    results["B7"] |= {"schools": 435, "appendix_seconds": 10.8, "appendix_files": 2, "total_seconds": 18.6,
                      "cpu_seconds": 9.0, "load_average": [7.6, 10.4, 7.3], "met": True}  # fmt: skip
    line = table(results).splitlines()[3]
    assert "PDF 38.6 s, appendix of 435 schools 10.8 s (2 PDF), XLSX 0.3 s = 18.6 s (CPU 9.0 s, load 7.6);" in line
    assert line.endswith("| yes |")
    assert lines[4].startswith("| B8 payment run | 2,000 schools, 4,000 legs in one transaction: 0.17 s")
    assert lines[4].endswith("| yes |")
