"""Site-wide pages that belong to no app: the start page, static information pages,
the health check and the error handlers."""

from __future__ import annotations

import time
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from config.celery import app as celery_app


class StartView(TemplateView):
    template_name = "pages/start.html"


class AboutView(TemplateView):
    template_name = "pages/about.html"


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


def _timed(check: Any) -> dict[str, Any]:
    started = time.monotonic()
    try:
        detail = check()
        result: dict[str, Any] = {"ok": True}
        if detail:
            result["detail"] = detail
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return ""


def _check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return str(conn.transport_cls)


def _check_worker() -> str:
    from accounts.tasks import ping

    timeout = settings.HEALTHZ_WORKER_TIMEOUT_SECONDS
    result = ping.apply_async(expires=timeout * 2)
    try:
        reply = result.get(timeout=timeout, interval=0.1)
    except CeleryTimeout as exc:
        raise RuntimeError(f"no worker answered a ping within {timeout}s") from exc
    finally:
        result.forget()
    return str(reply)


HEALTH_CACHE_KEY = "healthz:last"


def _run_checks() -> dict[str, Any]:
    checks = {"database": _timed(_check_database), "broker": _timed(_check_broker)}
    checks["worker"] = _timed(_check_worker) if checks["broker"]["ok"] else {"ok": False, "error": "broker down"}
    failing = [name for name, check in checks.items() if not check["ok"]]
    return {"status": "ok" if not failing else "failing", "failing": failing, "checks": checks}


def _may_see_details(request: HttpRequest) -> bool:
    local = request.META.get("REMOTE_ADDR", "") in {"127.0.0.1", "::1"}
    return local or bool(getattr(request.user, "is_staff", False))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and worker status. The result is cached for a few seconds, so a
    flood of requests cannot flood the queue with pings, and error text (which can name
    hosts and roles) is shown only to the machine itself and to platform staff."""
    payload = cache.get(HEALTH_CACHE_KEY)
    if payload is None:
        payload = _run_checks()
        cache.set(HEALTH_CACHE_KEY, payload, timeout=settings.HEALTHZ_CACHE_SECONDS)
    if not _may_see_details(request):
        payload = {
            **payload,
            "checks": {name: {"ok": c["ok"]} for name, c in payload["checks"].items()},
        }
    return JsonResponse(payload, status=200 if not payload["failing"] else 503)


@never_cache
@require_GET
def healthz_trivial(request: HttpRequest) -> HttpResponse:
    """The cheapest page the app can serve (no database, no template): ``make bench``
    measures it as the ceiling the real pages are compared with."""
    return HttpResponse("ok", content_type="text/plain")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
