"""Demo data for partnerships: Kingston's local SEND partnership with its member
organisations (the demo trust joins and shares its need signals), the specialist provision
register seeded from the register's real Kingston special schools and alternative
provision, demo places, forecasts, a published local inclusion plan and Experts at Hand
days. The figures are illustrative, not Kingston's. Idempotent: nothing is added once the
partnership exists."""

from __future__ import annotations

from datetime import date
from typing import Any

from accounts.models import ResponsibleBody, User
from core.tenancy import tenant_context
from groupings.models import School
from partnerships.models import MemberKind, Partnership
from partnerships.services import demand, experts, partnership, plan, provision

MEMBERS = [
    ("South West London Integrated Care Board", MemberKind.HEALTH, "Demo Designated Clinical Officer"),
    ("Kingston Parent Carer Forum", MemberKind.PARENT_CARER_FORUM, "Demo Forum Co-chair"),
    ("Malden Oaks School and Tuition Service", MemberKind.ALTERNATIVE_PROVISION, "Demo Headteacher"),
]
# (need, phase, places, on roll) by setting name: illustrative.
PLACES: dict[str, list[tuple[str, str, int, int]]] = {
    "Dysart School": [("SLD", "primary", 40, 39), ("PMLD", "secondary", 45, 44)],
    "Bedelsford School": [("PD", "primary", 30, 27), ("PD", "secondary", 30, 28)],
    "St Philip's School": [("MLD", "secondary", 70, 69), ("ASD", "secondary", 40, 40)],
    "Spring School": [("ASD", "secondary", 48, 46)],
    "Malden Oaks School and Tuition Service": [("SEMH", "secondary", 60, 57)],
}
FORECAST = (
    b"need,phase,year,pupils\n"
    b"ASD,secondary,2026,92\nASD,secondary,2027,101\nASD,secondary,2028,110\n"
    b"SEMH,secondary,2026,58\nSEMH,secondary,2027,63\nSEMH,secondary,2028,66\n"
    b"SLD,primary,2026,38\nSLD,primary,2027,40\nSLD,primary,2028,41\n"
    b"PMLD,secondary,2026,44\nPMLD,secondary,2027,45\nPMLD,secondary,2028,45\n"
    b"MLD,secondary,2026,66\nMLD,secondary,2027,64\nMLD,secondary,2028,61\n"
    b"PD,primary,2026,26\nPD,primary,2027,27\nPD,primary,2028,27\n"
    b"PD,secondary,2026,28\nPD,secondary,2027,28\nPD,secondary,2028,29\n"
)


def seed(ctx: Any) -> None:
    la: ResponsibleBody = ctx.bodies["kingston"]
    trust: ResponsibleBody = ctx.bodies["step-academy-trust"]
    lead = User.objects.get(email="partnership.lead@kingston.example")
    with tenant_context(la):
        if Partnership.objects.filter(responsible_body=la).exists():
            return
    p = partnership.partnership_convene(actor=lead, tenant=la, name="Kingston Local SEND Partnership")
    for name, kind, title in MEMBERS:
        member = partnership.member_add(actor=lead, tenant=la, partnership_id=p.pk, organisation_name=name, kind=kind)
        partnership.contact_add(
            actor=lead, tenant=la, partnershipmember_id=member.pk, full_name=title, role_title=title
        )
    trust_member = partnership.member_add(
        actor=lead, tenant=la, partnership_id=p.pk, organisation_name="", kind=MemberKind.TRUST, member_body_id=trust.pk
    )
    trust_admin = User.objects.get(email="body.admin@step.example")
    partnership.participation_join(
        actor=trust_admin, tenant=trust, partnershipmember_id=trust_member.pk, share_need_signals=True
    )

    provision.provision_seed_from_gias(actor=lead, tenant=la, partnership_id=p.pk)
    with tenant_context(la):
        settings = {s.name: s.pk for s in p.settings.all()}
    for name, lines in PLACES.items():
        if name not in settings:
            continue
        for need, phase, places, on_roll in lines:
            provision.places_set(
                actor=lead,
                tenant=la,
                provisionsetting_id=settings[name],
                need=need,
                phase=phase,
                places=places,
                on_roll=on_roll,
            )
    if "St Philip's School" in settings:
        provision.planned_add(
            actor=lead,
            tenant=la,
            provisionsetting_id=settings["St Philip's School"],
            need="ASD",
            phase="secondary",
            places=12,
            opens_on=date(2027, 9, 1),
            note="Satellite base (demo)",
        )
    demand.forecast_import(actor=lead, tenant=la, partnership_id=p.pk, data=FORECAST, filename="demo-forecast.csv")
    demand.need_signals_refresh(actor=lead, tenant=la, partnership_id=p.pk)

    version = plan.plan_draft_start(actor=lead, tenant=la, partnership_id=p.pk, title="Kingston local inclusion plan")
    with tenant_context(la):
        owners = {m.kind: m.pk for m in p.members.all()}
    for title, actions in (
        (
            "Enough specialist places close to home",
            [
                (
                    "Open a 12-place secondary ASD satellite base",
                    MemberKind.LOCAL_AUTHORITY,
                    date(2027, 9, 1),
                    "in_progress",
                )
            ],
        ),
        (
            "Early help in every mainstream school",
            [
                (
                    "Agree the Experts at Hand offer with schools",
                    MemberKind.LOCAL_AUTHORITY,
                    date(2026, 12, 18),
                    "done",
                ),
                ("Joint training on speech and language needs", MemberKind.HEALTH, date(2027, 3, 31), "not_started"),
            ],
        ),
    ):
        priority = plan.plan_priority_add(actor=lead, tenant=la, planversion_id=version.pk, title=title)
        for description, owner_kind, due_on, status in actions:
            plan.plan_action_add(
                actor=lead,
                tenant=la,
                planpriority_id=priority.pk,
                description=description,
                owner_id=owners[owner_kind],
                due_on=due_on,
                status=status,
            )
    plan.plan_publish(actor=lead, tenant=la, planversion_id=version.pk)

    for profession, days in (("ep", "60"), ("salt", "45"), ("ot", "20"), ("specialist_teacher", "80")):
        experts.capacity_set(
            actor=lead, tenant=la, partnership_id=p.pk, term="2026/27 autumn", profession=profession, days=days
        )
    for school in School.objects.filter(la_code=la.la_code, is_imf_eligible=True).order_by("name")[:6]:
        experts.allocation_set(
            actor=lead,
            tenant=la,
            partnership_id=p.pk,
            term="2026/27 autumn",
            profession="ep",
            school_urn=school.urn,
            days_planned="6",
            days_used="4",
        )
