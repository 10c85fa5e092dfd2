"""Checking uploaded files: an allow-list of types checked by extension *and* by content
(libmagic), a size limit, and a virus-scan hook. Every upload in the product goes
through ``validate_upload``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol

import magic
from django.conf import settings
from django.core.files import File

from accounts.errors import ApplicationError

# extension → the content types libmagic may report for it
ALLOWED_TYPES: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"}),
    "xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"}),
    "png": frozenset({"image/png"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
}
TYPE_NAMES = {"pdf": "PDF", "docx": "Word (DOCX)", "xlsx": "Excel (XLSX)", "png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}


class VirusScanner(Protocol):
    def scan(self, data: bytes, *, name: str) -> str | None:
        """Return the name of a threat found, or None."""


class NoScanner:
    """The default hook: scans nothing. Configure ``UPLOAD_VIRUS_SCANNER`` for ClamAV."""

    def scan(self, data: bytes, *, name: str) -> str | None:
        return None


def _scanner() -> VirusScanner:
    from django.utils.module_loading import import_string

    path = getattr(settings, "UPLOAD_VIRUS_SCANNER", "accounts.uploads.NoScanner")
    scanner: VirusScanner = import_string(path)()
    return scanner


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    extension: str
    content_type: str
    size: int


def validate_upload(
    upload: File, *, allowed: frozenset[str], field: str = "file", max_bytes: int | None = None
) -> CheckedUpload:
    """Refuse anything but an allowed, clean file of a sensible size, with a message for the field."""
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    names = ", ".join(sorted({TYPE_NAMES[e] for e in allowed}))
    original = PurePath(upload.name or "").name
    extension = PurePath(original).suffix.lower().lstrip(".")
    if extension not in allowed:
        raise ApplicationError(f"The selected file must be a {names}.", code="file_type_not_allowed", field=field)
    size = upload.size or 0
    if size == 0:
        raise ApplicationError("The selected file is empty.", code="file_empty", field=field)
    if size > limit:
        raise ApplicationError(
            f"The selected file must be smaller than {limit // (1024 * 1024)} MB.", code="file_too_large", field=field
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    content_type = magic.from_buffer(head, mime=True)
    if content_type not in ALLOWED_TYPES[extension]:
        raise ApplicationError(
            f"The selected file is not really a {TYPE_NAMES[extension]} file.",
            code="file_content_mismatch",
            field=field,
        )
    data = b"".join(upload.chunks())
    upload.seek(0)
    threat = _scanner().scan(data, name=original)
    if threat:
        raise ApplicationError("The selected file contains a virus.", code="file_infected", field=field)
    return CheckedUpload(name=original[:200], extension=extension, content_type=content_type, size=size)
