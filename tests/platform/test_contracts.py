"""Typed contracts (issue 18): error-code and audit-verb enums, constraint races matched on
the constraint's name from the database error, and the one lock helper that locks only the
rows meant."""

from __future__ import annotations

import importlib
import re
from datetime import date
from enum import StrEnum

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from core.audit_verbs import AuditVerb
from core.constraints import violated_constraint, violates
from core.errors import ApplicationError, ConflictError, ErrorCode, NotFound
from core.locking import lock_rows
from core.tenancy import platform_context, tenant_context
from groupings import services as groupings_services
from groupings.models import Arrangement
from pooling.error_codes import PoolingError
from tests.factories import TrustFactory, member, own_academy

pytestmark = pytest.mark.django_db


APPS = (
    "core",
    "accounts",
    "reports",
    "notifications",
    "groupings",
    "pooling",
    "exceptional_resource",
    "partnerships",
    "assurance",
)


def _enums() -> list[type[ErrorCode]]:
    for app in APPS:
        importlib.import_module(f"{app}.error_codes")
    return list(ErrorCode.__subclasses__())


def test_every_app_has_an_error_code_enum_with_stable_snake_case_values() -> None:
    enums = {cls.__module__: cls for cls in _enums()}
    assert {f"{app}.error_codes" for app in APPS} <= set(enums)
    for cls in enums.values():
        assert issubclass(cls, StrEnum)
        for code in cls:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", code.value), code
            assert code.name == code.value.upper()
    assert "not_found" not in {code.value for cls in enums.values() for code in cls}


def test_an_application_error_keeps_the_codes_string_for_clients() -> None:
    error = ConflictError("Pool 2026-27 is closed.", code=PoolingError.POOL_CLOSED)
    assert error.code == "pool_closed"
    assert type(error.code) is str
    assert isinstance(error, ApplicationError)


def test_audit_verbs_are_object_dot_event_strings_and_unique() -> None:
    values = [verb.value for verb in AuditVerb]
    assert len(values) == len(set(values))
    for value in values:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", value), value
    assert AuditVerb.REMITTANCE_DOWNLOADED == "remittance.downloaded"


def test_not_found_is_a_404_for_pages_and_not_a_form_error() -> None:
    from django.http import Http404

    error = NotFound("No such pool.", field="pool")
    assert isinstance(error, Http404)
    assert not isinstance(error, ApplicationError)
    assert (error.code, error.message, error.field, error.status_code) == ("not_found", "No such pool.", "pool", 404)


def test_a_constraint_race_is_recognised_by_the_constraints_name() -> None:
    first = TrustFactory()
    with pytest.raises(IntegrityError) as refused, platform_context(), transaction.atomic():
        TrustFactory(slug=first.slug)
    assert violated_constraint(refused.value) == "accounts_responsiblebody_slug_key"
    assert violates(refused.value, "one_body_per_la_code", "accounts_responsiblebody_slug_key")
    assert not violates(refused.value, "one_body_per_la_code")
    assert violated_constraint(IntegrityError("no database error behind this")) is None


def test_lock_rows_locks_only_the_querys_own_table() -> None:
    with CaptureQueriesContext(connection) as queries, platform_context(), transaction.atomic():
        list(lock_rows(Arrangement.objects.select_related("school")).filter(pk=0))
    [sql] = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert sql.endswith('FOR UPDATE OF "groupings_arrangement"'), sql


def test_an_arrangement_transition_does_not_lock_the_shared_school_row() -> None:
    """The school register is shared by every body: giving notice on one body's arrangement
    used to lock the School row too (``select_for_update()`` with ``select_related``)."""
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    school = own_academy(body)
    arrangement = groupings_services.arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=school.pk,
        basis="own_academy",
        counterparty="Trust",
        start_date=date(2026, 4, 1),
    )
    with CaptureQueriesContext(connection) as queries:
        groupings_services.arrangement_withdraw(actor=admin.user, tenant=body, arrangement_id=arrangement.pk)
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locks, "the transition must lock the arrangement"
    assert all(sql.endswith('FOR UPDATE OF "groupings_arrangement"') for sql in locks), locks
    with tenant_context(body):
        assert Arrangement.objects.get(pk=arrangement.pk).status == "withdrawn"
