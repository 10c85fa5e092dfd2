"""The report-type registry. Higher apps register their report types from their
``AppConfig.ready()``; the framework (pages, API, the Celery task, the schedule) looks them
up by key. ``accounts`` never imports the apps that register, so the app graph stays one-way.

A report type names:

- ``key``: stable identifier stored on each run (``"governance_pack"``);
- ``builder``: ``builder(job: ReportJob) -> None``; it reads through selectors inside
  ``tenant_context(job.tenant)``, calls ``job.progress(percent, note)`` as it goes, and
  produces files with ``job.add_file(name, content_type, data, label=...)`` or, for large
  outputs, ``with job.open_file(name, content_type, label=...) as fh: ...`` (a temporary
  file on disk that is streamed to storage); the page and API list them in that order, each
  with its label ("Summary") when given. Raise ``ReportFailed("message")`` to fail the run with a clear
  message; any other exception fails it too (transient database errors are retried);
- ``form_class``: a ``ReportParametersForm`` whose fields are the parameters; the page
  and the API both validate with it, so errors name the same fields;
- ``action``: the policy action needed to request, see and download runs of this type;
- ``monthly``: optional, ``monthly(tenant, today) -> list[dict]`` of parameter sets to run
  on the first of each month for each body (scheduled runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

from accounts.policy import Action, BodyAccess
from core.audit_verbs import AuditVerb

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody
    from reports.jobs import ReportJob


class ReportParametersForm(forms.Form):
    """Base for a report type's parameters. ``tenant`` is the body asking; ``parameters()``
    turns cleaned data into JSON (model instances become their ids, dates ISO strings)."""

    def __init__(self, *args: Any, tenant: ResponsibleBody, **kwargs: Any) -> None:
        self.tenant = tenant
        super().__init__(*args, **kwargs)

    def parameters(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, models.Model):
                result[name] = value.pk
            elif isinstance(value, date | datetime):
                result[name] = value.isoformat()
            else:
                result[name] = value
        return result

    def describe(self) -> str:
        """Words for the run's label (e.g. "pool 2026-27 to 30 November 2026")."""
        return ""


class NoParametersForm(ReportParametersForm):
    pass


@dataclass(frozen=True)
class ReportType:
    key: str
    label: str
    description: str
    builder: Callable[[ReportJob], None]
    form_class: type[ReportParametersForm] = NoParametersForm
    action: Action = Action.REQUEST_REPORT
    monthly: Callable[[ResponsibleBody, date], list[dict[str, Any]]] | None = None
    # Which of this type's runs a reader may see, list and download, beyond ``action``
    # (e.g. an auditor's exports only for the funding periods granted to them).
    visible_runs: Callable[[BodyAccess], models.Q] | None = None
    # Starting it needs a fresh authenticator code (accounts.stepup): the auditor export
    # and the governance pack open the pool's records.
    step_up: bool = False
    # Downloading its file needs a fresh authenticator code too (a subject-access export).
    download_step_up: bool = False
    # Audit verbs recorded, besides ``report.requested`` and ``report.downloaded``, when a run
    # of this type is requested and when its file is downloaded (a subject-access export's
    # request and delivery are answerable on their own in the audit trail).
    requested_verb: AuditVerb | None = None
    delivered_verb: AuditVerb | None = None
    # The page that shows one run (kwargs ``body_slug``, ``reportrun_id``), linked from the
    # "ready" email: a type whose readers do not use the reports area names its own.
    page_url_name: str = "reports:report"


_REGISTRY: dict[str, ReportType] = {}


def register_report_type(report_type: ReportType) -> None:
    """Register (or re-register, for tests) a report type; call from ``AppConfig.ready()``."""
    _REGISTRY[report_type.key] = report_type


def unregister_report_type(key: str) -> None:
    _REGISTRY.pop(key, None)


def report_type_get(key: str) -> ReportType | None:
    return _REGISTRY.get(key)


def report_types() -> list[ReportType]:
    return sorted(_REGISTRY.values(), key=lambda t: t.label)
