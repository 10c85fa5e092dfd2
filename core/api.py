"""API plumbing shared by every app that needs no body or role: the exception handler that
turns the one business-error type into stable JSON, ``created``, and the OpenAPI schema
naming. The tenant base view (``TenantAPIView``) applies the policy layer, so it lives in
``accounts.web``."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.api_errors import server_error_logged
from core.errors import ApplicationError, NotFound
from core.idempotency.api import idempotent
from core.request_ids import request_id
from core.storage import StorageUnavailable, is_store_error

__all__ = ["AutoSchema", "MfaRequired", "created", "exception_handler", "idempotent"]


class MfaRequired(exceptions.PermissionDenied):
    default_detail = "Set up multi-factor authentication before you can do this."
    default_code = "mfa_required"


def _roll_back() -> None:
    """Undo the request's writes: the tenant context's transaction is not ATOMIC_REQUESTS,
    so DRF's own ``set_rollback`` would not reach it."""
    if transaction.get_connection().in_atomic_block:
        transaction.set_rollback(True)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map the one business-error type (and Django's own errors) to stable JSON; the file
    store failing is ``StorageUnavailable`` (503) however it surfaced."""
    if not isinstance(exc, ApplicationError) and is_store_error(exc):
        exc = StorageUnavailable("opened or saved")
    if isinstance(exc, ApplicationError):
        if not exc.recorded:  # a recorded refusal wrote only its record: keep it
            _roll_back()
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["field"] = exc.field
        if exc.extra:
            body["detail"] = exc.extra
        return Response({**body, "request_id": request_id()}, status=exc.status_code)
    if isinstance(exc, NotFound):
        _roll_back()
        body = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response({**body, "request_id": request_id()}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:  # not an API error: a bug or a failing service, still JSON
        _roll_back()
        return Response(server_error_logged(exc), status=500)
    _roll_back()
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            response.data = {"code": codes, "message": str(exc.detail)}
        else:
            response.data = {"code": "invalid", "message": "Some fields are not valid.", "fields": response.data}
        response.data["request_id"] = request_id()
    return response


def created(data: Any) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)


class AutoSchema(SpectacularAutoSchema):
    """Names nested serializers after their API view (``MeApi.OutputSerializer`` → ``MeOutput``),
    so the one-view-per-operation style with nested Input/Output serializers gives unique
    component names in the OpenAPI schema."""

    def get_serializer_name(self, serializer: Any, direction: Literal["request", "response"]) -> str:
        name: str = super().get_serializer_name(serializer, direction)
        outer = type(serializer).__qualname__.split(".")
        if len(outer) > 1:
            prefix = "".join(part.removesuffix("Api").removesuffix("Serializer") for part in outer[:-1])
            name = prefix + name
        return name
