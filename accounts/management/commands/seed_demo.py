"""Load demo data for every app and print the demo sign-ins. Idempotent.

Each app may provide ``<app>/demo.py`` with ``seed(ctx)``; they run in INSTALLED_APPS
order (accounts, groupings, pooling, exceptional_resource, partnerships), the way Django's
admin autodiscovers ``admin.py`` modules."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DemoContext
from accounts.models import User
from core.db_roles import owner_connection
from core.tenancy import platform_context

PROJECT_APPS = ("accounts", "groupings", "pooling", "exceptional_resource", "partnerships")


class Command(BaseCommand):
    help = "Create demo bodies, schools and people (local settings only) and print the sign-ins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", metavar="PATH", help="Also write the sign-ins as JSON to PATH ('-' for stdout).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "DEMO_PASSWORDS_ENABLED", False):
            raise CommandError(
                "seed_demo runs only with local or test settings: demo passwords are not for production."
            )
        # The demo writes the school register, which the runtime role may only read.
        with owner_connection(), transaction.atomic(), platform_context():
            staff = User.objects.filter(email="platform@inclusion-pool.example").first()
            if staff is None:
                staff = User.objects.create_superuser(email="platform@inclusion-pool.example", password=DEMO_PASSWORD)
            ctx = DemoContext(staff=staff)
            ctx.sign_ins.append(
                {"email": staff.email, "password": DEMO_PASSWORD, "role": "platform_staff", "body": "", "school": ""}
            )
            for label in PROJECT_APPS:
                if not apps.is_installed(label):
                    continue
                try:
                    module = importlib.import_module(f"{label}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{label}.demo":
                        raise
                    continue
                module.seed(ctx)
        if options["json"] == "-":
            self.stdout.write(json.dumps(ctx.sign_ins, indent=2))
            return
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(ctx.sign_ins, indent=2))
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Sign in with any of these (password for all: {DEMO_PASSWORD}):")
        )
        for s in ctx.sign_ins:
            where = s["body"] + (f" – {s['school']}" if s["school"] else "")
            self.stdout.write(f"  {s['email']:<42} {s['role']:<18} {where}")
