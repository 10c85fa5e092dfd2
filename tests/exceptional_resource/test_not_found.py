"""One not-found convention (issue 18): a row that is missing or belongs to another case or
body is ``NotFound``, which the API answers 404 with code ``not_found`` (these answered 400
while the services raised ``ApplicationError(code="not_found")``) and pages answer 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.tenancy import tenant_context
from exceptional_resource.models import Outcome, ProvisionRow, ResourceLine
from tests.exceptional_resource.api_support import api, url
from tests.exceptional_resource.conftest import Scene, draft_case

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "path", "field"),
    [
        (ProvisionRow, "provision", "row_id"),
        (ResourceLine, "resource-lines", "line_id"),
        (Outcome, "outcomes", "outcome_id"),
    ],
)
def test_removing_another_cases_row_through_the_api_answers_404(
    scene: Scene, model: Any, path: str, field: str
) -> None:
    first, second = draft_case(scene), draft_case(scene)
    with tenant_context(scene.body):
        others = model.objects.get(case=second).pk
    response = api(scene.head.user).post(url(scene.body, f"cases/{first.pk}/{path}/{others}/remove/"))
    assert response.status_code == 404
    body = response.json()
    assert (body["code"], body["field"]) == ("not_found", field)
    assert body["message"].startswith("No such ")
    with tenant_context(scene.body):
        assert model.objects.filter(case=second).count() == 1


def test_removing_another_cases_row_on_the_page_answers_404(scene: Scene) -> None:
    first, second = draft_case(scene), draft_case(scene)
    with tenant_context(scene.body):
        others = ProvisionRow.objects.get(case=second).pk
    client = Client()
    client.force_login(scene.head.user)
    response = client.post(f"/b/{scene.body.slug}/cases/{first.pk}/draft/provision/{others}/remove/")
    assert response.status_code == 404
    with tenant_context(scene.body):
        assert ProvisionRow.objects.filter(case=second).count() == 1
