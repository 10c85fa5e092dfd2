from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_automation_issue
from core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Make an API token for EMAIL and print its key once, for use as 'Authorization: Token <key>'. Only "
        "the key's SHA-256 is stored, as for the tokens people make in the browser. It expires after "
        "API_TOKEN_MAX_AGE_DAYS (90 by default); --rotate revokes the user's live automation token and makes "
        "a new one."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--rotate", action="store_true", help="Revoke the user's automation token, make a new one.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with email {options['email']!r}.")
        try:
            _, key = api_token_automation_issue(user=user, rotate=options["rotate"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
