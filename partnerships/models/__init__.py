"""Local strategic SEND partnerships: things that happen in a place, never pool money.

Every table here is tenant-owned. A partnership and everything under it belongs to the
local authority that convenes it; a trust's participation and its consent to share need
signals belong to the trust."""

from partnerships.models.demand import DemandForecast, NeedSignalCount, NeedSignalSnapshot
from partnerships.models.experts import ExpertAllocation, ExpertCapacity
from partnerships.models.partnership import (
    MemberKind,
    NeedSignalConsent,
    Participation,
    Partnership,
    PartnershipContact,
    PartnershipMember,
)
from partnerships.models.plan import ActionStatus, PlanAction, PlanPriority, PlanVersion
from partnerships.models.provision import CommissionedPlaces, PlannedPlaces, ProvisionSetting, SettingKind
from partnerships.models.vocab import NEED_CODES, PHASES, PROFESSIONS, TERM_PATTERN, Phase, Profession

__all__ = [
    "NEED_CODES",
    "PHASES",
    "PROFESSIONS",
    "TERM_PATTERN",
    "ActionStatus",
    "CommissionedPlaces",
    "DemandForecast",
    "ExpertAllocation",
    "ExpertCapacity",
    "MemberKind",
    "NeedSignalConsent",
    "NeedSignalCount",
    "NeedSignalSnapshot",
    "Participation",
    "Partnership",
    "PartnershipContact",
    "PartnershipMember",
    "Phase",
    "PlanAction",
    "PlanPriority",
    "PlanVersion",
    "PlannedPlaces",
    "Profession",
    "ProvisionSetting",
    "SettingKind",
]
