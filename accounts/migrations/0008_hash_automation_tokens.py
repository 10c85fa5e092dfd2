"""The automation tokens of ``manage.py create_api_token`` were DRF ``authtoken`` rows holding
the key in plain text. Each becomes an ``ApiToken`` holding only the key's SHA-256 (so the key
its automation already uses keeps working until its old expiry date), then the plain row is
deleted. Its actions are every action of the policy at this migration: the user's roles still
decide each request, as they did for the unscoped token."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import migrations

NAME = "Automation (manage.py create_api_token)"
ACTIONS = [
    "body.view",
    "members.manage",
    "audit.view",
    "pool.view",
    "money.move",
    "grouping.view",
    "grouping.manage",
    "case.raise",
    "case.view",
    "case.decide",
    "pupil.identity.view",
    "pupil.name.see_own",
    "governance.view",
    "report.request",
    "audit.export",
    "partnership.view",
    "annex.view",
    "shared_resources.view",
    "shared_resources.manage",
    "shared_resources.allocate",
    "shared_resources.request",
    "collaboration.use",
    "advice.seek",
    "advice.give",
    "session.organise",
    "forum.oversee",
    "peer_review.respond",
    "pool.audit",
]


def hash_plain_keys(apps: Any, schema_editor: Any) -> None:
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    max_age = timedelta(days=int(getattr(settings, "API_TOKEN_MAX_AGE_DAYS", 90)))
    for token in Token.objects.all():
        ApiToken.objects.create(
            user_id=token.user_id,
            name=NAME,
            prefix=token.key[:10],
            key_hash=hashlib.sha256(token.key.encode()).hexdigest(),
            read_only=False,
            actions=ACTIONS,
            created_at=token.created,
            expires_at=token.created + max_age,
        )
        token.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_api_tokens"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(hash_plain_keys, migrations.RunPython.noop)]
