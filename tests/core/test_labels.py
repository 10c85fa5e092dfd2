"""Human labels for every code people meet: audit verbs (the audit log, an arrangement's
history), the ledger's accounts, transaction kinds and sources ("Caused by
contribution_reserve 12" was on the ledger page, "Award award 1 committed" in its
descriptions), and case timeline verbs. Each code has a label, and the pages show the
label, not the code."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.audit import audit_record
from core.audit_labels import VERB_LABELS, verb_label
from core.audit_verbs import AuditVerb
from core.tenancy import tenant_context
from exceptional_resource.labels import CASE_EVENT_LABELS, case_event_label
from exceptional_resource.services import cases as case_services
from exceptional_resource.services.cases import TRANSITIONS
from exceptional_resource.services.refusals import REFUSALS_RECORDED
from pooling.models import AccountKind, TransactionKind
from pooling.services.ledger import LegSpec, post
from pooling.source_labels import SOURCE_TYPE_LABELS, fallback_label
from shared_resources.models import ResourceFunding
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.conftest import scene as scene  # the fixture
from tests.exceptional_resource.pages_support import client_for, text
from tests.exceptional_resource.pages_support import url as case_url
from tests.factories import member, own_academy

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^[a-z]+(?:[._][a-z]+)+$")  # what a raw code looks like: case.viewed, contribution_reserve


def _string_keywords(folders: list[str], names: set[str]) -> set[str]:
    """Every string constant passed as one of the keyword ``names`` in these folders' code."""
    found: set[str] = set()
    for folder in folders:
        paths = [ROOT / folder] if folder.endswith(".py") else list((ROOT / folder).rglob("*.py"))
        for path in paths:
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.keyword) and node.arg in names:
                    value = node.value
                    if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                        found.add(value.value)
                    if isinstance(value, ast.IfExp):  # verb="a" if x else "b"
                        for branch in (value.body, value.orelse):
                            if isinstance(branch, ast.Constant) and isinstance(branch.value, str):
                                found.add(branch.value)
    return found


def test_every_audit_verb_has_a_label_in_words() -> None:
    assert set(VERB_LABELS) == set(AuditVerb)
    for verb, label in VERB_LABELS.items():
        assert label, verb
        assert not CODE.match(label), f"{verb}: {label!r}"
        assert "." not in label, f"{verb}: {label!r}"
        assert "_" not in label, f"{verb}: {label!r}"
    assert verb_label("case.viewed") == "Case viewed"
    assert verb_label("payment_run.sent") == "Payment run sent to the bank"
    assert verb_label("retired.old_verb") == "Retired old verb"  # kept from an older release


def test_every_ledger_account_and_transaction_kind_has_a_label() -> None:
    for kind in [*AccountKind, *TransactionKind]:
        assert kind.label != kind.value, kind
        assert "_" not in kind.label, kind


def test_every_source_the_services_post_has_a_label() -> None:
    services = ["pooling/services", "exceptional_resource/services", "shared_resources/services"]
    posted = _string_keywords(services, {"source_type"}) | {ResourceFunding.SOURCE_TYPE}
    posted |= _string_keywords(["pooling/services/contributions.py"], {"what"})  # contribution, its reserve
    assert {"award", "contribution", "contribution_reserve", "receipt", "payment_run", "pool"} <= posted
    assert posted <= set(SOURCE_TYPE_LABELS), posted - set(SOURCE_TYPE_LABELS)
    assert fallback_label("contribution_reserve", "12") == "Urgent-case reserve from contribution 12"


def test_every_case_timeline_verb_has_a_label() -> None:
    written = _string_keywords(["exceptional_resource/services"], {"verb"}) | set(TRANSITIONS)
    written |= {verb for verb, _audit, _note in REFUSALS_RECORDED.values()}
    assert {"submit", "award_committed", "award_superseded", "evidence_added", "recused"} <= written
    assert written <= set(CASE_EVENT_LABELS), written - set(CASE_EVENT_LABELS)
    assert case_event_label("submit") == "Sent for decision"


def _visible(page: str) -> str:
    """The page's text without tags, scripts, attributes or form values."""
    page = re.sub(r"<(script|style|select)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


@pytest.mark.django_db
@pytest.mark.date_sensitive(today=date(2026, 12, 7))
def test_the_ledger_page_says_what_caused_each_posting_in_words() -> None:
    from pooling.services.ledger import pool_open
    from tests.pooling.payments_support import award

    officer = member(Role.FINANCE_OFFICER, mfa=True)
    body = officer.responsible_body
    pool = pool_open(actor=officer.user, tenant=body, label="2026-27")
    school = own_academy(body, name="Ash Academy")
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind=TransactionKind.CONTRIBUTION_EXPECTED,
        posted_on=date(2026, 4, 1),
        description="Contribution expected",
        idempotency_key=f"{body.pk}:labels:expected",
        source_type="contribution",
        source_id="12",
        legs=[
            LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, 20_000_00, school.pk),
            LegSpec(AccountKind.CONTRIBUTIONS, -20_000_00, school.pk),
        ],
    )
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind=TransactionKind.RESERVE_SET_ASIDE,
        posted_on=date(2026, 4, 1),
        description="Reserve for urgent cases",
        idempotency_key=f"{body.pk}:labels:reserve",
        source_type="contribution_reserve",
        source_id="12",
        legs=[
            LegSpec(AccountKind.CONTRIBUTIONS, 1_000_00, school.pk),
            LegSpec(AccountKind.RESERVE, -1_000_00, school.pk),
        ],
    )
    award(officer, pool, 1_200_00, school=school, source_id="7")
    client = Client()
    client.force_login(officer.user)
    page = _visible(
        client.get(reverse("pooling:ledger", kwargs={"body_slug": body.slug, "pool_id": pool.pk})).content.decode()
    )
    assert "Caused by Urgent-case reserve from contribution 12" in page
    assert "Caused by Contribution 12" in page
    assert "Caused by Award 7" in page
    assert "Award 7: award committed" in page
    for code in ("contribution_reserve", "award award", "Award award", "payments_made", "reserve_set_aside"):
        assert code not in page, code


@pytest.mark.django_db
def test_the_audit_log_shows_verbs_in_words() -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    with tenant_context(body):
        audit_record(actor=admin.user, tenant=body, verb=AuditVerb.CASE_VIEWED, label="Case ER-1")
        audit_record(actor=admin.user, tenant=body, verb=AuditVerb.PUPIL_IDENTITY_VIEWED, label="Pupil P-1")
    client = Client()
    client.force_login(admin.user)
    page = _visible(client.get(reverse("accounts:audit-log", kwargs={"body_slug": body.slug})).content.decode())
    assert "Case viewed" in page
    assert "Pupil's name and UPN viewed" in page or "Pupil&#x27;s name and UPN viewed" in page
    assert "case.viewed" not in page
    assert "pupil.identity_viewed" not in page


@pytest.mark.django_db
def test_the_case_timeline_shows_events_in_words(scene: Scene) -> None:
    with time_machine.travel(date(2026, 11, 20), tick=False):
        case = draft_case(scene)
        case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
        page: Any = text(client_for(scene.head.user).get(case_url("detail", scene.body, case_id=case.pk)))
    timeline = re.search(r'id="timeline">(.*?)</ol>', page, re.S)
    assert timeline is not None
    shown = _visible(timeline.group(1))
    assert "Sent for decision" in shown
    assert not re.search(r"\bsubmit\b", shown)
