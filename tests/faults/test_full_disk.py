"""Issue 19, fault 6: an evidence upload onto a full or read-only disk answers a clear
507/503 in JSON, records nothing and leaves no partial file. The disk is a real tmpfs of
256 KB mounted for the test (root), or, without root, a file-size limit on gunicorn and
a folder without write permission."""

from __future__ import annotations

import os
import resource
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from accounts.services import api_token_automation_issue
from core.tenancy import tenant_context
from exceptional_resource.models import CaseDocument
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.evidence_files import PDF
from tests.faults.http import Client, Reply
from tests.faults.stack import OwnRedis, stack_env, warm_up, web

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]
ROOT = os.geteuid() == 0


@contextmanager
def small_disk(path: Path, *, read_only: bool) -> Iterator[None]:
    path.mkdir(parents=True)
    if not ROOT:
        path.chmod(0o555 if read_only else 0o755)
        yield
        path.chmod(0o755)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", str(path)], check=True)
    try:
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def _file_size_limit() -> None:
    """Without root: gunicorn may write no file past 256 KB (EFBIG, as a full disk)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _upload(base: str, path: str, token: dict[str, str], content: bytes) -> Reply:
    body, content_type = _multipart("report.pdf", content)
    return Client(base).request("POST", path, data=body, headers={"Content-Type": content_type, **token})


def _files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("fault", "status", "code"), [("full", 507, "storage_full"), ("read_only", 503, "storage_unavailable")]
)
def test_an_upload_the_disk_cannot_take_is_refused_cleanly(
    fault: str, status: int, code: str, scene: Scene, own_redis: OwnRedis, tmp_path: Path
) -> None:
    case = draft_case(scene)
    token = {"Authorization": f"Token {api_token_automation_issue(user=scene.head.user)[1]}"}
    api = f"/api/v1/bodies/{scene.body.slug}"
    media = tmp_path / "private"
    big = PDF + b"%" + b"0" * (400 * 1024) + b"\n%%EOF\n"  # a valid PDF of 400 KB: more than the disk holds
    env = stack_env(own_redis.url, tmp_path)
    limit_files = None if ROOT or fault != "full" else _file_size_limit
    with small_disk(media, read_only=fault == "read_only"):
        with web(env, preexec=limit_files) as base:
            warm_up(base, f"{api}/cases/", token)
            reply = _upload(base, f"{api}/cases/{case.pk}/evidence/upload/", token, big)
            small = _upload(base, f"{api}/cases/{case.pk}/evidence/upload/", token, PDF)
        left = _files_under(media)
    print(f"{fault} disk: {reply.status} {reply.json().get('code')} in {reply.seconds:.2f}s; files left {left}")
    assert reply.status == status, reply.text[:300]
    body = reply.json()
    assert (body["code"], body["field"]) == (code, "file")
    assert body["request_id"]
    assert not [name for name in left if ".partial-" in name]
    with tenant_context(scene.body):
        kept = list(CaseDocument.objects.values_list("size_bytes", flat=True))
    assert len(big) not in kept
    if fault == "full":
        assert small.status == 201, small.text[:300]  # a file that fits is still taken
        assert kept == [len(PDF)]
        assert len(left) == 1
    else:
        assert small.status == 503
        assert kept == []
        assert left == []
