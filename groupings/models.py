from __future__ import annotations

from typing import Any

import pghistory
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Func, Q
from django.db.models.functions import Upper
from django.utils import timezone

from core.tenancy import TenantOwnedModel
from groupings.policy_defaults import default_peer_review_headings

# --- The school register (platform reference data, from GIAS) ----------------------------

MAINTAINED_TYPES = frozenset(
    {"Community school", "Voluntary aided school", "Voluntary controlled school", "Foundation school"}
)
ACADEMY_TYPES = frozenset({"Academy sponsor led", "Academy converter"})
FREE_SCHOOL_TYPES = frozenset({"Free schools", "University technical college", "Studio schools"})
MAINSTREAM_TYPES = MAINTAINED_TYPES | ACADEMY_TYPES | FREE_SCHOOL_TYPES
SCHOOL_AGE_PHASES = frozenset(
    {"Primary", "Middle deemed primary", "Secondary", "Middle deemed secondary", "All-through"}
)
OPEN_STATUSES = frozenset({"Open", "Open, but proposed to close"})
WELSH_TYPE = "Welsh establishment"  # GIAS type 30, type group "Welsh schools"


def imf_eligibility(
    *, type_name: str, phase: str, status: str, low_age: int | None, high_age: int | None
) -> tuple[bool, str]:
    """Is a school eligible for the Inclusive Mainstream Fund, and why (or why not)?

    IMF goes to mainstream schools for 5-16 year olds: maintained schools, academies and
    free schools. Special schools, alternative provision, nurseries, 16-19 and
    independent schools are not eligible. It is an English grant: GIAS lists schools in
    Wales too (type "Welsh establishment"), and they are never eligible."""
    if type_name == WELSH_TYPE:
        return False, "Welsh establishment: the Inclusive Mainstream Fund is a grant for schools in England"
    if type_name not in MAINSTREAM_TYPES:
        return False, f"{type_name or 'Unknown type'} is not a mainstream state-funded school"
    if phase not in SCHOOL_AGE_PHASES:
        return False, f"Phase '{phase or 'unknown'}' is not a 5 to 16 phase"
    if low_age is not None and high_age is not None and (high_age < 5 or low_age >= 16):
        return False, f"Ages {low_age} to {high_age} do not include 5 to 16 year olds"
    if status not in OPEN_STATUSES:
        return False, f"The school is {status.lower() or 'not open'}"
    return True, "Mainstream state-funded school for 5 to 16 year olds"


