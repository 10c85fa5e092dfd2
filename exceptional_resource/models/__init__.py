from exceptional_resource.models.cases import (
    Case,
    CaseEvent,
    CaseStatus,
    Outcome,
    ProvisionRow,
    Pupil,
    ResourceLine,
)

__all__ = ["Case", "CaseEvent", "CaseStatus", "Outcome", "ProvisionRow", "Pupil", "ResourceLine"]
