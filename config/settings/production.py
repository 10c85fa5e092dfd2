"""Production: refuses to start without a secret key, allowed hosts and a database URL."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

for _required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "PUPIL_DATA_KEY", "PUPIL_UPN_HASH_KEY"):
    if not env(_required, default=""):
        raise ImproperlyConfigured(f"{_required} must be set in production.")

if not env("REDIS_URL", default=""):
    raise ImproperlyConfigured("REDIS_URL must be set in production (Celery broker, shared cache and rate limits).")
if not env("EMAIL_URL", default="") and env("EMAIL_BACKEND", default="").endswith("console.EmailBackend"):
    raise ImproperlyConfigured("Set EMAIL_URL in production: sign-in links must not end up in logs.")
if not env("EMAIL_URL", default="") and not env("EMAIL_BACKEND", default=""):
    raise ImproperlyConfigured("Set EMAIL_URL (SMTP) in production: sign-in links must not end up in logs.")

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DEMO_PASSWORDS_ENABLED = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")  # noqa: F405
