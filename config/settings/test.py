"""Test settings: real PostgreSQL and real Redis.

The schema owner creates and migrates the test database; tests then run as the runtime
role, so row-level security is in force for every test (tests/conftest.py switches). A
Celery worker started by a test connects straight to the test database as the runtime
role (``TEST_AS_RUNTIME_ROLE=1``)."""

import os

import environ

from .base import *  # noqa: F403
from .base import (
    BROKER_REDIS_TRANSPORT_OPTIONS,
    CACHE_REDIS_OPTIONS,
    DATABASE_OWNER_URL,
    DATABASES,
    env,
    socket_host,
)

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_PASSWORDS_ENABLED = True
DATABASES["default"]["CONN_MAX_AGE"] = 0

_CREDENTIAL_KEYS = ("USER", "PASSWORD", "HOST", "PORT")
TEST_RUNTIME_CREDENTIALS = {k: DATABASES["default"][k] for k in _CREDENTIAL_KEYS}
_owner = socket_host(environ.Env.db_url_config(DATABASE_OWNER_URL))
TEST_OWNER_CREDENTIALS = {k: _owner[k] for k in _CREDENTIAL_KEYS}
if not env.bool("TEST_AS_RUNTIME_ROLE", default=False):
    DATABASES["default"].update(TEST_OWNER_CREDENTIALS)
MIGRATE_AS_CONNECTED_USER = True
DATABASE_RUNTIME_ROLE_MAY_TRUNCATE = True  # TransactionTestCase flushes tables between tests
# The factories build schools as the runtime role; production grants it SELECT only (core.signals).
DATABASE_RUNTIME_ROLE_MAY_WRITE_REGISTER = True

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# A key prefix per test process; tests/conftest.py deletes its keys before each test.
CACHES = {
    "default": {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"test-{os.getpid()}",
        "OPTIONS": CACHE_REDIS_OPTIONS,
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = dict(BROKER_REDIS_TRANSPORT_OPTIONS)
# Each test process gets its own queue, so parallel runs and a running demo never share work.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default=f"inclusion-pool-test-{os.getpid()}")
CELERY_TASK_ALWAYS_EAGER = False

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Stored files as configured (private disk unless STORAGE_S3_BUCKET is set); the object
# store tests switch them to a real S3 server (tests/storage_server.py).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
AXES_ENABLED = True
HEALTHZ_WORKER_TIMEOUT_SECONDS = 5.0
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": env("LOG_LEVEL", default="WARNING")}}
PUPIL_DATA_KEY = "dGVzdC1vbmx5LXB1cGlsLWRhdGEta2V5LTAwMDAwMDA="
PUPIL_UPN_HASH_KEY = "test-only-upn-hash-key"
HEALTHZ_CACHE_SECONDS = 0  # each test sees a fresh check
# Report types used only by the tests, registered in the test process and in test workers.
REPORT_TYPE_MODULES = ["tests.reports.report_types"]

# N+1 queries fail the tests: django-zeal watches every request through the test client
# (pages and APIs) and raises where a relation is loaded row by row (issue 9).
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]  # noqa: F405
MIDDLEWARE = [*MIDDLEWARE, "zeal.middleware.zeal_middleware"]  # noqa: F405
ZEAL_RAISE = True
# Celery's database result backend polls for a result with repeated .get(): not an N+1.
# allauth.usersessions, at every sign-in, checks each of the person's other sessions still
# exists, one query each (bounded by their own devices): third-party housekeeping.
ZEAL_ALLOWLIST = [
    {"model": "django_celery_results.TaskResult", "field": "get()"},
    {"model": "sessions.Session", "field": "get()"},
]

# http://localhost in tests and the local demo (never production).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
