"""The deployment files agree with each other and with the operations contract.

docker-compose.yml runs the processes the Procfile defines (the same scripts, which
exist and are executable), migrates as the owner role, runs the app as a different,
unprivileged role, and never turns DEBUG on. No database needed: these read files.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ("web", "worker", "beat")
APP_SERVICES = ("migrate", *PROCESSES)
INIT_SCRIPT = ROOT / "deploy" / "postgres-init" / "01-roles.sh"
# Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR:?message} and friends.
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def procfile() -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        assert name.strip() not in entries, f"Procfile defines {name!r} twice"
        entries[name.strip()] = shlex.split(command)
    return entries


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _resolve(value: str) -> str:
    """Interpolate as compose would with none of the variables set, except that required
    ones (${VAR:?...}) become a placeholder instead of an error."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2) or "", match.group(3) or ""
        if operator.endswith("-"):
            return argument
        if operator.endswith("?"):
            return f"placeholder-{name.lower()}"
        return ""

    return INTERPOLATION.sub(substitute, value)


def _database(url: str) -> tuple[str, str]:
    parsed = urlparse(_resolve(url))
    assert parsed.scheme in ("postgres", "postgresql", "pgsql"), url
    return parsed.username or "", parsed.path.lstrip("/")


def test_compose_defines_every_service(services: dict[str, dict[str, Any]]) -> None:
    assert {"postgres", "redis", "objectstore", *APP_SERVICES} <= set(services)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_keep_files_in_the_object_store_and_mount_no_shared_disk(
    name: str, services: dict[str, dict[str, Any]], compose: dict[str, Any]
) -> None:
    env = _environment(services[name])
    assert _resolve(env["STORAGE_S3_ENDPOINT_URL"]) == "http://objectstore:8333"
    assert _resolve(env["STORAGE_S3_BUCKET"]) == "inclusion-pool"
    for secret in ("STORAGE_S3_ACCESS_KEY_ID", "STORAGE_S3_SECRET_ACCESS_KEY"):
        assert re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}", env[secret]), f"{name}: {secret}"
    assert not services[name].get("volumes"), f"{name} mounts {services[name].get('volumes')}"
    assert "private-media" not in (compose.get("volumes") or {})
    if name in PROCESSES:
        assert services[name]["depends_on"]["objectstore"]["condition"] == "service_healthy"


def test_the_object_store_start_script_exists_and_creates_the_bucket(services: dict[str, dict[str, Any]]) -> None:
    script = ROOT / "deploy" / "objectstore" / "start.sh"
    assert "./deploy/objectstore/start.sh:/start.sh:ro" in services["objectstore"]["volumes"]
    text = script.read_text()
    assert "-s3.port=8333" in text
    assert "s3.bucket.create -name ${STORAGE_S3_BUCKET}" in text


def test_procfile_defines_exactly_web_worker_and_beat(procfile: dict[str, list[str]]) -> None:
    assert procfile == {name: [f"scripts/{name}"] for name in PROCESSES}


@pytest.mark.parametrize("name", PROCESSES)
def test_process_scripts_exist_and_are_executable(name: str) -> None:
    script = ROOT / "scripts" / name
    assert script.is_file(), f"{script} is missing"
    assert os.access(script, os.X_OK), f"{script} is not executable"
    assert script.read_text().startswith("#!"), f"{script} has no shebang"
    assert "exec " in script.read_text(), f"{script} should exec its process (signals reach it)"


@pytest.mark.parametrize("name", PROCESSES)
def test_compose_runs_the_procfile_command(
    name: str, services: dict[str, dict[str, Any]], procfile: dict[str, list[str]]
) -> None:
    command = services[name].get("command")
    assert isinstance(command, list), f"{name}: write command as a list (exec form)"
    assert command == procfile[name], f"{name} runs {command}, the Procfile runs {procfile[name]}"
    executable = ROOT / command[0]
    assert executable.is_file(), f"{name}: {command[0]} is not a file"
    assert os.access(executable, os.X_OK), f"{name}: {command[0]} is not executable"


def test_migrate_runs_manage_py_migrate(services: dict[str, dict[str, Any]]) -> None:
    command = services["migrate"].get("command")
    assert isinstance(command, list), "migrate: write command as a list (exec form)"
    assert command[:3] == ["python", "manage.py", "migrate"], command
    assert "--no-input" in command or "--noinput" in command
    assert services["migrate"].get("restart", "no") == "no", "migrate is one-shot"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_are_built_from_the_dockerfile_with_production_settings(
    name: str, services: dict[str, dict[str, Any]]
) -> None:
    service = services[name]
    assert service.get("build") in (".", {"context": "."}) or service.get("build", {}).get("context") == "."
    env = _environment(service)
    assert env.get("DJANGO_SETTINGS_MODULE") == "config.settings.production"
    for required in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"):
        assert env.get(required), f"{name} does not set {required}"
    for secret in ("SECRET_KEY",):
        assert re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}", env[secret]), (
            f"{name}: {secret} must come from the environment as ${{VAR:?message}}"
        )


@pytest.mark.parametrize("name", PROCESSES)
def test_processes_start_only_after_migrate_succeeded(name: str, services: dict[str, dict[str, Any]]) -> None:
    depends_on = services[name].get("depends_on")
    assert isinstance(depends_on, dict)
    assert depends_on.get("migrate", {}).get("condition") == "service_completed_successfully"
    assert depends_on.get("postgres", {}).get("condition") == "service_healthy"
    assert depends_on.get("redis", {}).get("condition") == "service_healthy"


