"""Partnership rows for both bodies: every ``<model>_id`` the partnership pages and API
name (partnership, member, contact, plan version, priority, action, setting, planned
places, participation; ``reportrun_id`` comes from world_reports). The world's bodies are trusts, so the rows are made
directly in platform context, the way an LA's partnership would look."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.tenancy import platform_context
from partnerships.models import (
    CommissionedPlaces,
    DemandForecast,
    ExpertAllocation,
    ExpertCapacity,
    NeedSignalConsent,
    NeedSignalCount,
    NeedSignalSnapshot,
    Participation,
    Partnership,
    PartnershipContact,
    PartnershipMember,
    PlanAction,
    PlannedPlaces,
    PlanPriority,
    PlanVersion,
    ProvisionSetting,
)
from tests.factories import SchoolFactory
from tests.isolation.world import World


def extend(world: World) -> None:
    for body, user, secret, la_code in (
        (world.body_a, world.user_a, "Alpha Partnership", "971"),
        (world.body_b, world.user_b, "Bravo Secret Partnership", "972"),
    ):
        school = SchoolFactory(la_code=la_code, name=f"{secret} Special School", type_name="Community special school")
        own = {"responsible_body": body}
        with platform_context():
            p = Partnership.objects.create(
                name=secret, la_code=la_code, la_name=f"{secret} area", created_by_label=user.email, **own
            )
            member = PartnershipMember.objects.create(
                partnership=p,
                organisation_name=f"{secret} Trust Member",
                kind="trust",
                member_body=body,
                added_by_label=user.email,
                **own,
            )
            PartnershipContact.objects.create(
                member=member, full_name=f"{secret} Contact", email="contact@example.org", **own
            )
            version = PlanVersion.objects.create(
                partnership=p, number=1, title=f"{secret} Plan", created_by_label=user.email, **own
            )
            priority = PlanPriority.objects.create(version=version, position=1, title=f"{secret} Priority", **own)
            PlanAction.objects.create(
                priority=priority, description=f"{secret} Action", owner=member, due_on=date(2027, 3, 31), **own
            )
            setting = ProvisionSetting.objects.create(
                partnership=p, school=school, name=school.name, kind="special_school", locality="ZZ1", **own
            )
            CommissionedPlaces.objects.create(
                setting=setting, need="ASD", phase="primary", places=40, on_roll=38, **own
            )
            PlannedPlaces.objects.create(
                setting=setting, need="ASD", phase="primary", places=8, opens_on=date(2027, 9, 1), **own
            )
            DemandForecast.objects.create(
                partnership=p,
                need="ASD",
                phase="primary",
                year=2027,
                pupils=55,
                source="manual",
                updated_by_label=user.email,
                **own,
            )
            snapshot = NeedSignalSnapshot.objects.create(
                partnership=p, refreshed_by_label=user.email, trusts_included=1, **own
            )
            NeedSignalCount.objects.create(
                snapshot=snapshot,
                area_of_need="Other",
                phase="primary",
                term="2026/27 autumn",
                cases=5,
                awards=None,
                **own,
            )
            ExpertCapacity.objects.create(
                partnership=p, term="2026/27 autumn", profession="ep", days=Decimal("40"), **own
            )
            ExpertAllocation.objects.create(
                partnership=p, term="2026/27 autumn", profession="ep", school=school, days_planned=Decimal("4"), **own
            )
            participation = Participation.objects.create(
                partnership=p, member=member, partnership_label=f"{secret} ({secret} area)", joined_by=user, **own
            )
            NeedSignalConsent.objects.create(participation=participation, given_by=user, **own)
    world.b_markers.extend(["Bravo Secret Partnership", "Bravo Secret Partnership Contact"])
