"""core.uploads: the size-limit upload handler (a 50 MB upload is never held in memory
or on disk), the Word/Excel package check, and the ClamAV adapter against a fake clamd
speaking the INSTREAM protocol on a local socket."""

from __future__ import annotations

import io
import socket
import struct
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory

from core.errors import ApplicationError
from core.uploads import (
    ClamdScanner,
    ScanFailed,
    SizeLimitUploadHandler,
    TooLargeUpload,
    validate_upload,
)
from tests.exceptional_resource.evidence_files import DOCX, EICAR, PDF, xlsx

MB = 1024 * 1024
EVIDENCE = frozenset({"pdf", "docx", "xlsx", "png", "jpg", "jpeg"})


class _LazyMultipart(io.RawIOBase):
    """A multipart body with one ``size``-byte PDF, produced as it is read (never whole)."""

    def __init__(self, boundary: str, size: int):
        self.head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()
        self.tail = f"\r\n--{boundary}--\r\n".encode()
        self.body = size - len(b"%PDF-1.4\n")
        self.length = len(self.head) + self.body + len(self.tail)
        self.pos = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = self.length - self.pos
        out = bytearray()
        while n > 0 and self.pos < self.length:
            if self.pos < len(self.head):
                piece = self.head[self.pos : self.pos + n]
            elif self.pos < len(self.head) + self.body:
                piece = b"0" * min(n, len(self.head) + self.body - self.pos)
            else:
                start = self.pos - len(self.head) - self.body
                piece = self.tail[start : start + n]
            out += piece
            self.pos += len(piece)
            n -= len(piece)
        return bytes(out)


def _handlers(request: Any) -> list[Any]:
    from django.conf import settings
    from django.core.files.uploadhandler import load_handler

    return [load_handler(path, request) for path in settings.FILE_UPLOAD_HANDLERS]


def test_a_50_mb_upload_is_refused_without_being_held_in_memory(tmp_path: Path, settings: Any) -> None:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    boundary = "xYzZY"
    stream = _LazyMultipart(boundary, 50 * MB)
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={boundary}", "CONTENT_LENGTH": str(stream.length)}
    request = RequestFactory().get("/")
    tracemalloc.start()
    try:
        _, files = MultiPartParser(meta, stream, _handlers(request)).parse()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    upload = files["file"]
    assert isinstance(upload, TooLargeUpload)
    assert upload.size == 50 * MB
    assert upload.read() == b""
    assert peak < 2 * MB, f"peak {peak} bytes while parsing"
    with pytest.raises(ApplicationError) as refused:
        validate_upload(upload, allowed=EVIDENCE)
    assert (refused.value.code, refused.value.field) == ("file_too_large", "file")
    assert refused.value.message == "The selected file must be smaller than 10 MB."


def test_a_file_within_the_limit_passes_through_the_handler_whole(settings: Any) -> None:
    boundary = "xYzZY"
    stream = _LazyMultipart(boundary, 3 * MB)
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={boundary}", "CONTENT_LENGTH": str(stream.length)}
    _, files = MultiPartParser(meta, stream, _handlers(RequestFactory().get("/"))).parse()
    upload = files["file"]
    assert not isinstance(upload, TooLargeUpload)
    assert upload.size == 3 * MB
    assert validate_upload(upload, allowed=EVIDENCE).size == 3 * MB


