"""Settings shared by every environment. Read from the environment (django-environ).

The operations contract (README "Configuration"):
- DATABASE_URL: what the app connects as at runtime (a role that neither owns the
  tables nor bypasses row-level security);
- DATABASE_OWNER_URL: the role that owns the schema and runs migrations;
- DATABASE_ADMIN_URL: used only by `make db` to create roles and databases;
- REDIS_URL: cache, Celery broker. Without it a filesystem broker is used (demo only).
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.logging import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

DEFAULT_RUNTIME_DATABASE_URL = "postgres://inclusion_pool_app:app-dev-password@127.0.0.1:5432/inclusion_pool"
DEFAULT_OWNER_DATABASE_URL = "postgres://inclusion_pool_owner:owner-dev-password@127.0.0.1:5432/inclusion_pool"
DEFAULT_ADMIN_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
APP_VERSION = env("APP_VERSION", default="0.1.0")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
    "django_celery_results",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "django_htmx",
    "csp",
    "core",
    "core.outbox",
    "core.idempotency",
    "core.backup",
    "accounts",
    "notifications",
    "reports",
    "groupings",
    "pooling",
    "exceptional_resource",
    "partnerships",
    "shared_resources",
    "collaboration",
    "assurance",
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "core.request_ids.RequestIdHeaderMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.IdleSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.StorageUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "config.forms.GovukFormRenderer"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------


def socket_host(config: dict[str, Any]) -> dict[str, Any]:
    """A Unix-socket URL (``postgres://user:pw@/db?host=/dir&port=5432``, as the embedded
    PostgreSQL of ``make run`` and ``make test`` gives) leaves HOST empty and the directory
    in OPTIONS; move it to HOST and PORT, where code that copies a connection's
    credentials (the test roles, a test's Celery worker) finds it."""
    options = config.get("OPTIONS") or {}
    if not config.get("HOST") and str(options.get("host", "")).startswith("/"):
        config["HOST"] = options.pop("host")
        if options.get("port"):
            config["PORT"] = options.pop("port")
    return config


DATABASES = {
    "default": socket_host(env.db("DATABASE_URL", default=DEFAULT_RUNTIME_DATABASE_URL)),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Timeouts (docs/operations.md, "Timeouts"): a database that does not answer the connect
# within DATABASE_CONNECT_TIMEOUT_SECONDS is an error, not a hung thread, and no statement
# runs longer than DATABASE_STATEMENT_TIMEOUT_MS (0 turns the limit off).
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT_SECONDS", default=5)
_statement_timeout_ms = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=120_000)
if _statement_timeout_ms:
    DATABASES["default"]["OPTIONS"]["options"] = f"-c statement_timeout={_statement_timeout_ms}"
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_inclusion_pool")}
DATABASE_OWNER_URL = env("DATABASE_OWNER_URL", default=DEFAULT_OWNER_DATABASE_URL)
DATABASE_OWNER = socket_host(environ.Env.db_url_config(DATABASE_OWNER_URL))  # core.db_roles
DATABASE_ADMIN_URL = env("DATABASE_ADMIN_URL", default=DEFAULT_ADMIN_DATABASE_URL)
# manage.py backup dumps as this role: LOGIN, BYPASSRLS, pg_read_all_data, nothing else
# (scripts/db_setup.py creates it). The superuser (DATABASE_ADMIN_URL) works too.
DATABASE_BACKUP_URL = env("DATABASE_BACKUP_URL", default=DATABASE_ADMIN_URL)
# The role the app runs as: migrations grant it table privileges (core.signals).
DATABASE_RUNTIME_ROLE = env("DATABASE_RUNTIME_ROLE", default=DATABASES["default"]["USER"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Redis timeouts: a Redis that is down or hung (SIGSTOP, a full network buffer) costs a
# request at most about REDIS_SOCKET_TIMEOUT_SECONDS once, then nothing for
# CACHE_RETRY_AFTER_SECONDS: the cache fails open (core.cache), the outbox backs off.
REDIS_CONNECT_TIMEOUT_SECONDS = env.float("REDIS_CONNECT_TIMEOUT_SECONDS", default=0.5)
REDIS_SOCKET_TIMEOUT_SECONDS = env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=1.0)
CACHE_RETRY_AFTER_SECONDS = env.float("CACHE_RETRY_AFTER_SECONDS", default=5.0)
CACHE_REDIS_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
}
# Publishing tries the broker once (kombu would otherwise sleep 2 s and more between
# tries inside the request); the outbox's sweep is the retry. Workers and beat reconnect
# on their own (CELERY_BROKER_CONNECTION_MAX_RETRIES below).
BROKER_REDIS_TRANSPORT_OPTIONS = {**CACHE_REDIS_OPTIONS, "max_retries": 0}
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": REDIS_URL, "OPTIONS": CACHE_REDIS_OPTIONS}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = dict(BROKER_REDIS_TRANSPORT_OPTIONS)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env("CELERY_FILESYSTEM_BROKER_DIR", default=str(BASE_DIR / ".data" / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "polling_interval": 0.1,
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_CACHE_BACKEND = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT_SECONDS
# Workers and beat keep trying to reach a broker that is away (at start-up too).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None

# The outbox (core.outbox; docs/operations.md, "Broker outage").
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60.0)
OUTBOX_REDELIVER_AFTER_SECONDS = env.int("OUTBOX_REDELIVER_AFTER_SECONDS", default=15 * 60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=20)
OUTBOX_BROKER_BACKOFF_SECONDS = env.float("OUTBOX_BROKER_BACKOFF_SECONDS", default=15.0)

