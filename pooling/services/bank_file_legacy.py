"""The bank file as it was built before files were stored when a run is sent (six columns,
no bank details, "IMF POOL RUN 12 URN 100001" references). A run sent then has only the
checksum of that file recorded: its download rebuilds it this way, so it still matches.
Never used for a run sent now (``payment_runs._bank_file``)."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pooling.models import PaymentRun

LEGACY_BANK_FILE_HEADER = ("payee", "urn", "amount_pence", "amount", "payment_date", "reference")


def legacy_bank_file_content(run: PaymentRun) -> bytes:
    """The bytes the run's bank file had when it was sent, before files were stored."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LEGACY_BANK_FILE_HEADER)
    for line in run.lines.select_related("school", "payee").order_by("school__name", "payee__name", "pk"):
        if line.payee is not None:
            payee = line.payee
            name, urn = payee.name, ""
            reference = payee.payment_reference or f"IMF POOL RUN {run.pk} PAYEE {payee.pk}"
        else:
            assert line.school is not None
            name, urn = line.school.name, str(line.school.urn)
            reference = f"IMF POOL RUN {run.pk} URN {line.school.urn}"
        writer.writerow(
            (name, urn, line.amount_pence, f"{line.amount_pence / 100:.2f}", run.pay_on.isoformat(), reference)
        )
    return out.getvalue().encode("utf-8")


def legacy_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
