"""Instalment schedules of commitments, payment runs and remittance advice, and the payees
other than schools that a run pays directly."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class Payee(TenantOwnedModel):
    """Someone other than a school that the pool pays directly: the employing entity of a
    shared post, the provider of a commissioned service, the trust hosting a support base.
    A schedule with a payee is paid to the payee (its own run line, ledger legs and
    remittance advice), not to the schedule's school. Bank details are what a BACS file
    needs: a six-digit sort code and an eight-digit account number."""

    class Kind(models.TextChoices):
        EMPLOYER = "employer", "Employing entity"
        PROVIDER = "provider", "Service provider"
        HOST = "host", "School or trust hosting a base"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    remittance_email = models.EmailField(blank=True)
    sort_code = models.CharField(max_length=6)
    account_number = models.CharField(max_length=8)
    payment_reference = models.CharField(max_length=18, blank=True, help_text="The reference on the bank payment.")
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["responsible_body", "name"], name="payee_name_per_body"),
            models.CheckConstraint(condition=Q(kind__in=["employer", "provider", "host"]), name="payee_kind_valid"),
            models.CheckConstraint(condition=Q(sort_code__regex=r"^[0-9]{6}$"), name="payee_sort_code_format"),
            models.CheckConstraint(
                condition=Q(account_number__regex=r"^[0-9]{8}$"), name="payee_account_number_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sort_code_display(self) -> str:
        return sort_code_display(self.sort_code)

    @property
    def account_masked(self) -> str:
        return account_masked(self.account_number)


def sort_code_display(sort_code: str) -> str:
    """A sort code as pages and advice show it: 12-34-56."""
    return f"{sort_code[:2]}-{sort_code[2:4]}-{sort_code[4:]}"


def account_masked(account_number: str) -> str:
    """An account number as pages and advice show it: its last four digits."""
    return f"****{account_number[-4:]}"


class InstalmentSchedule(TenantOwnedModel):
    """How a commitment (an award) is paid: monthly or termly instalments that sum exactly
    to the committed amount. ``source_type``/``source_id`` name the award; pooling does not
    import the cases app."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        TERMLY = "termly", "Termly"

    pool = models.ForeignKey("pooling.Pool", on_delete=models.PROTECT, related_name="schedules")
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    payee = models.ForeignKey(
        Payee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schedules",
        help_text="Paid to this payee rather than to the school (a shared resource's employer or provider).",
    )
    source_type = models.CharField(max_length=60)
    source_id = models.CharField(max_length=64)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    total_pence = models.BigIntegerField()
    stopped_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["responsible_body", "source_type", "source_id"], name="one_schedule_per_source"
            ),
            models.CheckConstraint(condition=Q(total_pence__gte=0), name="schedule_total_not_negative"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="schedule_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.source_type} {self.source_id}: {self.total_pence}p {self.frequency}"


class Instalment(TenantOwnedModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PAID = "paid", "Paid"
        RELEASED = "released", "Released"

    schedule = models.ForeignKey(InstalmentSchedule, on_delete=models.PROTECT, related_name="instalments")
    due_on = models.DateField()
    amount_pence = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    payment_run = models.ForeignKey(
        "pooling.PaymentRun", on_delete=models.PROTECT, null=True, blank=True, related_name="instalments"
    )

    class Meta:
        base_manager_name = "objects"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["responsible_body", "status", "due_on"], name="instalment_body_due")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gte=0), name="instalment_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "paid", "released"]), name="instalment_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(payment_run__isnull=False), name="paid_instalment_has_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_pence}p due {self.due_on}"


