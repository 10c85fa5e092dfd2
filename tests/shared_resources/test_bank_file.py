"""The bank file of a payment run: built once when the run is sent and stored with its
checksum, so a later rename of a school or payee changes nothing downloaded; each payee's
sort code and account number on its line; BACS references (at most 18 characters of
A-Z 0-9 . & / - and space, one per line); cells neutralised against spreadsheet formulas."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path

import pytest

from core.tenancy import platform_context, tenant_context
from groupings.models import School
from pooling.models import Payee, PaymentRun
from pooling.services.payment_runs import (
    bank_reference,
    payment_run_bank_file_download,
    payment_run_send,
)
from pooling.services.payments import payment_run_confirm
from shared_resources.services.funding import funding_commit
from shared_resources.services.register import resource_register
from tests.shared_resources.conftest import Scene, base_fields, teacher

pytestmark = pytest.mark.django_db
BACS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.&/- ")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "private"


def _run(scene: Scene, *, payee: str, reference: str) -> PaymentRun:
    post = teacher(scene, payee=payee, sort_code="12-34-56", account_number="12345678", payment_reference=reference)
    base = resource_register(actor=scene.finance.user, tenant=scene.body, **base_fields(scene))
    for resource, amount in ((post, 60_000_00), (base, 36_500_00)):
        funding_commit(
            actor=scene.finance.user,
            tenant=scene.body,
            resource_id=resource.pk,
            pool_id=scene.pool.pk,
            amount_pence=amount,
            starts_on=date(2026, 9, 1),
            ends_on=date(2027, 8, 31),
        )
    return payment_run_confirm(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 10, 31),
        pay_on=date(2026, 11, 2),
    )


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


@pytest.mark.parametrize(
    "reference",
    ["", "IMF SPEC TEACHING!", "ref_with*odd=chars", "=1+2", "a" * 18],
)
def test_every_line_has_bank_details_and_a_bacs_reference(scene: Scene, reference: str) -> None:
    run = _run(scene, payee="Meadow Trust (employer)", reference=reference)
    file = payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk)
    header, *lines = _rows(file.content)
    assert header == [
        "payee",
        "urn",
        "sort_code",
        "account_number",
        "amount_pence",
        "amount",
        "payment_date",
        "reference",
    ]
    by_name = {line[0]: line for line in lines}
    assert by_name["Meadow Trust (employer)"][2:4] == ["123456", "12345678"]
    references = [line[7] for line in lines]
    assert all(0 < len(r) <= 18 and set(r) <= BACS for r in references), references
    assert len(set(references)) == len(references) == 2
    assert all(f"R{run.pk} L" in r for r in references)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("", "IMF POOL R7 L1"),
        ("imf spec teach", "IMF SPEC TEA R7 L1"),
        ("=cmd|' /C calc'!A0", "CMD /C CALC R7 L1"),
        # A reference with too few BACS letters or digits gives way to "IMF POOL": a
        # reference carries at least six.
        ("\t\r@@", "IMF POOL R7 L1"),
        ("***", "IMF POOL R7 L1"),
        ("- . & /", "IMF POOL R7 L1"),
        ("A", "IMF POOL R7 L1"),
        ("ab", "AB R7 L1"),
    ],
)
def test_bank_references_are_at_most_18_bacs_characters(base: str, expected: str) -> None:
    reference = bank_reference(run_id=7, line_no=1, base=base)
    assert reference == expected
    assert len(reference) <= 18
    assert sum(c.isalnum() for c in reference) >= 6
    assert set(reference) <= BACS
    long = bank_reference(run_id=123456, line_no=9999, base="X" * 40)
    assert len(long) <= 18
    assert long.endswith("R123456 L9999")


def test_a_name_like_a_formula_is_neutralised(scene: Scene) -> None:
    run = _run(scene, payee='=HYPERLINK("http://evil.example","x")', reference="")
    file = payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk)
    names = [line[0] for line in _rows(file.content)[1:]]
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not any(name[:1] in ("=", "+", "-", "@", "\t", "\r") for name in names)


def test_the_file_is_stored_when_sent_and_a_later_rename_changes_nothing_downloaded(scene: Scene) -> None:
    run = _run(scene, payee="Meadow Trust (employer)", reference="")
    sent = payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk)
    with tenant_context(scene.body):
        stored = PaymentRun.objects.get(pk=run.pk)
        assert stored.bank_file.name.endswith(".csv")
        with stored.bank_file.open("rb") as handle:
            assert handle.read() == sent.content
        assert stored.bank_file_sha256 == hashlib.sha256(sent.content).hexdigest()
        Payee.objects.update(name="Meadow Learning Trust")
    with platform_context():
        School.objects.filter(pk=scene.other_school.pk).update(name="Hill Academy (renamed)")
    again = payment_run_bank_file_download(actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk)
    assert again.content == sent.content
    assert "Hill Academy (renamed)" not in again.content.decode()


def test_a_run_sent_before_files_were_stored_downloads_its_six_column_file(scene: Scene) -> None:
    run = _run(scene, payee="Meadow Trust (employer)", reference="IMF SPEC TEACH")
    payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk)
    with tenant_context(scene.body):
        lines = list(run.lines.select_related("school", "payee").order_by("school__name", "payee__name", "pk"))
    # What the run's file was when sent before files were stored: six columns, no bank details.
    rows = ["payee,urn,amount_pence,amount,payment_date,reference"]
    for line in lines:
        if line.payee is not None:
            name, urn, reference = line.payee.name, "", "IMF SPEC TEACH"
        else:
            assert line.school is not None
            name, urn, reference = (
                line.school.name,
                str(line.school.urn),
                f"IMF POOL RUN {run.pk} URN {line.school.urn}",
            )
        rows.append(f"{name},{urn},{line.amount_pence},{line.amount_pence / 100:.2f},2026-11-02,{reference}")
    sent_then = ("\r\n".join(rows) + "\r\n").encode()
    assert len(lines) == 2
    with tenant_context(scene.body):
        PaymentRun.objects.filter(pk=run.pk).update(
            bank_file="", bank_file_sha256=hashlib.sha256(sent_then).hexdigest()
        )

    again = payment_run_bank_file_download(actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk)

    assert again.content == sent_then
    assert again.sha256 == hashlib.sha256(sent_then).hexdigest()