# Idempotency-Key on money-moving API operations (core.idempotency): how long a key and
# the answer it gives are kept. Beat deletes expired keys hourly.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# --- Auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "accounts.tokens.ResetTokenGenerator"  # noqa: S105 (a class path; ages in UTC)
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# Passkeys (WebAuthn) alongside authenticator apps: for the second step, for signing in with
# the passkey alone, and for step-up (accounts.stepup). The JS is allauth's static files.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Inclusion Pool"
# One 30-second step either side (RFC 6238, section 5.2): a code typed as the phone's window
# turns over, or from a phone whose clock is a few seconds out, is still accepted. allauth
# marks a used code for the whole window, so a code still works only once.
MFA_TOTP_TOLERANCE = 1
# Sign-up is by invitation only; allauth's open sign-up is closed by the adapter.

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username"]
# We lock the account (by username) on purpose: an attacker rotating addresses must not get
# more guesses at one account. Request-rate limits per address are allauth's own.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "accounts.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a try while locked never restarts it (docs/security.md)

SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# --- Stored files -----------------------------------------------------------------
# Every stored file goes through STORAGES (core/storage.py): "default" (remittance
# advice, agreements, report files, uploads in progress) and "evidence" (case evidence).
# Private local disk under PRIVATE_MEDIA_ROOT unless STORAGE_S3_BUCKET names a bucket of
# an S3-compatible object store (django-storages), which a multi-host deployment needs.
MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / ".data" / "private")))
STORAGE_S3 = {
    "bucket_name": env("STORAGE_S3_BUCKET", default=""),
    "endpoint_url": env("STORAGE_S3_ENDPOINT_URL", default="") or None,
    "access_key": env("STORAGE_S3_ACCESS_KEY_ID", default="") or None,
    "secret_key": env("STORAGE_S3_SECRET_ACCESS_KEY", default="") or None,
    "region_name": env("STORAGE_S3_REGION", default="") or None,
    "addressing_style": env("STORAGE_S3_ADDRESSING_STYLE", default="path"),
    "timeout_seconds": env.float("STORAGE_S3_TIMEOUT_SECONDS", default=10.0),
    "max_attempts": env.int("STORAGE_S3_MAX_ATTEMPTS", default=3),
}


def stored_files(location: str, s3: dict[str, Any] = STORAGE_S3) -> dict[str, Any]:
    """The STORAGES entry for files under ``location``: the S3-compatible store when ``s3``
    names a bucket, else private local disk."""
    if not s3["bucket_name"]:
        return {"BACKEND": "core.storage.PrivateFileSystemStorage", "OPTIONS": {"subdir": location}}
    from botocore.config import Config

    options = {k: v for k, v in s3.items() if k not in {"timeout_seconds", "max_attempts"}}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **options,
            "location": location,
            "default_acl": None,  # the bucket's own (private) policy; objects are never public
            "querystring_auth": True,
            "file_overwrite": False,
            "client_config": Config(
                connect_timeout=s3["timeout_seconds"],
                read_timeout=s3["timeout_seconds"],
                retries={"max_attempts": s3["max_attempts"], "mode": "standard"},
            ),
        },
    }


STORAGES = {
    "default": stored_files(""),
    "evidence": stored_files("evidence"),
    "staticfiles": {"BACKEND": "core.static_storage.StaticFilesStorage"},
}
REPORTS_RETENTION_DAYS = env.int("REPORTS_RETENTION_DAYS", default=90)
REPORTS_STALE_AFTER_SECONDS = env.int("REPORTS_STALE_AFTER_SECONDS", default=600)
REPORTS_MAX_ATTEMPTS = env.int("REPORTS_MAX_ATTEMPTS", default=5)
REPORTS_RETRY_BASE_SECONDS = env.float("REPORTS_RETRY_BASE_SECONDS", default=10.0)
# Extra modules imported at start-up that register report types (tests add their own).
REPORT_TYPE_MODULES: list[str] = []

