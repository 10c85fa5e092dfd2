"""``@idempotent``: the one way a money-moving API operation honours ``Idempotency-Key``.

Put it on the operation's ``post`` (above ``@extend_schema``). The header is optional: a
request without it runs as before. With it (1 to 255 printable ASCII characters, no
spaces; a UUID is ideal):

* the first request runs and its answer is kept for ``IDEMPOTENCY_KEY_TTL_HOURS`` (24 h)
  if it succeeded (2xx); a refused or failed request keeps nothing, so it can be retried;
* the same request again (same user, body, method, path and key) is answered 200 with the
  first answer's body, byte for byte, and ``Idempotent-Replayed: true`` (the first status
  in ``Idempotent-Original-Status``); nothing runs again;
* the same key with a different request is a 422 ``idempotency_key_reused``;
* a second request with the key while the first is still running waits for it, then is
  answered as above (``core.idempotency.services``).

A replay answers before the operation's own checks (step-up code, role): it repeats, to
the same user, an answer that user was already given, and moves nothing."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.error_codes import CoreError
from core.errors import ApplicationError
from core.idempotency.services import idempotency_claim, idempotency_complete, idempotency_release

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
ORIGINAL_STATUS_HEADER = "Idempotent-Original-Status"
MAX_KEY_LENGTH = 255
_KEY = re.compile(r"[\x21-\x7e]+")

PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional. Your unique key for this request (1-255 printable ASCII characters, no spaces; a UUID is "
        "ideal), kept 24 hours. Sending the same request again with the same key answers 200 with the first "
        "answer's body and `Idempotent-Replayed: true`, and moves no money twice; the same key with a different "
        "request is 422 `idempotency_key_reused`. A refused or failed request keeps nothing: retry it with the "
        "same key."
    ),
)


def parse_key(raw: str) -> str:
    """The header's value, or a 400 ``idempotency_key_invalid`` saying what is wrong."""
    if not raw:
        problem = "is empty"
    elif len(raw) > MAX_KEY_LENGTH:
        problem = f"is {len(raw)} characters long; the most is {MAX_KEY_LENGTH}"
    elif not _KEY.fullmatch(raw):
        problem = "may hold only printable ASCII characters and no spaces"
    else:
        return raw
    raise ApplicationError(
        f"The Idempotency-Key header {problem}.", code=CoreError.IDEMPOTENCY_KEY_INVALID, field=HEADER
    )


def request_fingerprint(request: Request) -> str:
    """SHA-256 of the method, the full path and the body as canonical JSON (keys sorted),
    so the same request written with other spacing or key order is the same request."""
    data: Any = request.data
    if hasattr(data, "lists"):  # a form or multipart body
        data = {k: sorted(map(str, v)) for k, v in data.lists()}
    canonical = json.dumps(
        [request.method, request.get_full_path(), data], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(status: int, body: str) -> HttpResponse:
    response = HttpResponse(body.encode(), status=200, content_type="application/json")
    response[REPLAYED_HEADER] = "true"
    response[ORIGINAL_STATUS_HEADER] = str(status)
    return response


Handler = Callable[..., HttpResponse]


def idempotent(handler: Handler) -> Handler:
    """Make a ``TenantAPIView`` handler honour ``Idempotency-Key`` (see the module)."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        raw = request.headers.get(HEADER)
        if raw is None:
            return handler(view, request, *args, **kwargs)
        key = parse_key(raw)
        claim_id, stored = idempotency_claim(
            user_id=int(request.user.pk or 0),
            key=key,
            method=request.method or "",
            path=request.get_full_path(),
            request_sha256=request_fingerprint(request),
        )
        if stored is not None:
            return _replay(stored.response_status or 200, stored.response_json)
        assert claim_id is not None
        try:
            response = handler(view, request, *args, **kwargs)
        except BaseException:
            _release_quietly(claim_id)
            raise
        if isinstance(response, Response) and 200 <= response.status_code < 300:
            body = JSONRenderer().render(response.data).decode()
            idempotency_complete(claim_id=claim_id, status=response.status_code, response_json=body)
        else:
            _release_quietly(claim_id)
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return extend_schema(parameters=[PARAMETER])(wrapper)


def _release_quietly(claim_id: int) -> None:
    """Free the key when the request's transaction may still commit (a refusal that keeps
    its record). If the transaction is already doomed, the claim rolls back with it."""
    if connection.needs_rollback:
        return
    try:
        idempotency_release(claim_id=claim_id)
    except DatabaseError:  # the transaction was aborted by the error: it rolls back whole
        return
