"""``core.static_storage.StaticFilesStorage``: each static file's URL looked up once per
process, the same URL as WhiteNoise's manifest storage gives, and a missing file still an
error every time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from core.static_storage import StaticFilesStorage


@pytest.fixture
def collected(tmp_path: Path) -> Path:
    """A static root as collectstatic leaves it: one hashed file and its manifest."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.3f2a1b.css").write_text("body{}")
    manifest = {"paths": {"css/app.css": "css/app.3f2a1b.css"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return tmp_path


@override_settings(DEBUG=False)
def test_the_url_is_the_manifest_storage_s_and_is_looked_up_once(collected: Path) -> None:
    storage = StaticFilesStorage(location=str(collected), base_url="/static/")
    plain = CompressedManifestStaticFilesStorage(location=str(collected), base_url="/static/")

    assert storage.url("css/app.css") == plain.url("css/app.css") == "/static/css/app.3f2a1b.css"
    storage.hashed_files = {}  # were the manifest read again, the name would be missing now
    assert storage.url("css/app.css") == "/static/css/app.3f2a1b.css"


@override_settings(DEBUG=False)
def test_a_file_missing_from_the_manifest_fails_every_time(collected: Path) -> None:
    storage = StaticFilesStorage(location=str(collected), base_url="/static/")

    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")


def test_debug_serves_the_unhashed_name_even_after_a_hashed_lookup(collected: Path) -> None:
    storage = StaticFilesStorage(location=str(collected), base_url="/static/")

    with override_settings(DEBUG=False):
        assert storage.url("css/app.css") == "/static/css/app.3f2a1b.css"
    with override_settings(DEBUG=True):
        assert storage.url("css/app.css") == "/static/css/app.css"