# --- API ------------------------------------------------------------------------
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=90)
# JSON bodies past these limits are a 400 (core.parsers): bytes, and nesting of [ and {.
API_JSON_MAX_BYTES = env.int("API_JSON_MAX_BYTES", default=1024 * 1024)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
# Step-up authentication (accounts/stepup.py): how old the last authenticator code may be
# when a sensitive action is taken.
STEP_UP_MAX_AGE_MINUTES = env.int("STEP_UP_MAX_AGE_MINUTES", default=15)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Inclusion Pool API",
    "DESCRIPTION": (
        "Pooled Inclusive Mainstream Fund for responsible bodies' SEND groupings. "
        "Authenticate with a session or `Authorization: Token <key>`."
    ),
    "VERSION": APP_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name with another get a name of their own.
    "ENUM_NAME_OVERRIDES": {
        "SettingKindEnum": "partnerships.models.provision.SettingKind",
        "MemberKindEnum": "partnerships.models.partnership.MemberKind",
        "PlanActionStatusEnum": "partnerships.models.plan.ActionStatus",
        "ForumSessionStatusEnum": "collaboration.models.forum.SessionStatus",
        "PeerReviewStatusEnum": "collaboration.models.forum.PeerReviewStatus",
        "AgreedActionStatusEnum": "collaboration.models.forum.ActionStatus",
    },
}

# --- Security headers -------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env("EMAIL_URL", default=""):
    # e.g. smtp+tls://user:password@smtp.example.org:587
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Inclusion Pool <no-reply@inclusion-pool.invalid>")

# --- Logging (config/logging.py: structlog's events go through these handlers too) ---
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(level=LOG_LEVEL, log_format=env("LOG_FORMAT", default="plain"))
configure_structlog()
DJANGO_STRUCTLOG_CELERY_ENABLED = True
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
HEALTHZ_WORKER_TIMEOUT_SECONDS = env.float("HEALTHZ_WORKER_TIMEOUT_SECONDS", default=3.0)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
UPLOAD_VIRUS_SCANNER = env("UPLOAD_VIRUS_SCANNER", default="core.uploads.NoScanner")
# With UPLOAD_VIRUS_SCANNER=core.uploads.ClamdScanner: tcp://host:port or unix:///path.
CLAMD_ADDRESS = env("CLAMD_ADDRESS", default="tcp://127.0.0.1:3310")
CLAMD_TIMEOUT_SECONDS = env.float("CLAMD_TIMEOUT_SECONDS", default=30.0)
# A file past UPLOAD_MAX_BYTES is not kept in memory or on disk (core.uploads).
FILE_UPLOAD_HANDLERS = [
    "core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Pupils' names and UPNs (exceptional_resource.pupil_data): Fernet key and HMAC key.
PUPIL_DATA_KEY = env("PUPIL_DATA_KEY", default="")
PUPIL_UPN_HASH_KEY = env("PUPIL_UPN_HASH_KEY", default="")
HEALTHZ_CACHE_SECONDS = env.int("HEALTHZ_CACHE_SECONDS", default=5)
# Networks (CIDR, comma-separated) whose REMOTE_ADDR may see /healthz's error details (hosts,
# roles); platform staff always may. Empty by default: behind a reverse proxy on the same
# host every visitor arrives from 127.0.0.1, so loopback is never trusted unless listed.
HEALTHZ_DETAIL_NETWORKS = env.list("HEALTHZ_DETAIL_NETWORKS", default=[])
for _cidr in HEALTHZ_DETAIL_NETWORKS:
    try:
        ipaddress.ip_network(_cidr.strip(), strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"HEALTHZ_DETAIL_NETWORKS: {_cidr!r} is not a network (e.g. 10.0.0.0/8)") from _exc

# Periodic jobs, declared in one place; django-celery-beat's DatabaseScheduler copies them
# into the database, where they can be seen and paused in the admin.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "outbox.sweep", "schedule": OUTBOX_SWEEP_SECONDS, "options": {"expires": 5 * 60}},
    "idempotency-purge-expired": {"task": "idempotency.purge_expired", "schedule": 60 * 60},
    "reports-requeue-stale": {"task": "reports.reports_requeue_stale", "schedule": 5 * 60},
    "reports-expire": {"task": "reports.reports_expire", "schedule": 24 * 60 * 60},
    "reports-monthly": {
        "task": "reports.reports_schedule_monthly",
        "schedule": crontab(minute="0", hour="6", day_of_month="1"),
    },
    "partnership-need-signals": {
        "task": "partnerships.need_signals_refresh_all",
        "schedule": crontab(minute="30", hour="2"),
        "options": {"expires": 12 * 60 * 60},
    },
    "mark-reviews-due": {
        "task": "exceptional_resource.mark_reviews_due",
        "schedule": 24 * 60 * 60,
        "options": {"expires": 6 * 60 * 60},
    },
    "payment-runs-settle": {
        "task": "pooling.payment_runs_settle_due",
        "schedule": crontab(minute="15", hour="6"),
        "options": {"expires": 12 * 60 * 60},
    },
    "notification-digests": {
        "task": "notifications.send_notification_digests",
        "schedule": crontab(minute="0", hour="7"),
        "options": {"expires": 12 * 60 * 60},
    },
    "notifications-unsent": {"task": "notifications.send_unsent_notifications", "schedule": 10 * 60},
    "advice-requests-expire": {"task": "collaboration.expire_advice_requests", "schedule": 10 * 60},
    "retention-run": {
        "task": "exceptional_resource.retention_run",
        "schedule": crontab(minute="45", hour="3"),
        "options": {"expires": 12 * 60 * 60},
    },
}
