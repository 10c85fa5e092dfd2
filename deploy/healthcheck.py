#!/usr/bin/env python
"""Container health check for the web process: GET /healthz on the local gunicorn.

Exit 0 when it answers 200 (database, broker and a worker all answered), 1 otherwise,
printing the JSON it got. Standard library only (it runs inside the image).

The Host header is the first ALLOWED_HOSTS entry, so Django does not reject the request;
X-Forwarded-Proto: https stands for the TLS-terminating proxy (production redirects
plain HTTP, /healthz excepted). The port comes from BIND (default 127.0.0.1:8000).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = os.environ.get("BIND", "127.0.0.1:8000").rsplit(":", 1)[-1]
    host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
    if host in ("", "*"):
        host = "localhost"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=8) as response:  # noqa: S310 - fixed local URL
            body = response.read().decode("utf-8", "replace")
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read().decode("utf-8", "replace"), exc.code
    except OSError as exc:
        print(f"/healthz unreachable: {exc}", file=sys.stderr)
        return 1
    print(body)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
