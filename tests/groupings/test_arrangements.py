from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from accounts.models import Role
from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import platform_context, tenant_context
from groupings.models import Arrangement, GroupingPolicy
from groupings.services import arrangements
from groupings.services.arrangements import (
    arrangement_activate,
    arrangement_end,
    arrangement_give_notice,
    arrangement_propose,
    arrangement_withdraw,
    own_academies_add,
    own_academies_preview,
)
from groupings.services.policy import policy_ensure_default, policy_version_create
from groupings.signals import arrangement_ended
from tests.factories import (
    LocalAuthorityFactory,
    SchoolFactory,
    TrustFactory,
    maintained_school,
    member,
    own_academy,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str = "agreement.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _propose(actor, body, school, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("basis", "own_academy")
    kwargs.setdefault("counterparty", body.legal_name)
    kwargs.setdefault("start_date", date(2026, 9, 1))
    return arrangement_propose(actor=actor, tenant=body, school_id=school.pk, **kwargs)


@pytest.fixture
def officer():  # type: ignore[no-untyped-def]
    return member(Role.BODY_ADMIN, mfa=True)


def _verbs(body) -> list[str]:  # type: ignore[no-untyped-def]
    with tenant_context(body):
        return list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))


def test_own_academy_lifecycle_is_audited_and_keeps_history(officer, django_capture_on_commit_callbacks) -> None:
    body = officer.responsible_body
    school = own_academy(body)
    arrangement = _propose(officer.user, body, school)
    assert arrangement.status == "proposed"
    arrangement_activate(actor=officer.user, tenant=body, arrangement_id=arrangement.pk)
    arrangement_give_notice(
        actor=officer.user,
        tenant=body,
        arrangement_id=arrangement.pk,
        end_date=date(2027, 8, 31),
        given_on=date(2026, 11, 1),
    )
    received = []
    arrangement_ended.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-ended")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ended = arrangement_end(
                actor=officer.user, tenant=body, arrangement_id=arrangement.pk, end_date=date(2027, 8, 31)
            )
    finally:
        arrangement_ended.disconnect(dispatch_uid="t-ended")
    assert ended.status == "ended"
    assert ended.approved_by == officer.user
    assert received == [
        {
            "signal": arrangement_ended,
            "sender": Arrangement,
            "tenant_id": body.pk,
            "arrangement_id": arrangement.pk,
            "school_id": school.pk,
            "end_date": date(2027, 8, 31),
        }
    ]
    assert _verbs(body) == [
        "arrangement.proposed",
        "arrangement.active",
        "arrangement.notice_given",
        "arrangement.ended",
    ]
    with tenant_context(body):
        history = Arrangement.pgh_event_model.objects.filter(pgh_obj_id=arrangement.pk).order_by("pgh_id")
        assert [e.status for e in history] == ["proposed", "active", "notice_given", "ended"]


@pytest.mark.parametrize(
    ("transition", "status"),
    [("arrangement_give_notice", "proposed"), ("arrangement_end", "proposed"), ("arrangement_activate", "ended")],
)
def test_refused_transitions_say_why(officer, transition: str, status: str) -> None:
    body = officer.responsible_body
    arrangement = _propose(officer.user, body, own_academy(body))
    if status == "ended":
        arrangement_activate(actor=officer.user, tenant=body, arrangement_id=arrangement.pk)
        arrangement_end(actor=officer.user, tenant=body, arrangement_id=arrangement.pk, end_date=date(2027, 3, 31))
    kwargs = {"end_date": date(2030, 1, 1)} if transition != "arrangement_activate" else {}
    with pytest.raises(ConflictError) as exc:
        getattr(arrangements, transition)(actor=officer.user, tenant=body, arrangement_id=arrangement.pk, **kwargs)
    assert exc.value.code == "invalid_transition"
    with tenant_context(body):
        assert Arrangement.objects.get(pk=arrangement.pk).status == status


