#!/usr/bin/env python
"""The five largest Python modules, and a non-zero exit if any is over the limit.

Counts lines of app code, ``config/``, ``scripts/`` and ``devtools/`` (migrations are
generated and left out). Tests are listed apart and do not fail the check: a long test
module is a list of cases, not a design to hold in one's head.

    .venv/bin/python scripts/module_sizes.py            # the five largest, limit 500
    .venv/bin/python scripts/module_sizes.py --top 10 --limit 400
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", ".git", "node_modules", "migrations", "__pycache__", ".data", "static", "tests"}
LIMIT = 500


def python_modules(root: Path, *, tests: bool = False) -> list[Path]:
    """Every ``.py`` file under ``root`` outside the skipped folders; with ``tests``, only
    those under ``tests/``."""
    base = root / "tests" if tests else root
    skipped = SKIPPED_DIRS - {"tests"} if tests else SKIPPED_DIRS
    found = []
    for path in base.rglob("*.py"):
        parts = set(path.relative_to(root).parts[:-1])
        if not parts & skipped:
            found.append(path)
    return found


def line_count(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def largest(paths: list[Path], top: int) -> list[tuple[int, str]]:
    sized = sorted(
        ((line_count(p), p.relative_to(ROOT).as_posix()) for p in paths), key=lambda item: (-item[0], item[1])
    )
    return sized[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=5, help="how many to list (default 5)")
    parser.add_argument("--limit", type=int, default=LIMIT, help=f"fail above this many lines (default {LIMIT})")
    args = parser.parse_args(argv)

    code = python_modules(ROOT)
    print(f"Largest modules (limit {args.limit} lines):")
    for lines, name in largest(code, args.top):
        print(f"  {lines:5d}  {name}")
    print("Largest test modules (listed, not checked):")
    for lines, name in largest(python_modules(ROOT, tests=True), args.top):
        print(f"  {lines:5d}  {name}")

    over = [(lines, name) for lines, name in largest(code, len(code)) if lines > args.limit]
    if over:
        print(f"{len(over)} module(s) over {args.limit} lines; split along their seams:", file=sys.stderr)
        for lines, name in over:
            print(f"  {lines:5d}  {name}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
