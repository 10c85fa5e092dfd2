"""The subject-access registry: apps that hold words about a case outside the cases app (peer
advice in collaboration, shared-resource requests) register a handler here from
``AppConfig.ready()``, and the subject-access export (``exceptional_resource.subject_access``)
puts what each returns in the pupil's zip, beside the case's own files. The cases app never
imports those apps, so the app graph stays one-way (as ``core.erasure`` does for erasure).

A handler is ``handler(*, tenant, case_id) -> dict[str, list[dict]]``: it runs inside the
caller's tenant context and returns, by kind, every row it holds about that case as plain
values (JSON-serialisable with Django's encoder); the zip holds it as
``cases/<reference>/<name>.json``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

    from accounts.models import ResponsibleBody

CaseExportHandler = Callable[..., dict[str, list[dict[str, Any]]]]
_handlers: dict[str, CaseExportHandler] = {}


def register_case_export(name: str, handler: CaseExportHandler) -> None:
    _handlers[name] = handler


def case_export_run(*, tenant: ResponsibleBody, case_id: int) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """What every registered handler holds about the case, by handler name (sorted)."""
    return {name: handler(tenant=tenant, case_id=case_id) for name, handler in sorted(_handlers.items())}


def export_row(instance: Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every stored column of ``instance`` (foreign keys as ids) but its body and ``exclude``."""
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in ("responsible_body", *exclude)
    }