def test_a_school_has_one_approved_arrangement_on_any_date_across_bodies(officer) -> None:
    trust = officer.responsible_body
    school = own_academy(trust)
    first = _propose(officer.user, trust, school, end_date=date(2027, 8, 31))
    arrangement_activate(actor=officer.user, tenant=trust, arrangement_id=first.pk)
    other_trust = TrustFactory()
    other_admin = member(Role.BODY_ADMIN, other_trust).user
    # Proposing never blocks anyone, so another body's proposal is accepted...
    overlapping = _propose(
        other_admin,
        other_trust,
        school,
        basis="contracted_trust",
        agreement_document=_pdf(),
        start_date=date(2027, 1, 1),
    )
    # ...but it cannot be approved while the school is in the first grouping.
    with pytest.raises(ConflictError) as exc:
        arrangement_activate(actor=other_admin, tenant=other_trust, arrangement_id=overlapping.pk)
    assert exc.value.code == "school_already_in_a_grouping"
    assert "already in a grouping" in exc.value.message
    with tenant_context(other_trust):
        assert Arrangement.objects.get(pk=overlapping.pk).status == "proposed"
    # After the first arrangement's end date the school may join another grouping.
    later = _propose(
        other_admin,
        other_trust,
        school,
        basis="contracted_trust",
        agreement_document=_pdf(),
        start_date=date(2027, 9, 1),
    )
    assert arrangement_activate(actor=other_admin, tenant=other_trust, arrangement_id=later.pk).status == "active"


def test_notice_and_ending_cannot_push_the_end_date_later(officer) -> None:
    body = officer.responsible_body
    arrangement = _propose(officer.user, body, own_academy(body), end_date=date(2027, 8, 31))
    arrangement_activate(actor=officer.user, tenant=body, arrangement_id=arrangement.pk)
    for service in (arrangement_give_notice, arrangement_end):
        with pytest.raises(ApplicationError) as exc:
            service(actor=officer.user, tenant=body, arrangement_id=arrangement.pk, end_date=date(2028, 8, 31))
        assert exc.value.code == "end_after_agreed_end"


def test_a_withdrawn_proposal_frees_the_dates(officer) -> None:
    body = officer.responsible_body
    school = own_academy(body)
    first = _propose(officer.user, body, school)
    arrangement_withdraw(actor=officer.user, tenant=body, arrangement_id=first.pk)
    second = _propose(officer.user, body, school)
    assert second.status == "proposed"


