from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_create


class Command(BaseCommand):
    help = (
        "Print an API token for EMAIL, for use as 'Authorization: Token <key>'. Tokens expire after "
        "API_TOKEN_MAX_AGE_DAYS (90 by default); --rotate replaces a token at once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--rotate", action="store_true", help="Replace the user's token with a new key.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with email {options['email']!r}.")
        self.stdout.write(api_token_create(user=user, rotate=options["rotate"]).key)
