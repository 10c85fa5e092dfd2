"""The static files storage: WhiteNoise's compressed manifest storage, with each file's URL
looked up once per process. Every page asks for the same four files (stylesheet, scripts,
icon), and each ``{% static %}`` otherwise splits, hashes and quotes the name again (about
ninety calls a file). The manifest does not change while a process runs: a deployment
collects the static files and then starts new processes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool, bool], str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        key = (str(name), force, settings.DEBUG)  # DEBUG serves unhashed names
        try:
            return self._urls[key]
        except KeyError:
            pass
        url: str = super().url(name, force)  # raises for a name missing from the manifest: not kept
        self._urls[key] = url
        return url
