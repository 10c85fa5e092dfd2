"""Shared helpers for the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from accounts.models import ResponsibleBody
from core.tenancy import tenant_context
from reports.models import ReportFile, ReportRun


@pytest.fixture
def report_media(tmp_path: Path, settings, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """Report files go to a folder of this test's own (here and in a worker it starts)."""
    root = tmp_path / "private"
    root.mkdir()
    settings.MEDIA_ROOT = root
    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(root))
    return root


def run_of(body: ResponsibleBody, run_id: int) -> ReportRun:
    with tenant_context(body):
        return ReportRun.objects.get(pk=run_id)


def files_of(body: ResponsibleBody, run_id: int) -> list[ReportFile]:
    with tenant_context(body):
        return list(ReportFile.objects.filter(run_id=run_id).order_by("name"))


def stored_paths(root: Path) -> list[str]:
    """The report files stored under ``root``. A scene that sends a payment run to the bank
    stores its bank file under ``bank-files/`` in the same storage; that is not a report's."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not str(p.relative_to(root)).startswith("bank-files/")
    )