class Trust(models.Model):
    """A GIAS group (multi-academy or single-academy trust). Reference data."""

    uid = models.PositiveIntegerField("GIAS group UID", unique=True)
    name = models.CharField(max_length=200)
    group_type = models.CharField(max_length=80, blank=True)
    companies_house_number = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    """An establishment from the GIAS register. Platform reference data, not tenant-owned:
    which pool a school is in is decided by dated arrangements, not by this row."""

    urn = models.PositiveIntegerField("URN", unique=True)
    name = models.CharField(max_length=200)
    la_code = models.CharField("LA code", max_length=3, db_index=True)
    la_name = models.CharField("LA name", max_length=100, blank=True)
    establishment_number = models.CharField(max_length=4, blank=True)
    type_name = models.CharField("type of establishment", max_length=120, blank=True)
    type_group = models.CharField("establishment type group", max_length=120, blank=True)
    status = models.CharField(max_length=60, blank=True)
    phase = models.CharField("phase of education", max_length=60, blank=True)
    statutory_low_age = models.PositiveSmallIntegerField(null=True, blank=True)
    statutory_high_age = models.PositiveSmallIntegerField(null=True, blank=True)
    number_of_pupils = models.PositiveIntegerField(null=True, blank=True)
    percentage_fsm = models.DecimalField(
        "% eligible for free school meals", max_digits=5, decimal_places=2, null=True, blank=True
    )
    trust_uid = models.PositiveIntegerField("GIAS trust UID", null=True, blank=True, db_index=True)
    trust_name = models.CharField(max_length=200, blank=True)
    ukprn = models.PositiveIntegerField("UKPRN", null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    resourced_provision_capacity = models.PositiveIntegerField(null=True, blank=True)
    sen_unit_capacity = models.PositiveIntegerField("SEN unit capacity", null=True, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    is_imf_eligible = models.BooleanField("eligible for IMF", default=False)
    eligibility_reason = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        # icontains compiles to UPPER(col) LIKE UPPER('%term%'): index the same expression.
        indexes = [
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="school_name_upper_trgm"),
            GinIndex(OpClass(Upper("trust_name"), name="gin_trgm_ops"), name="school_trust_upper_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_maintained(self) -> bool:
        return self.type_name in MAINTAINED_TYPES

    @property
    def is_academy(self) -> bool:
        return self.type_name in ACADEMY_TYPES | FREE_SCHOOL_TYPES

    def refresh_eligibility(self) -> None:
        self.is_imf_eligible, self.eligibility_reason = imf_eligibility(
            type_name=self.type_name,
            phase=self.phase,
            status=self.status,
            low_age=self.statutory_low_age,
            high_age=self.statutory_high_age,
        )


class SchoolLink(models.Model):
    """A GIAS establishment link: predecessor, successor, amalgamation and so on."""

    urn = models.PositiveIntegerField(db_index=True)
    linked_urn = models.PositiveIntegerField(db_index=True)
    link_type = models.CharField(max_length=80)
    linked_name = models.CharField(max_length=200, blank=True)
    established_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["urn", "linked_urn", "link_type"], name="one_link_per_pair_and_type"),
        ]

    def __str__(self) -> str:
        return f"{self.urn} {self.link_type} {self.linked_urn}"


class SchoolCensus(models.Model):
    """One school's SEN figures from DfE's school census for one academic year, keyed by
    URN. Platform reference data (about schools, not owned by a tenant), imported with
    ``manage.py import_sen_census``. A URN need not be in the register (the census covers
    independent and closed schools too): figures are joined to schools by URN.

    A count is null where DfE suppressed it or it does not apply (``NA`` in the file)."""

    urn = models.PositiveIntegerField("URN")
    academic_year = models.PositiveSmallIntegerField(help_text="First year of the academic year: 2022 for 2022/23.")
    school_type = models.CharField(max_length=80, blank=True)
    la_code = models.CharField("LA code", max_length=3, blank=True)
    pupils_total = models.PositiveIntegerField("pupils on roll", null=True, blank=True)
    ehc_plan_pupils = models.PositiveIntegerField("pupils with an EHC plan", null=True, blank=True)
    sen_support_pupils = models.PositiveIntegerField("pupils on SEN support", null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["urn", "-academic_year"]
        verbose_name_plural = "school census figures"
        constraints = [
            models.UniqueConstraint(fields=["urn", "academic_year"], name="one_census_row_per_school_and_year"),
            models.CheckConstraint(
                condition=Q(academic_year__gte=2000, academic_year__lte=2100), name="census_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.urn} census {self.academic_year_label}"

    @property
    def academic_year_label(self) -> str:
        return f"{self.academic_year}/{(self.academic_year + 1) % 100:02d}"


# --- Grouping policy (versioned configuration per body) ----------------------------------


class GroupingPolicy(TenantOwnedModel):
    """One version of a body's grouping policy, effective from a date. Versions are never
    edited (a trigger refuses it): a change is a new version, and later records store the
    version they used."""

    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    pooled_share_bp = models.PositiveIntegerField(
        "pooled share (basis points)", help_text="Share of each member's IMF allocation pooled: 1000 = 10.00%."
    )
    allow_share_override = models.BooleanField(default=False)
    funding_periods = ArrayField(models.CharField(max_length=7), default=list, blank=True)
    areas_of_need = models.JSONField(default=list)
    decision_criteria = ArrayField(models.CharField(max_length=300), default=list)
    decision_target_working_days = models.PositiveSmallIntegerField(default=10)
    delegated_limits_pence = models.JSONField(default=dict, blank=True)
    urgent_reserve_bp = models.PositiveIntegerField("urgent-case reserve (basis points)", default=500)
    segregation_of_duties = models.BooleanField(
        default=True,
        help_text="Refuse confirming a payment run that pays an award the same person decided, and deciding a case "
        "the same person raised.",
    )
    # The grouping's forum (collaboration): whether a school's SENDCO may organise sessions
    # as well as the body's staff, and the headings of the body's own peer-review framework.
    sendco_may_organise_sessions = models.BooleanField(
        default=False, help_text="Let a school's SENDCO organise supervision, moderation and training sessions."
    )
    peer_review_headings = ArrayField(models.CharField(max_length=200), default=default_peer_review_headings)
    # The retention schedule (#21): how long a closed case's file is kept before the daily
    # job erases it, and how long the financial record is kept after its financial year.
    case_file_retention_years = models.PositiveSmallIntegerField(
        default=6, help_text="Years after a case closes before its file is erased and its pupil anonymised."
    )
    financial_retention_years = models.PositiveSmallIntegerField(
        default=6, help_text="Years after the end of the financial year that the financial record is kept (at least 6)."
    )
    change_note = models.CharField(max_length=300, blank=True)
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-effective_from", "-version"]
        verbose_name_plural = "grouping policies"
        constraints = [
            models.UniqueConstraint(fields=["responsible_body", "version"], name="policy_version_unique"),
            models.UniqueConstraint(fields=["responsible_body", "effective_from"], name="policy_effective_from_unique"),
            models.CheckConstraint(condition=Q(pooled_share_bp__lte=10_000), name="policy_share_at_most_100pc"),
            models.CheckConstraint(condition=Q(urgent_reserve_bp__lte=10_000), name="policy_reserve_at_most_100pc"),
            models.CheckConstraint(condition=Q(decision_target_working_days__gte=1), name="policy_target_positive"),
            models.CheckConstraint(
                condition=Q(case_file_retention_years__gte=1, case_file_retention_years__lte=31),
                name="policy_case_file_retention_range",
            ),
            models.CheckConstraint(
                condition=Q(financial_retention_years__gte=6, financial_retention_years__lte=31),
                name="policy_financial_retention_at_least_6",
            ),
        ]

    def __str__(self) -> str:
        return f"Policy v{self.version} from {self.effective_from:%d %b %Y}"


# --- Contractual arrangements --------------------------------------------------------------


class DateRange(Func):
    """``daterange(start, end, '[]')``: both ends inclusive; a null end is open-ended."""

    function = "DATERANGE"
    output_field = DateRangeField()


class ArrangementStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    NOTICE_GIVEN = "notice_given", "Notice given"
    ENDED = "ended", "Ended"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ArrangementBasis(models.TextChoices):
    OWN_ACADEMY = "own_academy", "The trust's own academy"
    CONTRACTED_TRUST = "contracted_trust", "Standalone or small trust by contract"
    MAINTAINED_VIA_LA = "maintained_via_la", "Maintained school through its local authority"
    MAINTAINED_PATHWAY_TO_TRUST = "maintained_pathway_to_trust", "Maintained school on a pathway to join the trust"


@pghistory.track(pghistory.InsertEvent("arrangement.created"), pghistory.UpdateEvent("arrangement.updated"))
class Arrangement(TenantOwnedModel):
    """A school's membership of a body's grouping, on a legal basis, for dated terms.

    A school has at most one approved arrangement (active, under notice or ended) on any
    date across all bodies: a PostgreSQL exclusion constraint enforces it when a proposal
    is approved, so proposals never block another body."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="arrangements")
    basis = models.CharField(max_length=40, choices=ArrangementBasis.choices)
    status = models.CharField(max_length=20, choices=ArrangementStatus.choices, default=ArrangementStatus.PROPOSED)
    counterparty = models.CharField(
        max_length=200, help_text="The trust or governing body that runs the school and signs the agreement."
    )
    agreement_reference = models.CharField(max_length=100, blank=True)
    agreement_document = models.FileField(upload_to="agreements/%Y/", blank=True)
    agreement_document_name = models.CharField(max_length=200, blank=True)
    conversion_pathway = models.CharField(max_length=300, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    notice_given_on = models.DateField(null=True, blank=True)
    pooled_share_override_bp = models.PositiveIntegerField(null=True, blank=True)
    policy = models.ForeignKey(GroupingPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    proposed_by_label = models.CharField(max_length=254, blank=True)
    approved_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["school__name"]
        indexes = [models.Index(fields=["responsible_body", "status", "start_date"], name="arrangement_body_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ArrangementStatus]), name="arrangement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(basis__in=[b.value for b in ArrangementBasis]), name="arrangement_basis_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="arrangement_dates_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["notice_given", "ended"]) | Q(end_date__isnull=False),
                name="arrangement_ending_has_end_date",
            ),
            models.CheckConstraint(
                condition=~Q(basis="maintained_pathway_to_trust") | ~Q(conversion_pathway=""),
                name="pathway_arrangement_records_pathway",
            ),
            models.CheckConstraint(
                condition=Q(pooled_share_override_bp__isnull=True) | Q(pooled_share_override_bp__lte=10_000),
                name="arrangement_override_at_most_100pc",
            ),
            ExclusionConstraint(
                name="one_arrangement_per_school_per_date",
                expressions=[
                    ("school", RangeOperators.EQUAL),
                    (DateRange("start_date", "end_date", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
                # Proposals do not hold a school: one body cannot block another by proposing.
                condition=Q(status__in=["active", "notice_given", "ended"]),
                violation_error_message="This school is already in a grouping for some of these dates.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} in {self.get_basis_display().lower()}"

    def covers(self, day: Any) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)
