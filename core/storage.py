"""Every stored file (evidence, remittance advice, agreements, report files, uploads in
progress) goes through Django's ``STORAGES``: private local disk by default, an
S3-compatible object store (django-storages) when ``STORAGE_S3_BUCKET`` is set (see
``config/settings/base.py`` and the README). Nothing here or in the apps builds a disk path.

- ``PrivateFileSystemStorage``: the local backend. Files under ``MEDIA_ROOT/<subdir>``,
  readable by the app's user only, with no public address.
- ``AliasStorage``: a storage that forwards each call to ``storages[alias]``, for a
  ``FileField`` whose files live under their own alias (evidence): the setting decides at
  each call, so a deployment (or a test) switches the backend without touching models.
- ``StorageUnavailable`` and ``storage_guard``: the store not answering becomes one clear
  error (503, code ``storage_unavailable``) instead of a driver's traceback.
- ``stored_file_verified``: open a stored file only if it still has its recorded SHA-256.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError  # django-storages' S3 backend (boto3)
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property

from core.error_codes import CoreError
from core.errors import ApplicationError

CHUNK = 1024 * 1024


FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageUnavailable(ApplicationError):
    """The file store did not answer or refused the operation: 507 when it is full, 503
    otherwise. Nothing was recorded."""

    status_code = 503

    def __init__(self, doing: str, *, full: bool = False, field: str | None = None) -> None:
        super().__init__(
            f"The document store is full, so the file could not be {doing}. Nothing was recorded; "
            "try again later (the service desk has been told)."
            if full
            else f"The document store is not answering, so the file could not be {doing}. Nothing was recorded; "
            "try again in a few minutes.",
            code=CoreError.STORAGE_FULL if full else CoreError.STORAGE_UNAVAILABLE,
            field=field,
        )
        if full:
            self.status_code = 507


def _store_errors() -> tuple[type[BaseException], ...]:
    return (PermissionError, IsADirectoryError, TimeoutError, ConnectionError, BotoCoreError)


def is_store_error(exc: BaseException) -> bool:
    """Is ``exc`` the store failing (unreachable, refusing, out of space), rather than a
    missing file or a bug?"""
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return code not in {"404", "NoSuchKey", "NotFound"}
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
        return True
    return isinstance(exc, _store_errors())


@contextmanager
def storage_guard(doing: str, *, field: str | None = None) -> Iterator[None]:
    """Turn the store failing inside the block into ``StorageUnavailable(doing)`` (507 when
    the disk is full)."""
    try:
        yield
    except ApplicationError:
        raise
    except Exception as exc:
        if is_store_error(exc):
            full = isinstance(exc, OSError) and exc.errno in FULL
            raise StorageUnavailable(doing, full=full, field=field) from exc
        raise


class PrivateFileSystemStorage(FileSystemStorage):
    """``MEDIA_ROOT/<subdir>`` on local disk (``PRIVATE_MEDIA_ROOT``), which no URL serves.
    The location follows ``MEDIA_ROOT`` when a test changes it."""

    def __init__(self, subdir: str = "", **kwargs: Any) -> None:
        self.subdir = subdir
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    @cached_property
    def base_location(self) -> str:
        return os.path.join(str(settings.MEDIA_ROOT), self.subdir) if self.subdir else str(settings.MEDIA_ROOT)

    def url(self, name: str | None) -> str:
        raise ValueError("Stored files have no public address; they are served through permission-checked views.")

    def _save(self, name: str, content: Any) -> str:
        """Write to a hidden temporary name in the target folder, flush, then link into
        place (never over an existing file); any error (a full or read-only disk, a size
        limit) removes the temporary file, so a failure leaves nothing behind."""
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        old_umask = os.umask(0o777 & ~(self.directory_permissions_mode or 0o700))
        try:
            os.makedirs(directory, self.directory_permissions_mode or 0o700, exist_ok=True)
        finally:
            os.umask(old_umask)
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


class AliasStorage(Storage):
    """Forwards every call to ``storages[alias]``, looked up at call time."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    @property
    def backend(self) -> Storage:
        return storages[self.alias]

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return ("core.storage.AliasStorage", (self.alias,), {})

    def open(self, name: str, mode: str = "rb") -> File:
        return self.backend.open(name, mode)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        return self.backend.save(name, content, max_length=max_length)

    def generate_filename(self, filename: str | os.PathLike[str]) -> str:
        return self.backend.generate_filename(filename)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.backend.get_available_name(name, max_length=max_length)

    def delete(self, name: str) -> None:
        self.backend.delete(name)

    def exists(self, name: str) -> bool:
        return self.backend.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.backend.listdir(path)

    def size(self, name: str) -> int:
        return self.backend.size(name)

    def url(self, name: str | None) -> str:
        return self.backend.url(name)


def stored_file_verified(storage: Storage, name: str, *, sha256: str, what: str) -> File:
    """Open ``name`` for reading after checking, in a streamed read, that it still has
    the SHA-256 recorded when it was stored (``PermissionDenied`` otherwise). The caller
    streams the returned handle and closes it."""
    with storage_guard("read"):
        handle = storage.open(name, "rb")
        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            handle.close()
            raise PermissionDenied(f"The stored {what} does not match its checksum.")
        handle.seek(0)
    return handle
