"""API plumbing shared by every app: the exception handler and the tenant base view."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.template.response import SimpleTemplateResponse
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from accounts import stepup
from accounts.errors import ApplicationError
from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from accounts.tenancy import tenant_context


class MfaRequired(exceptions.PermissionDenied):
    default_detail = "Set up multi-factor authentication before you can do this."
    default_code = "mfa_required"


def _roll_back() -> None:
    """Undo the request's writes: the tenant context's transaction is not ATOMIC_REQUESTS,
    so DRF's own ``set_rollback`` would not reach it."""
    if transaction.get_connection().in_atomic_block:
        transaction.set_rollback(True)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map the one business-error type (and Django's own errors) to stable JSON."""
    if isinstance(exc, ApplicationError):
        if not exc.recorded:  # a recorded refusal wrote only its record: keep it
            _roll_back()
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["field"] = exc.field
        if exc.extra:
            body["detail"] = exc.extra
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None:
        _roll_back()
    if response is not None and isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            response.data = {"code": codes, "message": str(exc.detail)}
        else:
            response.data = {"code": "invalid", "message": "Some fields are not valid.", "fields": response.data}
    return response


class TenantAPIView(APIView):
    """Base for every API under ``/api/v1/bodies/<body_slug>/``.

    Resolves the body from the URL, checks the user's current membership and role, and runs
    the handler inside the body's tenant context. Another body's objects, an unknown slug
    and a body the user does not belong to are all the same 404."""

    required_action: Action = Action.VIEW_BODY
    # Methods that are sensitive actions: they need a fresh authenticator code in the
    # ``X-MFA-Code`` header (``accounts.stepup``), checked after the role.
    step_up_methods: frozenset[str] = frozenset()
    body: ResponsibleBody | None
    access: BodyAccess

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.body = ResponsibleBody.objects.filter(slug=kwargs.get("body_slug", "")).first()
        if self.body is None:
            return super().dispatch(request, *args, **kwargs)
        with tenant_context(self.body):
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
            return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.body is None:
            raise exceptions.NotFound()
        self.access = BodyAccess.load(request.user, self.body)  # type: ignore[arg-type]
        if not self.access.can(self.required_action):
            raise exceptions.NotFound()

    def require_step_up(self) -> None:
        """Refuse (403 ``step_up_required``) unless the user proved their second factor
        in the last ``STEP_UP_MAX_AGE_MINUTES`` (the code in ``X-MFA-Code``)."""
        stepup.api_step_up(self.request)

    @property
    def tenant(self) -> ResponsibleBody:
        """The body from the URL; set and checked before any handler runs."""
        assert self.body is not None
        return self.body

    @property
    def actor(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def require(self, action: Action, obj: Any = None) -> None:
        """Refuse unless the user's role allows ``action`` (on ``obj``) and MFA is set up."""
        if not self.access.can(action, obj):
            raise exceptions.PermissionDenied("Your role does not allow this.")
        if self.access.needs_mfa_for(action):
            raise MfaRequired()
        if self.request.method in self.step_up_methods:
            self.require_step_up()


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