def test_migrate_waits_for_a_healthy_database(services: dict[str, dict[str, Any]]) -> None:
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["postgres", "redis", "objectstore", "web", "worker"])
def test_long_running_services_have_a_healthcheck(name: str, services: dict[str, dict[str, Any]]) -> None:
    healthcheck = services[name].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name} has no healthcheck"
    assert not healthcheck.get("disable"), f"{name} disables its healthcheck"


def test_web_listens_on_all_interfaces_in_its_container(services: dict[str, dict[str, Any]]) -> None:
    assert _environment(services["web"]).get("BIND") == "0.0.0.0:8000"


def test_no_service_turns_debug_on(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        value = _resolve(_environment(service).get("DEBUG", "")).strip().lower()
        assert value in ("", "0", "false", "no", "off"), f"{name} sets DEBUG={value!r}"


def test_app_runs_as_a_different_role_from_the_schema_owner(services: dict[str, dict[str, Any]]) -> None:
    migrate = _environment(services["migrate"])
    owner_user, owner_db = _database(migrate["DATABASE_OWNER_URL"])
    assert owner_user, "DATABASE_OWNER_URL names no user"
    for name in APP_SERVICES:
        runtime_user, runtime_db = _database(_environment(services[name])["DATABASE_URL"])
        assert runtime_user, f"{name}: DATABASE_URL names no user"
        assert runtime_user != owner_user, f"{name} runs as the schema owner {owner_user!r}"
        assert runtime_db == owner_db, f"{name}: DATABASE_URL and DATABASE_OWNER_URL name different databases"


@pytest.mark.parametrize("name", PROCESSES)
def test_only_migrate_gets_the_owner_credentials(name: str, services: dict[str, dict[str, Any]]) -> None:
    env = _environment(services[name])
    for variable in ("DATABASE_OWNER_URL", "DATABASE_ADMIN_URL"):
        assert variable not in env, f"{name} runs as the runtime role and must not get {variable}"


def test_postgres_runs_the_role_init_script(services: dict[str, dict[str, Any]]) -> None:
    volumes = [str(v) for v in services["postgres"].get("volumes", [])]
    assert any(v.startswith("./deploy/postgres-init/01-roles.sh:/docker-entrypoint-initdb.d/") for v in volumes), (
        volumes
    )
    assert os.access(INIT_SCRIPT, os.X_OK), f"{INIT_SCRIPT} is not executable"


def _create_role_attributes(role_variable: str) -> set[str]:
    """The attributes of `CREATE ROLE :"<role_variable>" WITH ...;` in the init script."""
    text = INIT_SCRIPT.read_text()
    match = re.search(rf'CREATE ROLE :"{role_variable}" WITH ([^;]*);', text)
    assert match, f"01-roles.sh creates no role from :{role_variable}"
    return {word.upper() for word in match.group(1).split() if re.fullmatch(r"[A-Za-z]+", word)}


def test_init_script_creates_an_unprivileged_runtime_role(services: dict[str, dict[str, Any]]) -> None:
    attributes = _create_role_attributes("app")
    assert {"LOGIN", "NOSUPERUSER", "NOBYPASSRLS"} <= attributes
    assert not {"SUPERUSER", "BYPASSRLS", "CREATEROLE"} & attributes
    # ...and it is the role the app connects as.
    env = _environment(services["postgres"])
    runtime_user, _ = _database(_environment(services["web"])["DATABASE_URL"])
    assert env["INCLUSION_POOL_APP_USER"] == runtime_user


def test_init_script_creates_an_owner_that_cannot_bypass_row_level_security(
    services: dict[str, dict[str, Any]],
) -> None:
    attributes = _create_role_attributes("owner")
    assert {"LOGIN", "NOSUPERUSER", "NOBYPASSRLS", "CREATEDB"} <= attributes
    assert not {"SUPERUSER", "BYPASSRLS"} & attributes
    env = _environment(services["postgres"])
    owner_user, owner_db = _database(_environment(services["migrate"])["DATABASE_OWNER_URL"])
    assert env["INCLUSION_POOL_OWNER_USER"] == owner_user
    assert env["INCLUSION_POOL_DB"] == owner_db
    assert re.search(r'CREATE DATABASE :"db" OWNER :"owner";', INIT_SCRIPT.read_text())


def test_dockerfile_runs_web_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users, "the Dockerfile sets no USER: the image would run as root"
    assert users[-1] not in ("root", "0"), "the image must not run as root"
    assert re.search(r'^CMD \["scripts/web"\]', dockerfile, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*healthz|^HEALTHCHECK[\s\S]*?deploy/healthcheck\.py", dockerfile, re.MULTILINE)


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", ".data", ".env"} <= ignored


def test_only_the_buffering_proxy_is_published_and_it_fronts_web(services: dict[str, dict[str, Any]]) -> None:
    """Slow clients (issue 19): gunicorn is reached only through nginx."""
    assert "ports" not in services["web"]
    proxy = services["proxy"]
    assert proxy["environment"]["APP_UPSTREAM"] == "web:8000"
    assert proxy["ports"] == ["${WEB_PORT:-8000}:8080"]
    template = (ROOT / "deploy/nginx/app.conf.template").read_text()
    for directive in ("client_header_timeout 10s;", "client_body_timeout 20s;", "proxy_request_buffering on;"):
        assert directive in template
