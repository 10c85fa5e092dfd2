"""A confirmed payment run's way to *paid*, one service per step of
``PAYMENT_RUN_TRANSITIONS``:

- ``payment_run_send``: the finance officer takes the bank file (one line per school, the
  run's payment date and a reference the school sees on its statement). The run is *sent
  to the bank*; the file's SHA-256 is recorded and the step audited. Downloading the file
  again later (``payment_run_bank_file_download``) gives the same bytes and is audited.
- ``payment_run_record_paid``: the run is *paid* on a date, when the finance officer records
  the bank's confirmation (a date on or after the day it was sent, not in the future), or
  when the daily task (``payment_runs_settle_due``, Celery beat through the outbox) finds a
  run sent to the bank whose payment date has come: a BACS file pays on the date it names.
  Only then is the payment posted (``payable_to_schools`` to ``payments_made``, dated the
  day paid), so every page and report that reads ``pooling.selectors.paid`` says *paid* on
  the same day. Recording it twice posts nothing more.

Runs confirmed before these steps existed posted their payment dated the payment date at
confirmation; the migration that added them marked those runs sent (or paid, if the date
had come) and recording them paid finds that posting by its key and posts nothing."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date

from defusedcsv import csv
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.money import format_pence
from core.outbox.services import outbox_enqueue
from core.tenancy import platform_context, tenant_context
from pooling.error_codes import PoolingError
from pooling.models import AccountKind, PaymentRun, TransactionKind
from pooling.selectors.payments import line_recipient
from pooling.services.bank_file_legacy import legacy_bank_file_content
from pooling.services.payment_run_steps import payment_run_lock, payment_run_move, payment_run_post, payment_run_posting
from pooling.services.payments import paid_to_text, recipient_leg

BANK_FILE_HEADER = (
    "payee",
    "urn",
    "sort_code",
    "account_number",
    "amount_pence",
    "amount",
    "payment_date",
    "reference",
)


@dataclass(frozen=True)
class BankFile:
    run: PaymentRun
    filename: str
    content: bytes
    sha256: str


# BACS: a payment reference is at most 18 characters of A-Z, 0-9, full stop, ampersand,
# slash, hyphen and space.
BACS_REFERENCE_LENGTH = 18
# ... and carries at least six letters or digits: a payee's reference without them ("***")
# falls back to "IMF POOL".
BACS_REFERENCE_MIN_ALPHANUMERICS = 6
_BACS_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.&/- ")


def bacs_text(value: str) -> str:
    """``value`` in BACS's character set: upper case, anything else a space, spaces squeezed."""
    upper = "".join(c if c in _BACS_CHARACTERS else " " for c in (value or "").upper())
    return " ".join(upper.split())


def bank_reference(*, run_id: int, line_no: int, base: str = "") -> str:
    """The reference a line's payment carries: ``base`` (a payee's own reference, or "IMF
    POOL") cut to fit, then the run and line ("R12 L3"), so the bank statement reconciles
    to one line of one run; never over 18 BACS characters, never under six letters or
    digits (a ``base`` that leaves fewer gives way to "IMF POOL")."""
    suffix = f"R{run_id} L{line_no}"
    room = BACS_REFERENCE_LENGTH - len(suffix) - 1
    for candidate in (base, "IMF POOL"):
        head = bacs_text(candidate)[: max(room, 0)].strip(" -")
        reference = (f"{head} {suffix}" if head else suffix)[-BACS_REFERENCE_LENGTH:]
        if _alphanumerics(reference) >= BACS_REFERENCE_MIN_ALPHANUMERICS:
            break
    return reference


def _alphanumerics(text: str) -> int:
    return sum(1 for c in text if c.isalnum())


def _missing_bank_details(run: PaymentRun) -> list[str]:
    """Names of the run's payees (other than schools) whose sort code or account number is
    not six and eight digits: a bank file cannot pay them."""
    missing = []
    for line in run.lines.select_related("payee").filter(payee__isnull=False).order_by("payee__name"):
        payee = line.payee
        assert payee is not None
        ok = len(payee.sort_code) == 6 and payee.sort_code.isdigit()
        ok = ok and len(payee.account_number) == 8 and payee.account_number.isdigit()
        if not ok:
            missing.append(payee.name)
    return missing


