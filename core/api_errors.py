"""API errors as JSON, 500 included: ``{"code", "message", "request_id"}``. Rendering one
is a dictionary and a log line, so an error never costs the seconds an HTML page can."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, JsonResponse

from core.request_ids import request_id

# The standard library's logger, so the traceback is rendered by the configured handler as
# plain text (structlog's default console renderer draws a rich traceback with every local
# variable, which cost seconds per error under load).
log = logging.getLogger("core.api_errors")

SERVER_ERROR_MESSAGE = "Something went wrong on our side. Quote the request id if you report it."


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra, "request_id": request_id()}


def server_error_logged(exc: BaseException) -> dict[str, Any]:
    """Log an unexpected exception with its traceback and answer the JSON for it."""
    log.error(
        "api_unhandled_exception request_id=%s error=%s",
        request_id(),
        f"{type(exc).__name__}: {exc}"[:500],
        exc_info=exc,
    )
    return error_body("server_error", SERVER_ERROR_MESSAGE)


def json_error_page(request: HttpRequest, status: int) -> JsonResponse:
    """Django's own error handlers for ``/api/`` paths (a 404 URL, a 500 outside DRF)."""
    codes = {403: ("permission_denied", "You may not do this."), 404: ("not_found", "Not found.")}
    code, message = codes.get(status, ("server_error", SERVER_ERROR_MESSAGE))
    return JsonResponse(error_body(code, message), status=status)
