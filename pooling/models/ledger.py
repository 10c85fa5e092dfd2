"""The pool and its double-entry ledger.

A pool is one responsible body's pooled IMF for one funding period (the IMF grant year,
1 April to 31 March). Money moves only by transactions whose legs (integer pence, debit
positive, credit negative) sum to zero: a deferred constraint trigger checks it at commit.
Transactions and legs are never updated or deleted (triggers refuse it); a correction is a
reversing transaction that names the one it reverses. Balances are sums of legs.

Chart of accounts per pool (normal side in brackets):

- ``contributions_receivable`` (Dr): contributions expected, not yet received
- ``pool_bank`` (Dr): money received into the pool's bank
- ``payments_made`` (Cr): money paid out of the pool's bank to schools and other payees
- ``contributions`` (Cr): members' pooled share of IMF, recognised when expected
- ``reserve`` (Cr): the part of contributions set aside for urgent cases
- ``carry_forward`` (Cr): brought forward from the previous period (Dr when carried out)
- ``recoveries`` (Cr): money recovered from schools
- ``awards`` (Dr): awards granted (committed), net of releases
- ``commitments`` (Cr): awards approved, not yet payable
- ``payable_to_schools`` (Cr): instalments due in a confirmed payment run, not yet paid (to a
  school, or to a payee such as a shared post's employer: its legs name the payee, not a school)
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class PoolStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Pool(TenantOwnedModel):
    """A body's pool for one funding period (e.g. "2026-27": 1 April 2026 to 31 March 2027)."""

    label = models.CharField(max_length=7)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=PoolStatus.choices, default=PoolStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_label = models.CharField(max_length=254, blank=True)
    reopen_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-starts_on"]
        # An external auditor's per-pool read (django-guardian; ``PoolAuditGrant``).
        permissions = [("audit_pool", "Read this pool as an external auditor")]
        constraints = [
            models.UniqueConstraint(fields=["responsible_body", "label"], name="one_pool_per_body_period"),
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="pool_status_valid"),
            models.CheckConstraint(condition=Q(label__regex=r"^\d{4}-\d{2}$"), name="pool_label_format"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="pool_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"Pool {self.label}"


class AccountKind(models.TextChoices):
    CONTRIBUTIONS_RECEIVABLE = "contributions_receivable", "Contributions receivable"
    POOL_BANK = "pool_bank", "Pool bank (received)"
    PAYMENTS_MADE = "payments_made", "Payments made"
    CONTRIBUTIONS = "contributions", "Contributions"
    RESERVE = "reserve", "Reserve for urgent cases"
    CARRY_FORWARD = "carry_forward", "Carry-forward"
    RECOVERIES = "recoveries", "Recoveries"
    AWARDS = "awards", "Awards granted"
    COMMITMENTS = "commitments", "Commitments"
    PAYABLE_TO_SCHOOLS = "payable_to_schools", "Payable to schools"


# The fixed order in which a pool's accounts are locked (saleor's lock_objects pattern):
# every service that locks several accounts locks them in this order, so two postings
# can never wait on each other.
ACCOUNT_LOCK_ORDER = [k.value for k in AccountKind]


class Account(TenantOwnedModel):
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=30, choices=AccountKind.choices)
    nominal_code = models.CharField(max_length=20, blank=True, help_text="Code in the body's finance system.")
    cost_centre = models.CharField(max_length=20, blank=True)
    cfr_code = models.CharField(
        "CFR code", max_length=10, blank=True, help_text="Consistent Financial Reporting code, for maintained schools."
    )

    class Meta:
        base_manager_name = "objects"
        ordering = ["pool", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "kind"], name="one_account_per_pool_kind"),
            models.CheckConstraint(condition=Q(kind__in=ACCOUNT_LOCK_ORDER), name="account_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.pool.label})"


class TransactionKind(models.TextChoices):
    CONTRIBUTION_EXPECTED = "contribution_expected", "Contribution expected"
    RECEIPT = "receipt", "Contribution received"
    RESERVE_SET_ASIDE = "reserve_set_aside", "Reserve set aside"
    COMMITMENT = "commitment", "Award committed"
    VARIATION = "variation", "Award varied"
    RELEASE = "release", "Award released"
    PAYABLE = "payable", "Instalment payable"
    PAYMENT = "payment", "Payment to school"
    RECOVERY = "recovery", "Recovery from school"
    CARRY_FORWARD = "carry_forward", "Carried forward"
    REVERSAL = "reversal", "Reversal"
    # The reversal of a payment the bank did not make (a line of a paid run returned, or a
    # run sent to the bank that failed): the run's postings undone, naming the run.
    PAYMENT_RETURNED = "payment_returned", "Payment returned by the bank"


class Transaction(TenantOwnedModel):
    """One balanced, immutable movement of money. ``idempotency_key`` is unique per body in
    the database, so posting the same thing twice posts nothing the second time."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=30, choices=TransactionKind.choices)
    posted_on = models.DateField(help_text="The accounting date.")
    description = models.CharField(max_length=300)
    idempotency_key = models.CharField(max_length=200)
    source_type = models.CharField(max_length=60, help_text="What caused it: contribution, award, payment run…")
    source_id = models.CharField(max_length=64)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    actor_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-posted_on", "-id"]
        indexes = [
            models.Index(fields=["responsible_body", "pool", "posted_on"], name="txn_body_pool_date"),
            models.Index(fields=["responsible_body", "source_type", "source_id"], name="txn_body_source"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in TransactionKind]), name="txn_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False), name="reversal_names_original"
            ),
            models.UniqueConstraint(
                fields=["responsible_body", "idempotency_key"], name="txn_idempotency_key_per_body"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.posted_on:%d %b %Y}: {self.description}"


class Leg(TenantOwnedModel):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="legs")
    amount_pence = models.BigIntegerField(help_text="Debit positive, credit negative.")
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payee = models.ForeignKey("pooling.Payee", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        base_manager_name = "objects"
        indexes = [
            # An account's balance is the sum of its legs: with the amount in the index,
            # PostgreSQL sums it from the index alone (legs are never updated, so the
            # visibility map stays set), about 2.3x faster on the largest body (issue 22).
            models.Index(
                fields=["responsible_body", "account"], include=["amount_pence"], name="leg_body_account_amount"
            ),
            models.Index(fields=["responsible_body", "school"], name="leg_body_school"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_pence=0), name="leg_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(school__isnull=True) | Q(payee__isnull=True), name="leg_school_or_payee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.kind} {self.amount_pence}"