def test_exclusion_constraint_holds_in_the_database_itself(officer) -> None:
    body = officer.responsible_body
    school = own_academy(body)
    arrangement = _propose(officer.user, body, school)
    arrangement_activate(actor=officer.user, tenant=body, arrangement_id=arrangement.pk)
    with tenant_context(body), pytest.raises(DatabaseError, match="one_arrangement_per_school_per_date"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO groupings_arrangement (responsible_body_id, school_id, basis, status, counterparty, "
                "agreement_reference, agreement_document, agreement_document_name, conversion_pathway, start_date, "
                "proposed_by_label, created_at) VALUES (%s, %s, 'own_academy', 'active', 'x', '', '', '', '', "
                "'2027-01-01', '', now())",
                [body.pk, school.pk],
            )
    del arrangement


@pytest.mark.parametrize(
    ("basis", "make_school", "code"),
    [
        ("own_academy", lambda t, la: SchoolFactory(trust_uid=TrustFactory().gias_group_uid), "not_own_academy"),
        ("maintained_via_la", lambda t, la: own_academy(t), "not_an_la"),
        ("maintained_pathway_to_trust", lambda t, la: own_academy(t), "not_maintained"),
        ("maintained_pathway_to_trust", lambda t, la: maintained_school(la), "pathway_required"),
        ("contracted_trust", lambda t, la: own_academy(t), "is_own_academy"),
        ("contracted_trust", lambda t, la: maintained_school(la), "not_an_academy"),
        ("nonsense", lambda t, la: own_academy(t), "invalid_basis"),
    ],
)
def test_basis_rules_for_a_trust(officer, basis: str, make_school, code: str) -> None:  # type: ignore[no-untyped-def]
    trust = officer.responsible_body
    school = make_school(trust, LocalAuthorityFactory())
    with pytest.raises(ApplicationError) as exc:
        _propose(officer.user, trust, school, basis=basis)
    assert exc.value.code == code
    with tenant_context(trust):
        assert Arrangement.objects.count() == 0


def test_basis_rules_for_a_local_authority() -> None:
    la = LocalAuthorityFactory(la_code="210")
    admin = member(Role.BODY_ADMIN, la)
    own = maintained_school(la)
    elsewhere = maintained_school(LocalAuthorityFactory(la_code="211"))
    academy = SchoolFactory(la_code="210", trust_uid=12345)
    assert _propose(admin.user, la, own, basis="maintained_via_la").status == "proposed"
    for school, code in ((elsewhere, "school_in_another_la"), (academy, "not_maintained")):
        with pytest.raises(ApplicationError) as exc:
            _propose(admin.user, la, school, basis="maintained_via_la")
        assert exc.value.code == code
    with pytest.raises(ApplicationError) as exc:
        _propose(admin.user, la, own, basis="maintained_pathway_to_trust", conversion_pathway="AO 2027")
    assert exc.value.code == "not_a_trust"


def test_pathway_to_trust_records_the_pathway(officer) -> None:
    trust = officer.responsible_body
    school = maintained_school(LocalAuthorityFactory())
    arrangement = _propose(
        officer.user,
        trust,
        school,
        basis="maintained_pathway_to_trust",
        conversion_pathway="Academy order made 3 March 2026; conversion planned April 2027",
        agreement_document=_pdf(),
    )
    assert arrangement.conversion_pathway.startswith("Academy order")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"status": "Closed"}, "school_closed"),
        (
            {
                "type_name": "Community special school",
                "is_imf_eligible": False,
                "eligibility_reason": "Community special school is not a mainstream state-funded school",
            },
            "school_not_eligible",
        ),
    ],
)
def test_closed_and_ineligible_schools_cannot_join(officer, overrides: dict, code: str) -> None:
    school = own_academy(officer.responsible_body, **overrides)
    with pytest.raises(ApplicationError) as exc:
        _propose(officer.user, officer.responsible_body, school)
    assert exc.value.code == code


