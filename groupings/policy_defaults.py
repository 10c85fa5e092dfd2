"""The platform's default grouping policy: what a new body starts from. The pooled share
is not yet fixed nationally, so it is configuration, not code (policy principle 9)."""

from __future__ import annotations

# SEND Code of Practice areas of need, with the SEN2 primary-need codes under each.
AREAS_OF_NEED: list[dict[str, object]] = [
    {
        "area": "Communication and interaction",
        "needs": [
            {"code": "SLCN", "label": "Speech, language and communication needs"},
            {"code": "ASD", "label": "Autistic spectrum disorder"},
        ],
    },
    {
        "area": "Cognition and learning",
        "needs": [
            {"code": "SPLD", "label": "Specific learning difficulty"},
            {"code": "MLD", "label": "Moderate learning difficulty"},
            {"code": "SLD", "label": "Severe learning difficulty"},
            {"code": "PMLD", "label": "Profound and multiple learning difficulty"},
        ],
    },
    {
        "area": "Social, emotional and mental health",
        "needs": [{"code": "SEMH", "label": "Social, emotional and mental health"}],
    },
    {
        "area": "Sensory and/or physical needs",
        "needs": [
            {"code": "VI", "label": "Vision impairment"},
            {"code": "HI", "label": "Hearing impairment"},
            {"code": "MSI", "label": "Multi-sensory impairment"},
            {"code": "PD", "label": "Physical disability"},
        ],
    },
    {"area": "Other", "needs": [{"code": "OTH", "label": "Other difficulty or disability"}]},
]

DECISION_CRITERIA: list[str] = [
    "The pupil's need is beyond what the school can reasonably provide from its own IMF and notional SEN budget.",
    "The provision the school already makes is in place and costed.",
    "The resource requested is proportionate to the need and has a start and end date.",
    "The intended outcomes are specific, measurable and have a review date.",
    "Parents or carers and the pupil have been involved.",
]

# The retention schedule's defaults (docs/security.md, "Retention, erasure and subject access"):
# - a case file (need, provision, outcomes, comments, evidence, reasons) is kept six years
#   after the case closes, then erased; the school keeps the pupil's own SEN file, which the
#   IRMS Information Management Toolkit for Schools keeps to the pupil's date of birth + 31
#   years (25 + 6). A body that holds the only copy of a file sets a longer period (up to 31).
# - the financial record (amounts, dates, the pupil's pseudonymous reference, need category)
#   is kept at least six years after the end of the financial year it relates to (IRMS
#   toolkit, financial records: current year + 6; HMRC and the Limitation Act 1980, s.5).
RETENTION_DEFAULTS: dict[str, int] = {"case_file_retention_years": 6, "financial_retention_years": 6}
CASE_FILE_RETENTION_YEARS_RANGE = (1, 31)
FINANCIAL_RETENTION_YEARS_RANGE = (6, 31)

DEFAULTS: dict[str, object] = {
    "pooled_share_bp": 1000,  # 10.00%
    "allow_share_override": False,
    "decision_target_working_days": 10,
    "urgent_reserve_bp": 500,  # 5.00%
    "delegated_limits_pence": {"decision_officer": 2_500_000},
}


def need_labels(areas: list[dict[str, object]]) -> dict[str, str]:
    """Need code → label from a policy's areas of need (the shape of ``AREAS_OF_NEED``)."""
    labels: dict[str, str] = {}
    for area in areas:
        needs = area.get("needs")
        for need in needs if isinstance(needs, list) else []:
            labels[str(need["code"])] = str(need["label"])
    return labels


def need_codes(areas: list[dict[str, object]]) -> set[str]:
    return set(need_labels(areas))


# The body's own light peer-review framework: the headings a review's findings are written
# against. A body changes them with a new policy version.
PEER_REVIEW_HEADINGS: list[str] = [
    "Leadership and a culture of inclusion",
    "Identifying and assessing need",
    "Provision and the graduated approach",
    "Working with pupils and families",
    "Outcomes and next steps",
]


def default_peer_review_headings() -> list[str]:
    return list(PEER_REVIEW_HEADINGS)
