"""The erasure registry: apps that keep words about a case outside the cases app (the
collaboration forum and peer advice) register a handler here from ``AppConfig.ready()``, and
the retention job (``exceptional_resource.services.retention``) calls every handler when it
erases a case file. The cases app never imports those apps, so the app graph stays one-way.

A handler is ``handler(*, tenant, case_ids, references) -> dict[str, int]``: it runs inside
the caller's tenant context and transaction, erases what it holds about those cases (by id,
or where its free text names one of ``references``: the cases' and the pupil's pseudonymous
references) and returns how many items it erased, by kind, for the erasure record."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody

ERASED_TEXT = "[erased under the retention schedule]"

CaseErasureHandler = Callable[..., dict[str, int]]
_handlers: dict[str, CaseErasureHandler] = {}


def register_case_erasure(name: str, handler: CaseErasureHandler) -> None:
    _handlers[name] = handler


def case_erasure_run(*, tenant: ResponsibleBody, case_ids: list[int], references: list[str]) -> dict[str, int]:
    """Call every registered handler; their counts, prefixed by the handler's name."""
    erased: dict[str, int] = {}
    for name, handler in sorted(_handlers.items()):
        for kind, count in handler(tenant=tenant, case_ids=case_ids, references=references).items():
            erased[f"{name}.{kind}"] = count
    return erased
