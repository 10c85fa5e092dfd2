"""Site-wide pages that belong to no app: the start page, static information pages,
the health check and the error handlers."""

from __future__ import annotations

import ipaddress
import time
from concurrent.futures import ThreadPoolExecutor
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
from drf_spectacular.views import SpectacularSwaggerSplitView

from config.celery import app as celery_app
from core.api_errors import is_api_request, json_error_page
from core.outbox.services import outbox_health


class StartView(TemplateView):
    template_name = "pages/start.html"


class ApiDocsView(SpectacularSwaggerSplitView):
    """The API reference, CSP-clean: the split view serves Swagger UI's set-up script from
    ``?script`` (not inline), the sidecar serves the UI's JS and CSS as static files, and our
    template moves drf-spectacular's inline page styles into a static file."""

    template_name = "api/docs.html"


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
    """One try, bounded by the broker's connect and socket timeouts (a Redis channel pings
    on creation, so a hung Redis fails here in ``REDIS_SOCKET_TIMEOUT_SECONDS``)."""
    with celery_app.connection_for_write() as conn:
        conn.default_channel  # noqa: B018 - connecting (one try) and opening the channel is the check
        return str(conn.transport_cls)


def _check_cache() -> str:
    """The cache itself, not its fail-open wrapper: is Redis answering?"""
    client = getattr(cache, "_cache", None)
    if client is None or not hasattr(client, "get_client"):
        return "local memory"
    client.get_client(write=True).ping()
    return ""


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
    # Broker and cache at the same time, so a hung Redis costs one socket timeout, not two.
    with ThreadPoolExecutor(max_workers=2) as pool:
        broker, cache_check = pool.submit(_timed, _check_broker), pool.submit(_timed, _check_cache)
        checks = {"database": _timed(_check_database), "broker": broker.result(), "cache": cache_check.result()}
    checks["worker"] = _timed(_check_worker) if checks["broker"]["ok"] else {"ok": False, "error": "broker down"}
    failing = [name for name, check in checks.items() if not check["ok"]]
    payload: dict[str, Any] = {"status": "ok" if not failing else "failing", "failing": failing, "checks": checks}
    if checks["database"]["ok"]:
        # Work waiting, and work given up on (manage.py outbox_dead): shown, never failing
        # the check, so a load balancer does not pull a web process for a task's fault.
        payload["outbox"] = outbox_health()
    return payload


def _detail_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    cidrs = [cidr.strip() for cidr in settings.HEALTHZ_DETAIL_NETWORKS]
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs if cidr]


def _may_see_details(request: HttpRequest) -> bool:
    """Platform staff, or a caller whose socket address (REMOTE_ADDR, never a forwarded
    header a client can write) is in ``HEALTHZ_DETAIL_NETWORKS``."""
    if getattr(request.user, "is_staff", False):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _detail_networks())


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker, cache and worker status, 503 naming what is down. Bounded: the
    database connect timeout, the Redis socket timeouts (about 1 s each for the broker and
    the cache) and ``HEALTHZ_WORKER_TIMEOUT_SECONDS`` (skipped when the broker is down).
    The result is cached for a few seconds (when the cache answers), so a
    flood of requests cannot flood the queue with pings, and error text (which can name
    hosts and roles) is shown only to platform staff and to ``HEALTHZ_DETAIL_NETWORKS``."""
    payload = cache.get(HEALTH_CACHE_KEY) if settings.HEALTHZ_CACHE_SECONDS else None
    if payload is None:
        payload = _run_checks()
        if settings.HEALTHZ_CACHE_SECONDS and payload["checks"]["cache"]["ok"]:
            cache.set(HEALTH_CACHE_KEY, payload, timeout=settings.HEALTHZ_CACHE_SECONDS)
    if not _may_see_details(request):
        payload = {
            **{k: v for k, v in payload.items() if k != "outbox"},
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
    if is_api_request(request):
        return json_error_page(request, 403)
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return json_error_page(request, 404)
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return json_error_page(request, 500)
    return render(request, "500.html", status=500)
