"""Helpers for the case page tests: signed-in clients, URLs and a case at each stage."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from django.test import Client
from django.urls import reverse

from accounts.models import ResponsibleBody, User
from core.tenancy import tenant_context
from exceptional_resource.models import Case
from exceptional_resource.services import cases as case_services
from tests.exceptional_resource.conftest import Scene, draft_case

CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    return reverse(f"cases:{name}", kwargs={"body_slug": body.slug, **kwargs})


def text(response: Any) -> str:
    return str(response.content.decode())


def field_error(response: Any, field_id: str) -> str:
    """The error message shown on one field (``id_<name>-error``), or ""."""
    match = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>', text(response), re.S
    )
    if not match:
        return ""
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1)).replace("Error:", "").strip())


def input_value(response: Any, name: str) -> str | None:
    match = re.search(rf'name="{re.escape(name)}"[^>]*?value="([^"]*)"', text(response))
    return match.group(1) if match else None


def submitted_case(scene: Scene, **overrides: Any) -> Case:
    case = draft_case(scene, **overrides)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    return fresh(scene, case)


def approved_case(scene: Scene, amount: int = 9_000_00) -> Case:
    case = submitted_case(scene, requested_pence=amount)
    case_services.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="approved",
        criteria_met=CRITERIA,
        reasons="Meets the criteria",
        amount_pence=amount,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    )
    return fresh(scene, case)


def fresh(scene: Scene, case: Case) -> Case:
    with tenant_context(scene.body):
        return Case.objects.get(pk=case.pk)
