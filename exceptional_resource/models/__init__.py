from exceptional_resource.models.cases import (
    Case,
    CaseEvent,
    CaseStatus,
    Outcome,
    ProvisionRow,
    Pupil,
    ResourceLine,
)
from exceptional_resource.models.decisions import Award, Decision

__all__ = ["Award", "Case", "CaseEvent", "CaseStatus", "Decision", "Outcome", "ProvisionRow", "Pupil", "ResourceLine"]
