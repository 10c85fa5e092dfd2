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
from exceptional_resource.models.evidence import CaseDocument
from exceptional_resource.models.holds import LegalHold

__all__ = [
    "Award",
    "Case",
    "CaseComment",
    "CaseDocument",
    "CaseEvent",
    "CaseStatus",
    "Decision",
    "LegalHold",
    "Outcome",
    "ProvisionRow",
    "Pupil",
    "ResourceLine",
]
