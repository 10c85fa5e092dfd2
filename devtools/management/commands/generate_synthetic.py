"""Generate the deterministic synthetic data set (issue 9) and check the ledger afterwards.

    manage.py generate_synthetic --scale national --seed 1

Writes as the schema owner (``DATABASE_OWNER_URL``) in platform context, in chunks; the
ledger's triggers check every transaction as it is written. Use an empty database for
it (``make bench`` uses its own, ``ip_bench``)."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from datetime import date
from typing import Any

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

from devtools.synthetic import SCALES, Result, generate, prepare_schools
from devtools.synthetic.checks import analyze, check_invariants
from pooling.models import Pool


class Command(BaseCommand):
    help = "Generate a deterministic synthetic data set (demo, trust or national scale) and check its ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="Today for the data (YYYY-MM-DD).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Build every row but write nothing; print the digest."
        )
        parser.add_argument(
            "--as-runtime-role", action="store_true", help="Write as DATABASE_URL's role, not the owner."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument("--workers", type=int, default=1, help="Parallel writers (one database connection each).")
        parser.add_argument(
            "--largest-body-cases",
            type=int,
            default=None,
            help="Give the largest local authority this many cases over its periods (e.g. 20000).",
        )
        parser.add_argument(
            "--largest-body-only",
            action="store_true",
            help="Write only the largest local authority (its rows as in the full set); one writer.",
        )
        parser.add_argument("--part", default="", help=argparse.SUPPRESS)
        parser.add_argument("--check-only", action="store_true", help="Only check the ledger invariants.")

    def _parallel(self, options: dict[str, Any], as_of: date) -> Result:
        """Schools first, then ``--workers`` child processes each writing every n-th body."""
        started = time.monotonic()
        prepare_schools(scale=options["scale"], seed=options["seed"])
        n = options["workers"]
        base = [sys.executable, sys.argv[0], "generate_synthetic", "--scale", options["scale"]]
        base += ["--seed", str(options["seed"]), "--as-of", as_of.isoformat()]
        if options["largest_body_cases"] is not None:
            base += ["--largest-body-cases", str(options["largest_body_cases"])]
        if options["as_runtime_role"]:
            base.append("--as-runtime-role")
        children = [
            subprocess.Popen([*base, "--part", f"{k}/{n}"], stdout=subprocess.PIPE, text=True)  # noqa: S603
            for k in range(n)
        ]
        parts = []
        for child in children:
            out, _ = child.communicate()
            if child.returncode != 0:
                raise CommandError(f"a writer failed (exit {child.returncode}): {out[-2000:]}")
            self.stdout.write("\n".join(line for line in out.splitlines() if line.startswith("  ")))
            parts.append(json.loads(out.splitlines()[-1]))
        counts: dict[str, int] = {}
        for p in parts:
            for key, value in p["counts"].items():
                counts[key] = counts.get(key, 0) + value
        return Result(
            scale=options["scale"],
            seed=options["seed"],
            bodies=sum(p["bodies"] for p in parts),
            schools=parts[0]["schools"],
            counts=counts,
            digest=hashlib.sha256("".join(p["digest"] for p in parts).encode()).hexdigest(),
            seconds=time.monotonic() - started,
            timings={f"writer {k}": p["seconds"] for k, p in enumerate(parts)},
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith(".production") and not environ.Env().bool(
            "ALLOW_SYNTHETIC_DATA", default=False
        ):
            raise CommandError(
                "Refusing to write synthetic data with production settings "
                "(set ALLOW_SYNTHETIC_DATA=1 for a benchmark database that holds nothing real)."
            )
        if not options["dry_run"] and not options["as_runtime_role"]:
            owner = environ.Env.db_url_config(settings.DATABASE_OWNER_URL)
            for connection in connections.all():
                connection.close()
                connection.settings_dict.update({k: owner[k] for k in ("USER", "PASSWORD", "HOST", "PORT")})
        if options["largest_body_cases"] is not None and not 1 <= options["largest_body_cases"] <= 99_999:
            raise CommandError("--largest-body-cases must be between 1 and 99,999 (pupil references are per body).")
        if options["check_only"]:
            started = time.monotonic()
            problems = check_invariants()
            if problems:
                raise CommandError("Ledger invariants broken: " + "; ".join(problems))
            self.stdout.write(f"every ledger invariant holds (checked in {time.monotonic() - started:.0f} s)")
            return
        part = tuple(int(x) for x in options["part"].split("/")) if options["part"] else (0, 1)
        if not options["dry_run"] and not options["part"]:
            from core.tenancy import platform_context

            with platform_context():
                if Pool.objects.filter(responsible_body__slug__in=["la-202", "la-330", "trust-10000"]).exists():
                    raise CommandError("This database already has synthetic data; use an empty database.")
        as_of = options["as_of"] or timezone.localdate()
        write = self.stdout.write
        if options["workers"] > 1 and not options["dry_run"] and not options["largest_body_only"]:
            result = self._parallel(options, as_of)
        else:
            result = generate(
                scale=options["scale"],
                seed=options["seed"],
                as_of=as_of,
                dry_run=options["dry_run"],
                part=(part[0], part[1]),
                largest_body_cases=options["largest_body_cases"],
                largest_body_only=options["largest_body_only"],
                progress=lambda message: write(f"  {message}"),
            )
        if options["part"]:
            write(json.dumps(result.__dict__, default=str))
            return
        report: dict[str, Any] = {"result": result.__dict__, "as_of": as_of.isoformat()}
        if not options["dry_run"]:
            started = time.monotonic()
            analyze()
            report["analyze_seconds"] = round(time.monotonic() - started, 1)
            started = time.monotonic()
            problems = check_invariants()
            report["checks_seconds"] = round(time.monotonic() - started, 1)
            report["problems"] = problems
            if problems:
                raise CommandError("Ledger invariants broken: " + "; ".join(problems))
        if options["json"]:
            write(json.dumps(report, default=str, indent=2))
        else:
            write(
                f"{result.scale} seed {result.seed}: {result.bodies:,} bodies, {result.schools:,} schools, "
                f"{result.counts.get('Case', 0):,} cases, {result.counts.get('Transaction', 0):,} transactions, "
                f"{result.counts.get('Leg', 0):,} legs in {result.seconds:.0f} s; digest {result.digest[:16]}"
            )
            if "problems" in report:
                write(f"every ledger invariant holds (checked in {report['checks_seconds']} s)")
