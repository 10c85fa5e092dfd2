"""The bench's journeys (``devtools.bench.data``) answer as their roles: the auditor of the
largest body holds a live grant on the pool its journey visits, given through the service
a body administrator uses, so its pages answer 200 rather than 404 (B1 kept only what
answered). Here on the demo scale; ``make bench`` runs them on the national data set."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from accounts.models import ResponsibleBody, User
from core.models import AuditEvent
from core.tenancy import tenant_context
from devtools.bench.data import journeys, largest_body, sessions_for
from devtools.synthetic import generate
from pooling.selectors.audit_grants import audit_pool_ids

AS_OF = date(2026, 11, 28)


@pytest.mark.django_db
def test_every_page_of_the_auditor_s_journey_answers_once_sessions_are_made() -> None:
    generate(scale="demo", seed=1, as_of=AS_OF)
    with time_machine.travel(AS_OF, tick=False):
        body_id = largest_body()
        ctx = sessions_for(body_id)
        again = sessions_for(body_id)  # each bench step makes its sessions: the grant is there once
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = ctx["cookies"]["auditor"]
        statuses = {path: client.get(path, secure=True).status_code for path in journeys(ctx)["auditor"]}
        body = ResponsibleBody.objects.get(pk=body_id)
        auditor = User.objects.get(pk=ctx["user_ids"]["auditor"])
        granted = audit_pool_ids(tenant=body, user=auditor)

    assert statuses == dict.fromkeys(journeys(ctx)["auditor"], 200)
    assert granted == {ctx["pool_id"]}
    assert again["cookies"]["auditor"]
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="pool.audit_granted").count() == 1
