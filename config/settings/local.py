"""Local development and the `make run` demo.

DEBUG is off unless the environment turns it on (``DEBUG=true``): the demo is shown to
people who are not developers, and Django's technical 404 page lists every URL pattern.
With DEBUG off, the GOV.UK-style templates/404.html and 500.html answer instead."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="local-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
DEMO_PASSWORDS_ENABLED = True
PUPIL_DATA_KEY = env("PUPIL_DATA_KEY", default="cHVwaWwtZGF0YS1sb2NhbC1kZXYta2V5LTAwMDAwMDA=")  # dev only
PUPIL_UPN_HASH_KEY = env("PUPIL_UPN_HASH_KEY", default="local-dev-upn-hash-key")

# http://localhost in tests and the local demo (never production).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
