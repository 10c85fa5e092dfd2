"""List the outbox messages given up on (dead), and revive them once the cause is fixed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.outbox.services import outbox_dead_list, outbox_revive


class Command(BaseCommand):
    help = (
        "List outbox messages tried OUTBOX_MAX_ATTEMPTS times and given up on, with their last error; "
        "--revive ID [ID ...] or --revive-all gives them fresh tries (the next sweep hands them over)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--revive", nargs="+", type=int, default=[], metavar="ID", help="message ids to try again")
        parser.add_argument("--revive-all", action="store_true", help="try every dead message again")

    def handle(self, *args: Any, **options: Any) -> None:
        dead = outbox_dead_list()
        ids = [m.pk for m in dead] if options["revive_all"] else options["revive"]
        if ids:
            revived = outbox_revive(message_ids=ids)
            self.stdout.write(f"Revived {revived} of {len(ids)} message(s); the next sweep hands them over.")
            return
        if not dead:
            self.stdout.write("No dead outbox messages.")
            return
        for m in dead:
            self.stdout.write(
                f"#{m.pk} {m.task_name} kwargs={m.kwargs} attempts={m.attempts} "
                f"dead_at={m.dead_at:%Y-%m-%d %H:%M:%S} last_error={m.last_error}"
            )
        self.stdout.write(f"{len(dead)} dead message(s). Fix the cause, then: manage.py outbox_dead --revive-all")
