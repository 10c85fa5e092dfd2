from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

_LAST_SEEN = "_last_seen"
LAST_SEEN_GRANULARITY_SECONDS = 60


def _granularity() -> int:
    """How stale the stamp may get: a minute, or a tenth of a short timeout. People are
    signed out at most this much before the timeout, never after it."""
    return max(1, min(LAST_SEEN_GRANULARITY_SECONDS, settings.SESSION_IDLE_TIMEOUT_SECONDS // 10))


class IdleSessionTimeoutMiddleware:
    """Sign people out after ``SESSION_IDLE_TIMEOUT_SECONDS`` without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN)
            if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT_SECONDS:
                logout(request)
                request.session["signed_out_for_inactivity"] = True
            elif last_seen is None or now - int(last_seen) >= _granularity():
                # Written at most once a minute: every write is a session save (an UPDATE
                # and a commit) on a request that otherwise only reads.
                request.session[_LAST_SEEN] = now
        return self.get_response(request)