class PaymentRun(TenantOwnedModel):
    """Pays the instalments due up to a date. Confirmed once (idempotent), then *sent to the
    bank* when the finance officer takes the bank file, then *paid*: when the finance
    officer records the bank's confirmation, or on the payment date by the daily task
    (``pooling.services.payment_runs``). Only a paid run has paid anything
    (``pooling.selectors.paid``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CONFIRMED = "confirmed", "Confirmed"
        SENT = "sent", "Sent to the bank"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed at the bank"

    pool = models.ForeignKey("pooling.Pool", on_delete=models.PROTECT, related_name="payment_runs")
    due_up_to = models.DateField()
    pay_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    total_pence = models.BigIntegerField(default=0)
    created_by_label = models.CharField(max_length=254)
    confirmed_by_label = models.CharField(max_length=254, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    sent_by_label = models.CharField(max_length=254, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    bank_file_sha256 = models.CharField(max_length=64, blank=True)
    bank_file = models.FileField(
        upload_to="bank-files/%Y/", blank=True, help_text="The bank file as built when the run was sent."
    )
    paid_on = models.DateField(null=True, blank=True)
    paid_by_label = models.CharField(max_length=254, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    bank_reference = models.CharField(max_length=120, blank=True)
    failed_on = models.DateField(null=True, blank=True, help_text="The day the bank said the whole run failed.")
    failure_reason = models.CharField(max_length=300, blank=True)
    failed_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-pay_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "confirmed", "sent", "paid", "cancelled", "failed"]),
                name="run_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["sent", "paid", "failed"]) | Q(sent_at__isnull=False),
                name="run_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | Q(failed_on__isnull=False), name="run_failed_has_date"
            ),
            models.CheckConstraint(condition=~Q(status="paid") | Q(paid_on__isnull=False), name="run_paid_has_date"),
        ]

    def __str__(self) -> str:
        return f"Payment run {self.pay_on} ({self.get_status_display()})"


# The payment run's workflow: (from, to) → what the step is. One service per step in
# ``pooling.services.payment_runs``; both need ``Action.MOVE_MONEY`` (with step-up).
PAYMENT_RUN_TRANSITIONS: dict[tuple[str, str], str] = {
    (PaymentRun.Status.CONFIRMED, PaymentRun.Status.SENT): "send the bank file",
    (PaymentRun.Status.SENT, PaymentRun.Status.PAID): "record the bank's payment",
    (PaymentRun.Status.SENT, PaymentRun.Status.FAILED): "record that the bank failed the whole run",
}


class PaymentRunLine(TenantOwnedModel):
    """What a confirmed run pays one school, or one payee other than a school."""

    payment_run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="lines")
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payee = models.ForeignKey(Payee, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount_pence = models.BigIntegerField()
    # A line the bank returned (wrong or closed account) after the run was paid, or every
    # line of a run the bank failed: the payment is reversed and its instalments are due again.
    returned_on = models.DateField(null=True, blank=True)
    return_reason = models.CharField(max_length=300, blank=True)
    returned_by_label = models.CharField(max_length=254, blank=True)
    # The instalments a returned line had paid (ids): they are due again from ``returned_on``
    # and in no run, but were paid from the run's ``paid_on`` until then
    # (``pooling.selectors.paid`` answers "paid on day D" with them).
    returned_instalment_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        base_manager_name = "objects"
        # "Paid on day D" asks for the lines returned after D (``pooling.selectors.paid``):
        # a handful among hundreds of thousands, found here instead of by scanning every run.
        indexes = [
            models.Index(fields=["returned_on"], condition=Q(returned_on__isnull=False), name="line_returned_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | ~Q(return_reason=""), name="returned_line_has_reason"
            ),
            models.UniqueConstraint(fields=["payment_run", "school"], name="one_line_per_school_per_run"),
            models.UniqueConstraint(fields=["payment_run", "payee"], name="one_line_per_payee_per_run"),
            models.CheckConstraint(
                condition=Q(school__isnull=False, payee__isnull=True) | Q(school__isnull=True, payee__isnull=False),
                name="line_pays_school_or_payee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paid_to_name}: {self.amount_pence}p"

    @property
    def paid_to_name(self) -> str:
        """Whom the line pays (load ``school`` and ``payee`` with it)."""
        if self.payee_id is not None and self.payee is not None:
            return self.payee.name
        return self.school.name if self.school is not None else ""


class Remittance(TenantOwnedModel):
    """Remittance advice for one school in one run (CSV and PDF, stored privately)."""

    line = models.OneToOneField(PaymentRunLine, on_delete=models.PROTECT, related_name="remittance")
    csv_file = models.FileField(upload_to="remittances/%Y/", blank=True)
    pdf_file = models.FileField(upload_to="remittances/%Y/", blank=True)
    sha256_csv = models.CharField(max_length=64, blank=True)
    sha256_pdf = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"Remittance {self.line}"
