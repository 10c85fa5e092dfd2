"""Whether a school is in a body's grouping, for scoping head and SENDCO memberships.

The school register belongs to ``groupings``, which builds on ``accounts``; to keep the
dependency one-way this reaches the register through the membership's foreign key rather
than an import. It follows GIAS: a trust's own academies (by GIAS group UID) and, for a
local authority, the schools with its LA code."""

from __future__ import annotations

from accounts.models import Membership, ResponsibleBody


def school_in_grouping(*, tenant: ResponsibleBody, school_id: int) -> bool:
    schools = Membership._meta.get_field("school").related_model._default_manager
    if tenant.is_trust:
        if tenant.gias_group_uid is None:
            return False
        return bool(schools.filter(pk=school_id, trust_uid=tenant.gias_group_uid).exists())
    return bool(schools.filter(pk=school_id, la_code=tenant.la_code).exists())


def school_choices(*, tenant: ResponsibleBody) -> list[tuple[int, str]]:
    schools = Membership._meta.get_field("school").related_model._default_manager
    if tenant.is_trust:
        qs = schools.filter(trust_uid=tenant.gias_group_uid) if tenant.gias_group_uid else schools.none()
    else:
        qs = schools.filter(la_code=tenant.la_code)
    return [(pk, f"{name} ({urn})") for pk, name, urn in qs.order_by("name").values_list("pk", "name", "urn")]
