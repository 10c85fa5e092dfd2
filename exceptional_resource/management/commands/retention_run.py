"""Apply the retention schedule now (what the daily Celery beat task does): erase the case
files past their date and anonymise their pupils. See docs/security.md."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import ResponsibleBody
from core.tenancy import platform_context
from exceptional_resource.services.retention import retention_due, retention_run


class Command(BaseCommand):
    help = (
        "Erase closed case files past the retention date of the grouping policy in force and "
        "anonymise their pupils, keeping the financial record. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--body", type=int, action="append", dest="body_ids", help="Only this body (repeatable).")
        parser.add_argument("--case", type=int, action="append", dest="case_ids", help="Only this case (repeatable).")
        parser.add_argument("--dry-run", action="store_true", help="List what is due and held; change nothing.")

    def handle(self, *args: Any, body_ids: list[int] | None, case_ids: list[int] | None, **options: Any) -> None:
        with platform_context():
            bodies = ResponsibleBody.objects.order_by("pk")
            if body_ids:
                bodies = bodies.filter(pk__in=body_ids)
            chosen = list(bodies)
        if body_ids and len(chosen) != len(set(body_ids)):
            missing = sorted(set(body_ids) - {b.pk for b in chosen})
            raise CommandError("No such body: " + ", ".join(str(b) for b in missing))
        today: date = timezone.localdate()
        for body in chosen:
            if options["dry_run"]:
                due, held = retention_due(tenant=body, today=today)
                if case_ids:
                    due = [pk for pk in due if pk in case_ids]
                self.stdout.write(f"{body.slug}: {len(due)} case(s) due {due}, {len(held)} held {held}")
                continue
            result = retention_run(tenant=body, today=today, case_ids=case_ids)
            self.stdout.write(
                f"{body.slug}: policy v{result.policy_version}, erased {len(result.erased_case_ids)} case(s) "
                f"{result.erased_case_ids}, anonymised {len(result.anonymised_pupil_ids)} pupil(s), "
                f"{len(result.held_case_ids)} held"
            )