def test_handler_follows_the_setting(settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 1000
    handler = SizeLimitUploadHandler()
    handler.new_file("file", "a.pdf", "application/pdf", 5000)
    assert handler.receive_data_chunk(b"x" * 800, 0) == b"x" * 800
    assert handler.receive_data_chunk(b"x" * 800, 800) is None
    assert handler.receive_data_chunk(b"x" * 800, 1600) is None
    done = handler.file_complete(2400)
    assert isinstance(done, TooLargeUpload)
    assert done.size == 2400


def test_word_and_excel_files_must_hold_their_own_main_part() -> None:
    assert validate_upload(SimpleUploadedFile("plan.docx", DOCX), allowed=EVIDENCE).extension == "docx"
    assert validate_upload(SimpleUploadedFile("costs.xlsx", xlsx()), allowed=EVIDENCE).extension == "xlsx"
    for name, data in (("costs.docx", xlsx()), ("plan.xlsx", DOCX)):
        with pytest.raises(ApplicationError) as refused:
            validate_upload(SimpleUploadedFile(name, data), allowed=EVIDENCE)
        assert refused.value.code == "file_content_mismatch"


class FakeClamd:
    """Speaks clamd's zINSTREAM on a local socket: collects the chunks, answers FOUND for
    the EICAR string, OK otherwise, or ERROR when told to."""

    def __init__(self, family: int, address: Any):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen(4)
        self.received: list[bytes] = []
        self.chunk_sizes: list[int] = []
        self.commands: list[bytes] = []
        self.reply_error = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self) -> Any:
        return self.sock.getsockname()

    def _read(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            piece = conn.recv(n - len(data))
            if not piece:
                raise ConnectionError("client went away")
            data += piece
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                command = b""
                while not command.endswith(b"\0"):
                    command += self._read(conn, 1)
                self.commands.append(command)
                data = b""
                while True:
                    (length,) = struct.unpack("!L", self._read(conn, 4))
                    if length == 0:
                        break
                    self.chunk_sizes.append(length)
                    data += self._read(conn, length)
                self.received.append(data)
                if self.reply_error:
                    conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")
                elif EICAR in data:
                    conn.sendall(b"stream: Eicar-Test-Signature FOUND\0")
                else:
                    conn.sendall(b"stream: OK\0")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def clamd_tcp() -> Iterator[FakeClamd]:
    server = FakeClamd(socket.AF_INET, ("127.0.0.1", 0))
    yield server
    server.close()


def test_clamd_scanner_streams_the_file_in_chunks_and_reads_the_verdict(clamd_tcp: FakeClamd) -> None:
    host, port = clamd_tcp.address
    scanner = ClamdScanner(address=f"tcp://{host}:{port}", timeout=5)
    clean = PDF + b"0" * (150 * 1024)
    assert scanner.scan(clean, name="a.pdf") is None
    assert clamd_tcp.commands == [b"zINSTREAM\0"]
    assert clamd_tcp.received == [clean]
    assert clamd_tcp.chunk_sizes == [65536, 65536, len(clean) - 131072]
    assert scanner.scan(PDF + EICAR, name="b.pdf") == "Eicar-Test-Signature"


def test_clamd_scanner_over_a_unix_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "clamd.ctl")
    server = FakeClamd(socket.AF_UNIX, path)
    try:
        scanner = ClamdScanner(address=f"unix://{path}", timeout=5)
        assert scanner.scan(PDF, name="a.pdf") is None
        assert scanner.scan(EICAR, name="b.pdf") == "Eicar-Test-Signature"
    finally:
        server.close()


def test_uploads_through_clamd_refuse_a_virus_and_fail_closed(clamd_tcp: FakeClamd, settings: Any) -> None:
    host, port = clamd_tcp.address
    settings.UPLOAD_VIRUS_SCANNER = "core.uploads.ClamdScanner"
    settings.CLAMD_ADDRESS = f"tcp://{host}:{port}"
    settings.CLAMD_TIMEOUT_SECONDS = 5
    assert validate_upload(SimpleUploadedFile("a.pdf", PDF), allowed=EVIDENCE, field="evidence").size == len(PDF)
    with pytest.raises(ApplicationError) as infected:
        validate_upload(SimpleUploadedFile("b.pdf", PDF + EICAR), allowed=EVIDENCE, field="evidence")
    assert (infected.value.code, infected.value.field) == ("file_infected", "evidence")
    clamd_tcp.reply_error = True
    with pytest.raises(ScanFailed) as error_reply:
        validate_upload(SimpleUploadedFile("c.pdf", PDF), allowed=EVIDENCE, field="evidence")
    assert (error_reply.value.code, error_reply.value.field) == ("file_scan_failed", "evidence")
    clamd_tcp.close()
    with pytest.raises(ScanFailed) as unreachable:
        validate_upload(SimpleUploadedFile("d.pdf", PDF), allowed=EVIDENCE, field="evidence")
    assert unreachable.value.message == "The selected file could not be checked for viruses. Try again later."
