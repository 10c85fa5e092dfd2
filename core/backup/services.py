"""``backup_create`` writes ``<target>/`` with ``database.dump`` (pg_dump custom format),
``files/`` (a copy of the private media root: evidence, remittances, report files) and
``manifest.json`` (SHA-256 and size of the dump and of every file). It is built under
``<target>.partial`` and renamed only when complete, so a failed backup leaves nothing that
looks like a backup. ``backup_restore`` checks every checksum before touching anything,
loads the dump into an empty database as a superuser (the only role that can load rows
into tables with forced row-level security and keep the original owners), then copies the
files into place and checks them again."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Manifest:
    path: Path
    data: dict[str, Any]

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["files"])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq_env(url: str) -> dict[str, str]:
    """pg_dump and pg_restore read the password from the environment, never argv."""
    import environ

    cfg = environ.Env.db_url_config(url)
    # A Unix-socket URL (``postgres://user@/db?host=/dir``, the embedded PostgreSQL of a bare
    # machine) leaves HOST empty and puts the directory in OPTIONS.
    options = cfg.get("OPTIONS") or {}
    env = dict(os.environ)
    env.update(
        PGHOST=str(cfg.get("HOST") or options.get("host") or "127.0.0.1"),
        PGPORT=str(cfg.get("PORT") or options.get("port") or 5432),
        PGUSER=str(cfg.get("USER") or ""),
        PGDATABASE=str(cfg.get("NAME") or ""),
        PGCONNECT_TIMEOUT="10",
    )
    if cfg.get("PASSWORD"):
        env["PGPASSWORD"] = str(cfg["PASSWORD"])
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _walk(root: Path) -> dict[str, dict[str, Any]]:
    files = {}
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".partial-")):
            files[path.relative_to(root).as_posix()] = {"sha256": sha256_of(path), "bytes": path.stat().st_size}
    return files


def backup_create(
    *, database_url: str, media_root: Path, target: Path, app_version: str = "", database_name: str = ""
) -> Manifest:
    """Dump the database as the backup role (``DATABASE_BACKUP_URL``: BYPASSRLS, read-only
    on every table) and copy every stored file, with a manifest of checksums.
    ``database_name`` (the app's database) overrides the URL's: the default backup URL is
    the superuser's, which names the ``postgres`` maintenance database, and dumping that
    gave an empty backup that looked like a good one."""
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new folder for each backup.")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        started = timezone.now()
        env = _libpq_env(database_url)
        if database_name:
            env["PGDATABASE"] = database_name
        # --enable-row-security is not used: the backup role bypasses RLS, so pg_dump's
        # default (row_security off) reads every row or fails loudly, never a partial table.
        _run(["pg_dump", "--format=custom", "--compress=6", "--file", str(partial / DUMP)], env)
        if media_root.exists():
            shutil.copytree(media_root, partial / FILES, ignore=shutil.ignore_patterns(".partial-*"))
        else:
            (partial / FILES).mkdir()
        data = {
            "format": 1,
            "created_at": started.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "app_version": app_version,
            "database": {
                "name": env["PGDATABASE"],
                "sha256": sha256_of(partial / DUMP),
                "bytes": (partial / DUMP).stat().st_size,
            },
            "files": _walk(partial / FILES),
        }
        (partial / MANIFEST).write_text(json.dumps(data, indent=2, sort_keys=True))
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Manifest(target, data)


def backup_verify(*, source: Path) -> Manifest:
    """Every checksum in the manifest matches what is on disk, and nothing is missing."""
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{source} has no {MANIFEST}: not a complete backup.")
    data = json.loads(manifest_path.read_text())
    problems = []
    if sha256_of(source / DUMP) != data["database"]["sha256"]:
        problems.append(DUMP)
    on_disk = _walk(source / FILES)
    for name, meta in data["files"].items():
        if on_disk.get(name, {}).get("sha256") != meta["sha256"]:
            problems.append(f"{FILES}/{name}")
    if problems:
        raise BackupError(f"The backup does not match its manifest: {', '.join(problems[:20])}")
    return Manifest(source, data)


def backup_restore(*, source: Path, admin_url: str, database: str, owner: str, media_root: Path) -> Manifest:
    """Restore ``source`` into a new, empty database ``database`` owned by ``owner`` and
    the files into ``media_root`` (which must be empty or absent)."""
    manifest = backup_verify(source=source)
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty; restore files into an empty folder.")
    env = _libpq_env(admin_url)
    _run(["createdb", "--owner", owner, database], env)
    restore_env = {**env, "PGDATABASE": database}
    _run(
        ["pg_restore", "--exit-on-error", "--single-transaction", "--dbname", database, str(source / DUMP)], restore_env
    )
    media_root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / FILES, media_root, dirs_exist_ok=True)
    restored = _walk(media_root)
    wrong = [n for n, meta in manifest.files.items() if restored.get(n, {}).get("sha256") != meta["sha256"]]
    if wrong:
        raise BackupError(f"Restored files do not match the manifest: {', '.join(wrong[:20])}")
    return manifest
