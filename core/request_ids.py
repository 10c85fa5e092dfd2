"""The request id (django-structlog binds one per request, or takes ``X-Request-ID`` from
the proxy): every response carries it back, and every API error names it."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"


def request_id() -> str:
    return str(structlog.contextvars.get_contextvars().get("request_id", ""))


class RequestIdHeaderMiddleware:
    """Put the request id on the response (after django-structlog's middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        rid = request_id()
        if rid and HEADER not in response:
            response[HEADER] = rid
        return response
