"""Where report files live: Django's default storage (accounts/storage.py: private local
disk, or the S3-compatible object store when ``STORAGE_S3_BUCKET`` is set), under
``reports/<body>/<run>/``; never served directly."""

from __future__ import annotations

from django.core.files.storage import Storage, default_storage


def report_storage() -> Storage:
    return default_storage


def report_file_path(*, body_id: int, run_id: int, name: str) -> str:
    """Fixed by body, run and file name, so a retried build replaces its own files."""
    return f"reports/{body_id}/{run_id}/{name}"


def report_dir(*, body_id: int, run_id: int) -> str:
    return f"reports/{body_id}/{run_id}"
