"""Whether a school is in a body's grouping, for scoping head and SENDCO memberships.

The school register and arrangements belong to ``groupings``, which builds on
``accounts``; to keep the dependency one-way this reaches them through the membership's
foreign key to the register (and the register's reverse relation to arrangements) rather
than an import. A school is in the grouping when it has an arrangement with the body
that was not withdrawn, or, for a trust, when GIAS lists it as one of the trust's own."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts.models import Membership, ResponsibleBody
from core.tenancy import tenant_context


def _schools() -> Any:
    return Membership._meta.get_field("school").related_model._default_manager


def _in_grouping_q(tenant: ResponsibleBody) -> Q:
    by_arrangement = Q(arrangements__responsible_body=tenant) & ~Q(arrangements__status="withdrawn")
    if tenant.is_trust and tenant.gias_group_uid is not None:
        return by_arrangement | Q(trust_uid=tenant.gias_group_uid)
    return by_arrangement


def school_in_grouping(*, tenant: ResponsibleBody, school_id: int) -> bool:
    with tenant_context(tenant):
        return bool(_schools().filter(_in_grouping_q(tenant), pk=school_id).exists())


def school_choices(*, tenant: ResponsibleBody) -> list[tuple[int, str]]:
    with tenant_context(tenant):
        rows = _schools().filter(_in_grouping_q(tenant)).distinct().order_by("name").values_list("pk", "name", "urn")
        return [(pk, f"{name} ({urn})") for pk, name, urn in rows]
