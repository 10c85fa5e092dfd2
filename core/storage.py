"""Files on disk written so that a failure leaves nothing behind: the bytes go to a hidden
temporary name in the target folder, are flushed, and only then linked into place (never
over an existing file); any error (a full disk, a read-only disk, a size limit) removes
the temporary file. A store that cannot take a file raises ``StorageUnavailable``, which
pages and the API answer as 507 (full) or 503 (otherwise) with a clear message."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from typing import Any

from django.core.files.storage import FileSystemStorage

from core.error_codes import CoreError
from core.errors import ApplicationError

FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageUnavailable(ApplicationError):
    status_code = 503

    def __init__(self, exc: OSError, *, field: str | None = None) -> None:
        full = exc.errno in FULL
        super().__init__(
            "The document store is full, so the file was not kept. Try again later; the service desk has been told."
            if full
            else "The document store is not accepting files just now, so the file was not kept. Try again later.",
            code=CoreError.STORAGE_FULL if full else CoreError.STORAGE_UNAVAILABLE,
            field=field,
        )
        if full:
            self.status_code = 507


class SafeFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
            try:
                os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            finally:
                os.umask(old_umask)
        else:
            os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as handle:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                handle.flush()
                os.fsync(handle.fileno())
            while True:
                try:
                    os.link(partial, full_path)  # atomic, and never over an existing file
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return str(name).replace("\\", "/")