def _bank_file(run: PaymentRun) -> BankFile:
    """Build the bank file of a run (once, when it is sent: ``payment_run_send`` stores it).
    One line per school and per other payee, with the payee's sort code and account number
    (schools' bank details are held by the body's finance system, not here: blank), the
    amount, the payment date and a BACS reference; cells a spreadsheet would run as a
    formula are neutralised (``defusedcsv``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BANK_FILE_HEADER)
    lines = run.lines.select_related("school", "payee").order_by("school__name", "payee__name", "pk")
    for line_no, line in enumerate(lines, start=1):
        if line.payee is not None:  # an employer or provider paid directly (shared resources)
            payee = line.payee
            name, urn, sort_code, account = payee.name, "", payee.sort_code, payee.account_number
            reference = bank_reference(run_id=run.pk, line_no=line_no, base=payee.payment_reference)
        else:
            assert line.school is not None
            name, urn, sort_code, account = line.school.name, str(line.school.urn), "", ""
            reference = bank_reference(run_id=run.pk, line_no=line_no)
        writer.writerow(
            (
                name,
                urn,
                sort_code,
                account,
                line.amount_pence,
                f"{line.amount_pence / 100:.2f}",
                run.pay_on.isoformat(),
                reference,
            )
        )
    content = out.getvalue().encode("utf-8")
    return BankFile(
        run=run,
        filename=f"{run.responsible_body_id}-payment-run-{run.pk}-bank-file.csv",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def payment_run_send(*, actor: User, tenant: ResponsibleBody, payment_run_id: int) -> BankFile:
    """Confirmed → sent to the bank: build the bank file, record its checksum, who and
    when, and audit it. Returns the file to hand to the officer."""
    with tenant_context(tenant), transaction.atomic():
        run = payment_run_lock(payment_run_id=payment_run_id, to=PaymentRun.Status.SENT)
        missing = _missing_bank_details(run)
        if missing:
            raise ConflictError(
                f"Payment run {run.pk} cannot be sent: no valid sort code and account number for "
                f"{', '.join(missing)}. Set the payee's bank details first.",
                code=PoolingError.INVALID_BANK_DETAILS,
                extra={"payees": missing},
            )
        file = _bank_file(run)
        # Stored as built (STORAGES "default"): a later rename of a school or payee does not
        # change what was sent, and every download serves these bytes.
        run.bank_file.save(file.filename, ContentFile(file.content), save=False)
        payment_run_move(
            actor=actor,
            tenant=tenant,
            run=run,
            to=PaymentRun.Status.SENT,
            changes={
                "sent_at": timezone.now(),
                "sent_by_label": actor.email,
                "bank_file_sha256": file.sha256,
                "bank_file": run.bank_file,
            },
            verb=AuditVerb.PAYMENT_RUN_SENT,
            label=f"Payment run {run.pk} ({run.pool.label}) sent to the bank: {format_pence(run.total_pence)} "
            f"to be paid on {run.pay_on:%-d %B %Y}",
            after={"bank_file_sha256": file.sha256},
        )
    return file


def _stored_bank_file(run: PaymentRun) -> BankFile:
    """The file stored when the run was sent; a run sent before files were stored is built
    again as it was then (``bank_file_legacy``: six columns), so it still matches its
    recorded checksum."""
    if run.bank_file:
        with run.bank_file.open("rb") as handle:
            content = handle.read()
    else:
        content = legacy_bank_file_content(run)
    return BankFile(
        run=run,
        filename=f"{run.responsible_body_id}-payment-run-{run.pk}-bank-file.csv",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def payment_run_bank_file_download(*, actor: User, tenant: ResponsibleBody, payment_run_id: int) -> BankFile:
    """The bank file of a run already sent (or paid), again: the same bytes as when it was
    sent (checked against the recorded checksum); audited."""
    with tenant_context(tenant), transaction.atomic():
        run = PaymentRun.objects.select_related("pool").filter(pk=payment_run_id).first()
        if run is None:
            raise NotFound("No such payment run.")
        if run.status not in (PaymentRun.Status.SENT, PaymentRun.Status.PAID, PaymentRun.Status.FAILED):
            raise ConflictError(
                f"Payment run {run.pk} has not been sent to the bank: send it to get its bank file.",
                code=PoolingError.RUN_TRANSITION_NOT_ALLOWED,
            )
        file = _stored_bank_file(run)
        if run.bank_file_sha256 and file.sha256 != run.bank_file_sha256:
            raise ConflictError(
                "The bank file no longer matches the one sent: check the run's lines.",
                code=PoolingError.FILE_CONTENT_MISMATCH,
            )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PAYMENT_RUN_BANK_FILE_DOWNLOADED,
            obj=run,
            label=f"Bank file of payment run {run.pk} downloaded",
            after={"sha256": file.sha256},
        )
    return file


def payment_run_record_paid(
    *, actor: User | None, tenant: ResponsibleBody, payment_run_id: int, paid_on: date, bank_reference: str = ""
) -> PaymentRun:
    """Sent to the bank → paid on ``paid_on``: post the payment (payable to payments made,
    one leg pair per school, dated ``paid_on``) and audit it. ``actor`` is None when the
    daily task records a run paid on its payment date."""
    bank_reference = bank_reference.strip()
    if len(bank_reference) > 120:
        raise ApplicationError(
            "The bank's reference must be 120 characters or fewer.",
            code=PoolingError.REFERENCE_TOO_LONG,
            field="bank_reference",
        )
    today = timezone.localdate()
    if paid_on > today:
        raise ApplicationError(
            "The date paid cannot be in the future: record the payment once the bank confirms it.",
            code=PoolingError.PAID_ON_IN_FUTURE,
            field="paid_on",
        )
    with tenant_context(tenant), transaction.atomic():
        run = payment_run_lock(payment_run_id=payment_run_id, to=PaymentRun.Status.PAID)
        sent_on = timezone.localdate(run.sent_at) if run.sent_at else today
        if paid_on < sent_on:
            raise ApplicationError(
                f"The date paid must be on or after {sent_on:%-d %B %Y}, when the run was sent to the bank.",
                code=PoolingError.PAID_ON_BEFORE_SENT,
                field="paid_on",
            )
        paying = [
            (line_recipient(line), line.amount_pence)
            for line in run.lines.order_by("school_id", "payee_id")
            if line.amount_pence
        ]
        # A run confirmed before runs could be sent posted its payment at confirmation, dated
        # its payment date: it was paid on that posting's date, whatever day this records it.
        earlier = payment_run_posting(tenant=tenant, run=run, step="payment")
        if earlier is not None:
            paid_on = earlier.posted_on
            if paid_on > today:
                raise ConflictError(
                    f"Payment run {run.pk}'s payment was posted for {paid_on:%-d %B %Y}, which has not come yet: "
                    "record it paid on or after that day.",
                    code=PoolingError.PAID_ON_IN_FUTURE,
                )
        elif paying:
            payment_run_post(
                actor=actor,
                tenant=tenant,
                run=run,
                step="payment",
                kind=TransactionKind.PAYMENT,
                posted_on=paid_on,
                description=f"Payment run {run.pk}: paid to {paid_to_text(paying)} on {paid_on:%-d %B %Y}",
                legs=[
                    leg
                    for recipient, amount in paying
                    for leg in (
                        recipient_leg(AccountKind.PAYABLE_TO_SCHOOLS, amount, recipient),
                        recipient_leg(AccountKind.PAYMENTS_MADE, -amount, recipient),
                    )
                ],
            )
        payment_run_move(
            actor=actor,
            tenant=tenant,
            run=run,
            to=PaymentRun.Status.PAID,
            changes={
                "paid_on": paid_on,
                "paid_at": timezone.now(),
                "paid_by_label": actor.email if actor is not None else "system (paid on the payment date)",
                "bank_reference": bank_reference,
            },
            verb=AuditVerb.PAYMENT_RUN_PAID,
            label=f"Payment run {run.pk} ({run.pool.label}) paid: {format_pence(run.total_pence)} to "
            f"{paid_to_text(paying)} on {paid_on:%-d %B %Y}",
            after={"paid_on": paid_on, "bank_reference": bank_reference},
        )
    return run


def payment_run_settle(*, tenant: ResponsibleBody, payment_run_id: int) -> bool:
    """The daily task's step for one run: a run sent to the bank whose payment date has
    come is paid on that date. Anything else (paid already, not sent, date still to come,
    gone) is left alone, so running it twice is harmless. Returns whether it paid."""
    with tenant_context(tenant):
        run = PaymentRun.objects.filter(pk=payment_run_id).only("pk", "status", "pay_on", "sent_at").first()
    if run is None or run.status != PaymentRun.Status.SENT or run.pay_on > timezone.localdate():
        return False
    # A run sent to the bank after its payment date is paid no earlier than the day it was sent.
    sent_on = timezone.localdate(run.sent_at) if run.sent_at else run.pay_on
    try:
        payment_run_record_paid(actor=None, tenant=tenant, payment_run_id=run.pk, paid_on=max(run.pay_on, sent_on))
    except ConflictError as exc:
        if exc.code == PoolingError.RUN_TRANSITION_NOT_ALLOWED:  # recorded meanwhile by someone else
            return False
        raise
    return True


def payment_runs_settle_due(*, today: date | None = None) -> int:
    """Daily (Celery beat): for every run sent to the bank whose payment date has come,
    enqueue its settling through the outbox (one message per run). Returns how many."""
    today = today or timezone.localdate()
    with platform_context():
        due = list(
            PaymentRun.objects.filter(status=PaymentRun.Status.SENT, pay_on__lte=today)
            .order_by("pk")
            .values_list("responsible_body_id", "pk")
        )
        with transaction.atomic():
            for tenant_id, run_id in due:
                outbox_enqueue(
                    task="pooling.payment_run_settle", kwargs={"tenant_id": tenant_id, "payment_run_id": run_id}
                )
    return len(due)
