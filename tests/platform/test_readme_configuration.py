"""The README's configuration table names every environment variable the settings modules
read, and the storage settings it documents do what it says."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "config" / "settings"


def _string_arg(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def settings_variables() -> dict[str, str]:
    """Every variable read with env(...), env.<cast>(...), os.environ.get(...) or
    os.environ[...] in the settings modules, with the module that reads it."""
    found: dict[str, str] = {}
    for module in sorted(SETTINGS.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            name = None
            if isinstance(node, ast.Call):
                func = node.func
                is_env = (isinstance(func, ast.Name) and func.id == "env") or (
                    isinstance(func, ast.Attribute)
                    and (
                        (isinstance(func.value, ast.Name) and func.value.id == "env")
                        or (func.attr == "get" and ast.unparse(func.value) == "os.environ")
                    )
                )
                name = _string_arg(node) if is_env else None
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                key = node.slice
                name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            if name:
                found.setdefault(name, module.name)
    return found


def readme_variables() -> set[str]:
    """The variables named in the first column of the README's configuration table."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Configuration") :]
    section = section[: section.index("\n## ", 1)]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names |= {part.strip("` ") for part in first.split(",") if part.strip().startswith("`")}
    return names


def test_the_settings_reader_finds_the_variables_it_should() -> None:
    found = settings_variables()
    assert found["DATABASE_URL"] == "base.py"
    assert found["STORAGE_S3_BUCKET"] == "base.py"
    assert found["TEST_AS_RUNTIME_ROLE"] == "test.py"
    assert {"SECRET_KEY", "REDIS_URL", "STORAGE_S3_ENDPOINT_URL", "API_TOKEN_MAX_AGE_DAYS"} <= set(found)


def test_the_readme_configuration_table_names_every_setting_the_settings_read() -> None:
    missing = {name: module for name, module in settings_variables().items() if name not in readme_variables()}
    assert missing == {}, f"README 'Configuration' does not document: {missing}"


def test_a_bucket_puts_every_stored_file_on_s3_and_none_keeps_them_on_private_disk() -> None:
    script = (
        "import json; from config.settings import base; "
        "print(json.dumps({k: [v['BACKEND'], {o: str(x) for o, x in v.get('OPTIONS', {}).items()}] "
        "for k, v in base.STORAGES.items()}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORAGE_S3_")}

    def backends(extra: dict[str, str]) -> dict[str, list[object]]:
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env={**env, **extra}, capture_output=True, text=True, check=True
        )
        return json.loads(result.stdout)

    local = backends({})
    s3 = backends(
        {
            "STORAGE_S3_BUCKET": "pool-files",
            "STORAGE_S3_ENDPOINT_URL": "http://objectstore:8333",
            "STORAGE_S3_ACCESS_KEY_ID": "key",
            "STORAGE_S3_SECRET_ACCESS_KEY": "secret",
        }
    )

    assert local["default"] == ["core.storage.PrivateFileSystemStorage", {"subdir": ""}]
    assert local["evidence"] == ["core.storage.PrivateFileSystemStorage", {"subdir": "evidence"}]
    for alias, location in (("default", ""), ("evidence", "evidence")):
        backend, options = s3[alias]
        assert backend == "storages.backends.s3.S3Storage"
        assert options["bucket_name"] == "pool-files"
        assert options["endpoint_url"] == "http://objectstore:8333"
        assert (options["access_key"], options["secret_key"]) == ("key", "secret")
        assert (options["location"], options["default_acl"], options["file_overwrite"]) == (location, "None", "False")


def test_the_architecture_page_lists_every_app_and_calls_none_unbuilt() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text[text.index("| app | owns") : text.index("## Who may import whom")]
    apps = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    assert "not yet" not in table
    assert {"core", "accounts", "groupings", "pooling", "exceptional_resource", "partnerships"} <= set(apps)
    assert all((ROOT / app).is_dir() for app in apps), apps
