"""Auditors' samples and chains: seeded and reproducible, read-only, audited, auditors only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from assurance.models import AuditSample
from assurance.services.audit_samples import audit_sample_draw, audit_sample_redraw, population_of
from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import CaseDocument
from exceptional_resource.services import cases
from pooling.models import AccountKind, Transaction
from pooling.services.ledger import LegSpec, post
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.test_workflow import _approve
from tests.factories import TrustFactory, member
from tests.pooling.audit_grants_support import pool_auditor
from tests.pooling.payments_support import confirm_and_pay

pytestmark = pytest.mark.django_db


def auditor_of(scene: Scene, *, valid_to: date | None = None) -> User:
    return pool_auditor(scene.body, valid_to=valid_to or date(2027, 12, 31))


def many_transactions(scene: Scene, count: int) -> None:
    school_id = scene.school.pk
    for n in range(count):
        post(
            actor=scene.finance.user,
            tenant=scene.body,
            pool=scene.pool,
            kind="recovery",
            posted_on=date(2026, 6, 1),
            description=f"Recovery {n}",
            idempotency_key=f"recovery-{n}",
            source_type="test",
            source_id=str(n),
            legs=[
                LegSpec(AccountKind.POOL_BANK, 1_00 + n, school_id),
                LegSpec(AccountKind.RECOVERIES, -(1_00 + n), school_id),
            ],
        )


def with_award(scene: Scene) -> Any:
    case = draft_case(scene, requested_pence=12_000_00)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    result = _approve(scene, case, amount=12_000_00)
    with tenant_context(scene.body):
        CaseDocument.objects.create(
            responsible_body=scene.body,
            case=case,
            file="1/therapy.pdf",
            original_name="Therapist report.pdf",
            content_type="application/pdf",
            size_bytes=2048,
            sha256="a" * 64,
            uploaded_by=scene.head.user,
            uploaded_by_label=scene.head.user.email,
        )
    return result


def test_the_same_seed_over_the_same_transactions_draws_the_same_sample(scene: Scene) -> None:
    many_transactions(scene, 30)
    auditor = auditor_of(scene)

    first = audit_sample_draw(actor=auditor, tenant=scene.body, period="2026-27", size=7, seed=424242)
    for n in range(5):  # the ledger grows after the draw
        post(
            actor=scene.finance.user,
            tenant=scene.body,
            pool=scene.pool,
            kind="recovery",
            posted_on=date(2026, 7, 1),
            description="Later",
            idempotency_key=f"later-{n}",
            source_type="test",
            source_id=f"later-{n}",
            legs=[LegSpec(AccountKind.POOL_BANK, 50, None), LegSpec(AccountKind.RECOVERIES, -50, None)],
        )
    again = audit_sample_draw(actor=auditor, tenant=scene.body, period="2026-27", size=7, seed=424242)

    assert first.population_count == 32  # the scene's contribution and receipt, and 30 recoveries
    assert len(first.transaction_ids) == 7
    assert len(set(first.transaction_ids)) == 7
    assert first.transaction_ids == sorted(first.transaction_ids)
    assert audit_sample_redraw(tenant=scene.body, sample=first) == first.transaction_ids
    assert again.population_count == 37
    with tenant_context(scene.body):
        pool_ids = set(Transaction.objects.filter(pool=scene.pool).values_list("id", flat=True))
    assert set(first.transaction_ids) <= pool_ids
    other_seed = audit_sample_draw(actor=auditor, tenant=scene.body, period="2026-27", size=7, seed=1)
    assert other_seed.transaction_ids != first.transaction_ids
    event = _events(scene, "audit_sample.drawn")[-1]
    assert event.after is not None
    assert event.after["seed"] == 1
    assert event.after["transaction_ids"] == other_seed.transaction_ids


def test_without_a_seed_one_is_chosen_and_recorded(scene: Scene) -> None:
    many_transactions(scene, 5)
    sample = audit_sample_draw(actor=auditor_of(scene), tenant=scene.body, period="2026-27", size=3)

    assert 0 <= sample.seed <= 2**31 - 1
    assert audit_sample_redraw(tenant=scene.body, sample=sample) == sample.transaction_ids


def test_award_population_draws_only_transactions_caused_by_awards(scene: Scene) -> None:
    many_transactions(scene, 10)
    with_award(scene)

    sample = audit_sample_draw(
        actor=auditor_of(scene), tenant=scene.body, period="2026-27", size=1, population="awards", seed=3
    )

    with tenant_context(scene.body):
        [txn] = Transaction.objects.filter(pk__in=sample.transaction_ids)
    assert txn.source_type == "award"
    assert sample.population_count == 1


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        ({"size": 0}, "sample_too_small", "size"),
        ({"size": -3}, "sample_too_small", "size"),
        ({"size": 201}, "sample_too_large", "size"),
        ({"size": 3}, "sample_larger_than_population", "size"),
        ({"size": 1, "period": "2031-32"}, "unknown_period", "period"),
        ({"size": 1, "period": "nonsense"}, "unknown_period", "period"),
        ({"size": 1, "seed": -1}, "invalid_seed", "seed"),
        ({"size": 1, "seed": 2**31}, "invalid_seed", "seed"),
        ({"size": 1, "population": "cases"}, "invalid_population", "population"),
    ],
)
def test_bad_parameters_are_refused_on_their_field(scene: Scene, args: dict[str, Any], code: str, field: str) -> None:
    arguments: dict[str, Any] = {"period": "2026-27", **args}
    with pytest.raises(ApplicationError) as caught:
        audit_sample_draw(actor=auditor_of(scene), tenant=scene.body, **arguments)

    assert (caught.value.code, caught.value.field) == (code, field)
    if code == "sample_larger_than_population":
        assert (
            caught.value.message == "The period 2026-27 has 2 matching transactions; enter a sample size of at most 2."
        )
    with tenant_context(scene.body):
        assert not AuditSample.objects.exists()


def test_only_auditors_draw_samples(scene: Scene) -> None:
    with pytest.raises(ApplicationError) as caught:
        audit_sample_draw(actor=scene.finance.user, tenant=scene.body, period="2026-27", size=1)
    assert caught.value.code == "not_an_auditor"


def _events(scene: Scene, verb: str) -> list[AuditEvent]:
    with tenant_context(scene.body):
        return list(AuditEvent.objects.filter(verb=verb).order_by("id"))


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_auditor_draws_on_the_page_and_opens_a_commitment_down_to_its_documents(scene: Scene) -> None:
    result = with_award(scene)
    auditor = auditor_of(scene)
    client = _client(auditor)
    samples_url = reverse("auditor:samples", kwargs={"body_slug": scene.body.slug})

    response = client.post(samples_url, {"period": "2026-27", "population": "awards", "size": "1", "seed": "9"})

    with tenant_context(scene.body):
        sample = AuditSample.objects.get()
        commitment = Transaction.objects.get(source_type="award", kind="commitment")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "auditor:sample", kwargs={"body_slug": scene.body.slug, "auditsample_id": sample.pk}
    )
    assert sample.transaction_ids == [commitment.pk]
    page = client.get(response["Location"]).content.decode()
    assert "Seed" in page
    assert "<code>9</code>" in page
    assert "Yes: drawing again with this seed" in page

    chain_url = reverse(
        "auditor:chain",
        kwargs={"body_slug": scene.body.slug, "auditsample_id": sample.pk, "transaction_id": commitment.pk},
    )
    chain = client.get(chain_url).content.decode()
    award = result.award
    assert f"Award {award.pk}" in chain
    assert "£12,000.00" in chain
    assert "-£12,000.00" not in chain  # the credit leg is shown in the credit column, unsigned
    assert f"Decision {result.decision.pk}" in chain
    assert "Meets the criteria" in chain
    assert f"Case {award.case.reference}" in chain
    assert "Speech, language and communication needs" in chain
    assert "Therapist report.pdf" in chain
    with tenant_context(scene.body):
        pupil_reference = award.case.pupil.reference
    assert pupil_reference not in chain  # no pupil identity for auditors
    main = chain.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'method="post"' not in main  # read-only
    viewed = _events(scene, "audit_sample.chain_viewed")
    assert [(e.object_id, e.actor_id, e.after) for e in viewed] == [
        (str(commitment.pk), auditor.pk, {"sample": sample.pk, "via": "page"})
    ]
    assert len(_events(scene, "audit_sample.viewed")) == 1


def test_a_payment_leads_to_every_award_the_run_paid_and_a_contribution_says_it_has_no_award(scene: Scene) -> None:
    result = with_award(scene)
    run = confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2027, 1, 5),
    )
    with tenant_context(scene.body):
        payment = Transaction.objects.get(source_type="payment_run", source_id=str(run.pk), kind="payment")
        contribution = Transaction.objects.filter(kind="contribution_expected").first()
    assert contribution is not None
    auditor = auditor_of(scene)
    client = _client(auditor)
    everything = population_of(tenant=scene.body, pool=scene.pool, kind="all").count
    sample = audit_sample_draw(actor=auditor, tenant=scene.body, period="2026-27", size=everything, seed=5)
    assert {payment.pk, contribution.pk} <= set(sample.transaction_ids)

    def chain(txn: Transaction) -> str:
        url = reverse(
            "auditor:chain",
            kwargs={"body_slug": scene.body.slug, "auditsample_id": sample.pk, "transaction_id": txn.pk},
        )
        return client.get(url).content.decode()

    assert f"Award {result.award.pk}" in chain(payment)
    assert "it is not caused by an award, so no decision or case lies behind it" in chain(contribution)


def test_the_api_draws_reads_and_opens_chains_and_names_bad_fields(scene: Scene) -> None:
    with_award(scene)
    auditor = auditor_of(scene)
    client = _client(auditor)
    draw = reverse("auditor-api:sample-draw", kwargs={"body_slug": scene.body.slug})

    bad = client.post(draw, {"period": "2026-27", "size": 0}, content_type="application/json")
    too_many = client.post(draw, {"period": "2026-27", "size": 50}, content_type="application/json")
    unknown = client.post(draw, {"period": "1999-00", "size": 1}, content_type="application/json")
    made = client.post(draw, {"period": "2026-27", "size": 2, "seed": 77}, content_type="application/json")

    assert bad.status_code == 400
    assert "size" in bad.json()["fields"]
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "sample_larger_than_population"
    assert too_many.json()["field"] == "size"
    assert unknown.status_code == 400
    assert (unknown.json()["code"], unknown.json()["field"]) == ("unknown_period", "period")
    assert made.status_code == 201
    body = made.json()
    assert (body["seed"], body["size"], body["period"]) == (77, 2, "2026-27")
    detail = client.get(
        reverse("auditor-api:sample", kwargs={"body_slug": scene.body.slug, "auditsample_id": body["id"]})
    ).json()
    assert detail["reproduced"] is True
    assert detail["transaction_ids"] == body["transaction_ids"]
    chain = client.get(
        reverse(
            "auditor-api:chain",
            kwargs={
                "body_slug": scene.body.slug,
                "auditsample_id": body["id"],
                "transaction_id": body["transaction_ids"][0],
            },
        )
    ).json()
    assert chain["transaction"]["id"] == body["transaction_ids"][0]
    assert sum(leg["amount_pence"] for leg in chain["legs"]) == 0
    not_in_sample = client.get(
        reverse(
            "auditor-api:chain",
            kwargs={"body_slug": scene.body.slug, "auditsample_id": body["id"], "transaction_id": 10**9},
        )
    )
    assert not_in_sample.status_code == 404
    assert [e.after for e in _events(scene, "audit_sample.chain_viewed")] == [{"sample": body["id"], "via": "api"}]


def test_other_roles_other_bodies_and_expired_auditors_get_404(scene: Scene) -> None:
    many_transactions(scene, 3)
    auditor = auditor_of(scene)
    sample = audit_sample_draw(actor=auditor, tenant=scene.body, period="2026-27", size=2, seed=1)
    urls = [
        reverse("auditor:samples", kwargs={"body_slug": scene.body.slug}),
        reverse("auditor:sample", kwargs={"body_slug": scene.body.slug, "auditsample_id": sample.pk}),
        reverse(
            "auditor:chain",
            kwargs={
                "body_slug": scene.body.slug,
                "auditsample_id": sample.pk,
                "transaction_id": sample.transaction_ids[0],
            },
        ),
        reverse("auditor-api:samples", kwargs={"body_slug": scene.body.slug}),
        reverse("auditor-api:sample", kwargs={"body_slug": scene.body.slug, "auditsample_id": sample.pk}),
    ]
    expired = member(
        Role.AUDITOR,
        scene.body,
        valid_from=timezone.localdate() - timedelta(days=400),
        valid_to=timezone.localdate() - timedelta(days=1),
    ).user
    other_body_auditor = member(Role.AUDITOR, TrustFactory(), valid_to=date(2027, 12, 31)).user
    for user in (scene.finance.user, scene.officer.user, scene.head.user, expired, other_body_auditor):
        client = _client(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.email, url)
    with pytest.raises(ApplicationError):
        audit_sample_draw(actor=expired, tenant=scene.body, period="2026-27", size=1)
    assert _client(auditor).get(urls[2]).status_code == 200


def test_a_payments_chain_costs_the_same_queries_for_one_award_or_four(scene: Scene) -> None:
    """Each award's case summary (need, amount requested, outcomes, documents) comes from the
    chain's own prefetch, not from queries per award."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assurance.selectors import transaction_chain
    from tests.pooling.conftest import fund

    fund(scene.finance, scene.pool, 100_000_00, key="chain-budget")  # room for four awards of £12,000
    auditor = auditor_of(scene)
    counts = []
    for awards, month in ((1, 12), (3, 1)):
        for _ in range(awards):
            with_award(scene)
        run = confirm_and_pay(
            actor=scene.finance.user, tenant=scene.body, pool=scene.pool,
            due_up_to=date(2026 if month == 12 else 2027, month, 31), pay_on=date(2027, month % 12 + 1, 5),
        )  # fmt: skip
        with tenant_context(scene.body):
            payment = Transaction.objects.get(source_type="payment_run", source_id=str(run.pk), kind="payment")
        everything = population_of(tenant=scene.body, pool=scene.pool, kind="all").count
        sample = audit_sample_draw(actor=auditor, tenant=scene.body, period="2026-27", size=everything, seed=month)
        with CaptureQueriesContext(connection) as queries, tenant_context(scene.body):
            chain = transaction_chain(tenant=scene.body, sample=sample, transaction_id=payment.pk)
            summaries = [(s.need_label, s.documents, s.outcomes) for s in (link.summary for link in chain.links)]
        assert all(label and docs and outcomes == 1 for label, docs, outcomes in summaries)
        counts.append((len(chain.links), len(queries)))
    (one_link, one), (many_links, many) = counts
    assert (one_link, many_links) == (1, 4)
    assert many == one
