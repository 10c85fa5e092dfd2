from exceptional_resource.models.cases import (
    Case,
    CaseEvent,
    CaseStatus,
    Outcome,
    ProvisionRow,
    Pupil,
    ResourceLine,
)
from exceptional_resource.models.comments import CaseComment
from exceptional_resource.models.decisions import Award, Decision

__all__ = [
    "Award",
    "Case",
    "CaseComment",
    "CaseEvent",
    "CaseStatus",
    "Decision",
    "Outcome",
    "ProvisionRow",
    "Pupil",
    "ResourceLine",
]
