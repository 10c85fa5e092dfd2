"""Where report files live: the ``reports`` entry of Django's ``STORAGES`` when configured
(S3-compatible storage through django-storages, say), else the private default storage
(``PRIVATE_MEDIA_ROOT`` on local disk, never served directly)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, default_storage, storages


def report_storage() -> Storage:
    if "reports" in settings.STORAGES:
        return storages["reports"]
    return default_storage


def report_file_path(*, body_id: int, run_id: int, name: str) -> str:
    """Fixed by body, run and file name, so a retried build replaces its own files."""
    return f"reports/{body_id}/{run_id}/{name}"


def report_dir(*, body_id: int, run_id: int) -> str:
    return f"reports/{body_id}/{run_id}"
