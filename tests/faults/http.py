"""A small HTTP client on the standard library for fault tests (every call has a timeout)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    cookies: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    """Keeps cookies (sessions, CSRF); never follows redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        url = self.base + path
        if not url.startswith("http://127.0.0.1:"):
            raise ValueError(f"fault tests talk to 127.0.0.1 only, not {url}")
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
        started = time.monotonic()
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                body, status, got = resp.read(), resp.status, dict(resp.headers)
        except urllib.error.HTTPError as exc:
            body, status, got = exc.read(), exc.code, dict(exc.headers)
        cookies = {c.name: c.value or "" for c in self.jar}
        return Reply(status, got, body, time.monotonic() - started, cookies)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post_json(self, path: str, payload: Any, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Reply:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return self.request("POST", path, data=json.dumps(payload).encode(), headers=all_headers, **kwargs)
