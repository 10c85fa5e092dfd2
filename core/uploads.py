"""Checking uploaded files: an allow-list of types checked by extension *and* by content
(libmagic, and for Word and Excel files the parts inside the package), a size limit, and a
virus-scan hook. Every upload in the product goes through ``validate_upload``.

``SizeLimitUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) stops keeping a file's bytes
once it passes ``UPLOAD_MAX_BYTES`` and hands on a ``TooLargeUpload`` that knows only its
size, so a 50 MB upload never sits in memory or on disk; ``validate_upload`` refuses it.

``UPLOAD_VIRUS_SCANNER`` names a callable that returns a scanner: ``NoScanner`` (the
default) or ``ClamdScanner``, which streams the file to ClamAV's daemon (``clamd``) with
its INSTREAM command over a TCP or Unix socket (``CLAMD_ADDRESS``)."""

from __future__ import annotations

import io
import socket
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Protocol
from urllib.parse import urlparse

import magic
from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from core.error_codes import CoreError
from core.errors import ApplicationError

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
# A Word or Excel file is a zip package; libmagic cannot tell them apart (or from any zip),
# so the package must also hold the main part of its kind.
OOXML_MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


class VirusScanner(Protocol):
    def scan(self, data: bytes, *, name: str) -> str | None:
        """Return the name of a threat found, or None."""


class NoScanner:
    """The default hook: scans nothing. Configure ``UPLOAD_VIRUS_SCANNER`` for ClamAV."""

    def scan(self, data: bytes, *, name: str) -> str | None:
        return None


class ScanFailed(ApplicationError):
    """The scanner could not give an answer; the upload is refused (fail closed)."""

    def __init__(self, detail: str):
        super().__init__(
            "The selected file could not be checked for viruses. Try again later.",
            code=CoreError.FILE_SCAN_FAILED,
            field="file",
            extra={"detail": detail[:200]},
        )


class ClamdScanner:
    """ClamAV's daemon, sent the file with ``zINSTREAM``: chunks of at most 64 KiB, each
    prefixed by its length as a 4-byte big-endian integer, then a zero-length chunk; clamd
    answers ``stream: OK``, ``stream: <signature> FOUND`` or ``… ERROR``, ending with NUL.

    ``CLAMD_ADDRESS`` is ``tcp://host:port`` or ``unix:///path/to/clamd.ctl``. Anything but
    a clear answer (no daemon, a timeout, an error reply) raises ``ScanFailed``."""

    chunk_size = 64 * 1024

    def __init__(self, address: str | None = None, timeout: float | None = None):
        self.address = address or settings.CLAMD_ADDRESS
        self.timeout = timeout if timeout is not None else settings.CLAMD_TIMEOUT_SECONDS

    def _connect(self) -> socket.socket:
        url = urlparse(self.address)
        if url.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(url.path)
            return sock
        if url.scheme == "tcp" and url.hostname and url.port:
            return socket.create_connection((url.hostname, url.port), timeout=self.timeout)
        raise ScanFailed(f"CLAMD_ADDRESS {self.address!r} is not tcp://host:port or unix:///path")

    def scan(self, data: bytes, *, name: str) -> str | None:
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), self.chunk_size):
                    piece = data[start : start + self.chunk_size]
                    sock.sendall(struct.pack("!L", len(piece)) + piece)
                sock.sendall(struct.pack("!L", 0))
                reply = _read_reply(sock)
        except OSError as exc:
            raise ScanFailed(f"clamd unreachable: {exc}") from exc
        if reply.endswith(" FOUND"):
            return reply.removeprefix("stream: ").removesuffix(" FOUND").strip() or "unknown threat"
        if reply == "stream: OK":
            return None
        raise ScanFailed(f"clamd answered {reply!r}")


def _read_reply(sock: socket.socket, limit: int = 4096) -> str:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < limit:
        piece = sock.recv(1024)
        if not piece:
            break
        reply += piece
    return reply.rstrip(b"\0").decode("utf-8", errors="replace").strip()


def _scanner() -> VirusScanner:
    from django.utils.module_loading import import_string

    path = getattr(settings, "UPLOAD_VIRUS_SCANNER", "core.uploads.NoScanner")
    scanner: VirusScanner = import_string(path)()
    return scanner


class TooLargeUpload(UploadedFile):
    """What ``SizeLimitUploadHandler`` hands on for a file that passed the limit: no
    content, only its name and the size that arrived."""

    def __init__(self, *, name: str, content_type: str, size: int, charset: str | None = None):
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=size, charset=charset)


class SizeLimitUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: passes chunks on to the usual handlers until a
    file passes ``UPLOAD_MAX_BYTES``, then keeps none of the rest (the usual handlers never
    see it) and replaces the file with a ``TooLargeUpload`` carrying its full size."""

    def __init__(self, request: Any = None):
        super().__init__(request)
        self.limit = int(settings.UPLOAD_MAX_BYTES)
        self.received = 0
        self.too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
        return None if self.too_large else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.too_large:
            return None
        return TooLargeUpload(
            name=self.file_name or "", content_type=self.content_type or "", size=self.received, charset=self.charset
        )


def _ooxml_has(upload: File, part: str) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return part in names and "[Content_Types].xml" in names


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
        raise ApplicationError(
            f"The selected file must be a {names}.", code=CoreError.FILE_TYPE_NOT_ALLOWED, field=field
        )
    size = upload.size or 0
    if size == 0:
        raise ApplicationError("The selected file is empty.", code=CoreError.FILE_EMPTY, field=field)
    if size > limit:
        raise ApplicationError(
            f"The selected file must be smaller than {limit // (1024 * 1024)} MB.",
            code=CoreError.FILE_TOO_LARGE,
            field=field,
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    content_type = magic.from_buffer(head, mime=True)
    part = OOXML_MAIN_PARTS.get(extension)
    if content_type not in ALLOWED_TYPES[extension] or (part is not None and not _ooxml_has(upload, part)):
        raise ApplicationError(
            f"The selected file is not really a {TYPE_NAMES[extension]} file.",
            code=CoreError.FILE_CONTENT_MISMATCH,
            field=field,
        )
    if part is not None:
        content_type = next(iter(ALLOWED_TYPES[extension] - {"application/zip"}))
    data = b"".join(upload.chunks())
    upload.seek(0)
    try:
        threat = _scanner().scan(data, name=original)
    except ScanFailed as exc:
        exc.field = field
        raise
    if threat:
        raise ApplicationError("The selected file contains a virus.", code=CoreError.FILE_INFECTED, field=field)
    return CheckedUpload(name=original[:200], extension=extension, content_type=content_type, size=size)