def test_bad_dates_counterparty_and_documents_are_refused(officer) -> None:
    body = officer.responsible_body
    school = own_academy(body)
    cases = [
        ({"end_date": date(2026, 8, 1)}, "dates_out_of_order"),
        ({"counterparty": "  "}, "counterparty_required"),
        ({"agreement_document": _pdf("agreement.exe")}, "file_type_not_allowed"),
        ({"agreement_document": _pdf("agreement.pdf", b"MZ\x90\x00" + b"\x00" * 200)}, "file_content_mismatch"),
        ({"agreement_document": _pdf("agreement.pdf", b"")}, "file_empty"),
        ({"pooled_share_override_percent": "12.5"}, "override_not_allowed"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ApplicationError) as exc:
            _propose(officer.user, body, school, **kwargs)
        assert exc.value.code == code, kwargs
    with tenant_context(body):
        assert Arrangement.objects.count() == 0


def test_contracted_arrangement_needs_its_signed_agreement_before_approval(officer) -> None:
    body = officer.responsible_body
    school = SchoolFactory(trust_uid=TrustFactory().gias_group_uid)
    arrangement = _propose(
        officer.user, body, school, basis="contracted_trust", counterparty="Standalone Academy Trust"
    )
    with pytest.raises(ApplicationError) as exc:
        arrangement_activate(actor=officer.user, tenant=body, arrangement_id=arrangement.pk)
    assert exc.value.code == "agreement_required"


def test_own_academies_preview_then_confirm(officer) -> None:
    trust = officer.responsible_body
    a, b = own_academy(trust, name="Alder Academy"), own_academy(trust, name="Birch Academy")
    special = own_academy(
        trust,
        name="Cedar Special Academy",
        type_name="Academy special converter",
        is_imf_eligible=False,
        eligibility_reason="special",
    )
    preview = own_academies_preview(tenant=trust, start_date=date(2026, 9, 1))
    assert [s.name for s in preview.to_add] == ["Alder Academy", "Birch Academy"]
    assert preview.not_eligible == [special]
    created = own_academies_add(actor=officer.user, tenant=trust, start_date=date(2026, 9, 1), school_ids=[a.pk, b.pk])
    assert [c.status for c in created] == ["active", "active"]
    again = own_academies_preview(tenant=trust, start_date=date(2026, 9, 1))
    assert again.to_add == []
    assert {s.pk for s in again.already_in_a_grouping} == {a.pk, b.pk}
    with pytest.raises(ConflictError):
        own_academies_add(actor=officer.user, tenant=trust, start_date=date(2026, 9, 1), school_ids=[a.pk])


def test_policy_versions_are_new_rows_never_edits(officer) -> None:
    body = officer.responsible_body
    first = policy_ensure_default(actor=officer.user, tenant=body, effective_from=date(2026, 4, 1))
    assert (first.version, first.pooled_share_bp, first.urgent_reserve_bp) == (1, 1000, 500)
    second = policy_version_create(
        actor=officer.user,
        tenant=body,
        effective_from=date(2099, 4, 1),
        pooled_share_percent="12.50",
        urgent_reserve_percent="5",
        decision_target_working_days=7,
        decision_criteria=["A", "B"],
    )
    assert (second.version, second.pooled_share_bp) == (2, 1250)
    # Refused by privilege (the runtime role may only insert and read versions, #21), before
    # the table's append-only trigger, which still refuses the owner.
    with (
        tenant_context(body),
        pytest.raises(DatabaseError, match="permission denied for table groupings_groupingpolicy"),
    ):
        with transaction.atomic():
            GroupingPolicy.objects.filter(pk=first.pk).update(pooled_share_bp=5)
    with tenant_context(body):
        assert GroupingPolicy.objects.get(pk=first.pk).pooled_share_bp == 1000


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"pooled_share_percent": "10.123"}, "too_many_decimals"),
        ({"pooled_share_percent": "-1"}, "percentage_out_of_range"),
        ({"pooled_share_percent": "101"}, "percentage_out_of_range"),
        ({"pooled_share_percent": "ten"}, "invalid_percentage"),
        ({"decision_criteria": ["  "]}, "criteria_required"),
        ({"decision_target_working_days": 0}, "invalid_target"),
        ({"effective_from": date(2026, 4, 1)}, "policy_not_after_latest"),
        ({"effective_from": "yesterday"}, "policy_backdated"),
    ],
)
def test_policy_bad_input(officer, kwargs: dict, code: str) -> None:
    body = officer.responsible_body
    policy_ensure_default(actor=officer.user, tenant=body, effective_from=date(2026, 4, 1))
    if kwargs.get("effective_from") == "yesterday":
        kwargs = {**kwargs, "effective_from": timezone.localdate() - timedelta(days=1)}
    args = {
        "effective_from": date(2099, 1, 1),
        "pooled_share_percent": "10",
        "urgent_reserve_percent": "5",
        "decision_target_working_days": 10,
        "decision_criteria": ["A"],
        **kwargs,
    }
    with pytest.raises(ApplicationError) as exc:
        policy_version_create(actor=officer.user, tenant=body, **args)
    assert exc.value.code == code
    with tenant_context(body):
        assert GroupingPolicy.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_bodies_racing_to_add_the_same_school_one_wins() -> None:
    school = SchoolFactory(trust_uid=99)
    racers = []
    for _ in range(2):
        body = TrustFactory()
        user = member(Role.BODY_ADMIN, body).user
        proposal = _propose(
            user, body, school, basis="contracted_trust", counterparty="Standalone Trust", agreement_document=_pdf()
        )
        racers.append((body, user, proposal.pk))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def race(body, user, arrangement_id) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            arrangement_activate(actor=user, tenant=body, arrangement_id=arrangement_id)
            outcomes.append("won")
        except ConflictError as exc:
            outcomes.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=racer) for racer in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sorted(outcomes) == ["school_already_in_a_grouping", "won"]
    with platform_context():
        statuses = sorted(Arrangement.objects.filter(school=school).values_list("status", flat=True))
    assert statuses == ["active", "proposed"]
