"""What a builder works with: ``ReportJob`` (the run, its tenant and parameters, a progress
callback and the files it produces) and ``ReportFailed``."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody
    from reports.models import ReportRun

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


class ReportFailed(Exception):
    """The builder cannot produce a correct report (say, its totals do not reconcile to the
    ledger). The run fails with this message, shown to the people who asked for it."""


class ReportRetry(Exception):
    """A transient problem the builder met (a service briefly unavailable): retry later."""


class RunSuperseded(Exception):
    """Another attempt holds the run now (this worker was presumed dead): stop quietly."""


@dataclass
class ReportOutput:
    name: str
    content_type: str
    path: Path
    size_bytes: int = 0
    sha256: str = ""
    label: str = ""


@dataclass
class ReportJob:
    run: ReportRun
    tenant: ResponsibleBody
    parameters: dict[str, Any]
    workdir: Path
    _progress: Callable[[int, str], None]
    outputs: list[ReportOutput] = field(default_factory=list)

    def progress(self, percent: int, note: str = "") -> None:
        """Record how far the build has got (0-100). Also the worker's heartbeat: call it at
        least every few minutes. Call it outside your own ``tenant_context`` block, or the
        page sees the figure only when that block commits."""
        self._progress(max(0, min(100, int(percent))), note[:200])

    def _check_name(self, name: str) -> None:
        if not _SAFE_NAME.match(name):
            raise ValueError(f"Report file name {name!r} must be letters, digits, '.', '_' or '-'.")
        if any(o.name == name for o in self.outputs):
            raise ValueError(f"Report file {name!r} was produced twice.")

    def add_file(self, name: str, content_type: str, data: bytes, *, label: str = "") -> None:
        """A file produced in memory (a PDF, an XLSX)."""
        with self.open_file(name, content_type, label=label) as handle:
            handle.write(data)

    @contextmanager
    def open_file(self, name: str, content_type: str, *, label: str = "") -> Iterator[IO[bytes]]:
        """A file written a piece at a time to a temporary file (constant memory); it is
        streamed into storage when the build succeeds. The report page and API list a run's
        files in the order they were produced, each with its ``label`` (what it is) if given."""
        self._check_name(name)
        path = self.workdir / name
        with open(path, "wb") as handle:
            yield handle
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        self.outputs.append(
            ReportOutput(
                name=name,
                content_type=content_type,
                path=path,
                size_bytes=os.path.getsize(path),
                sha256=digest.hexdigest(),
                label=label[:200],
            )
        )


@contextmanager
def scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="report-") as name:
        yield Path(name)
