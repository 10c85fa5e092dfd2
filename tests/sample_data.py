"""The real public sample files the tests read, in ``tests/data`` (see its SOURCES.md)."""

from __future__ import annotations

import lzma
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
GIAS = DATA / "gias"


def sample(relative: str) -> Path:
    """A file under ``tests/data/gias``; a missing one fails the test, naming it."""
    path = GIAS / relative
    if not path.is_file():
        raise FileNotFoundError(f"Real sample {path} is missing from the repository (see tests/data/SOURCES.md).")
    return path


def national(name: str, folder: Path) -> Path:
    """A whole national file, decompressed from ``tests/data/gias/national/<name>.xz`` into
    ``folder`` under its real name (importers take the academic year from the name)."""
    target = folder / name
    target.write_bytes(lzma.decompress(sample(f"national/{name}.xz").read_bytes()))
    return target
