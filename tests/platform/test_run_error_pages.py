"""`make run` serves the friendly GOV.UK-style error pages, never Django's DEBUG pages.
Seen in the browser: a trustee who followed a case link to a page that did not exist got
the technical 404, which lists every URL pattern of the app. The run settings
(``config.settings.local``, which scripts/run.sh uses) leave DEBUG off unless asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Renders a missing page and a server error under the run settings, in a fresh process
# (settings are read once per process). Static files are served unhashed here because the
# test does not run collectstatic, as `make run` does before starting the web process.
SCRIPT = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

static = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=static):
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    missing = client.get("/body/no-such-body/cases/12345/")
    from config import views
    from django.test import RequestFactory
    server_error = views.error_500(RequestFactory(HTTP_HOST="localhost").get("/"))
print(json.dumps({
    "debug": settings.DEBUG,
    "status": missing.status_code,
    "page": missing.content.decode(),
    "error_status": server_error.status_code,
    "error_page": server_error.content.decode(),
}))
"""


def _run_settings(**extra: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", **extra)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_missing_page_under_the_run_settings_is_the_friendly_404_without_url_patterns() -> None:
    shown = _run_settings()
    page = str(shown["page"])
    assert shown["debug"] is False
    assert shown["status"] == 404
    assert "Page not found" in page
    assert "go to the Inclusion Pool start page" in page
    assert "URLconf" not in page
    assert "Using the URLconf" not in page
    assert "body/&lt;slug:body_slug&gt;" not in page
    assert "<slug:body_slug>" not in page
    assert "DEBUG = True" not in page


def test_a_server_error_under_the_run_settings_is_the_friendly_500() -> None:
    shown = _run_settings()
    assert shown["error_status"] == 500
    assert "Sorry, there is a problem with the service" in str(shown["error_page"])
    assert "Traceback" not in str(shown["error_page"])
