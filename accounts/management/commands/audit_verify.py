from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import ResponsibleBody
from core.audit import audit_verify
from core.models import AuditEvent
from core.tenancy import platform_context


class Command(BaseCommand):
    help = "Check every body's audit hash chain; exit non-zero naming each altered or missing event."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--body", help="Only this body's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        with platform_context():
            body_ids: list[int | None] | None = None
            if options["body"]:
                body = ResponsibleBody.objects.filter(slug=options["body"]).first()
                if body is None:
                    raise CommandError(f"No body with slug {options['body']!r}.")
                body_ids = [body.pk]
            problems = audit_verify(body_ids=body_ids)
            total = (
                AuditEvent.objects.count()
                if body_ids is None
                else AuditEvent.objects.filter(responsible_body_id__in=body_ids).count()
            )
        for p in problems:
            self.stderr.write(f"body {p.body_id} event {p.event_id}: {p.reason}")
        if problems:
            raise CommandError(f"Audit chain broken: {len(problems)} problem(s) in {total} events.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {total} events checked."))
