from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development tooling: the national synthetic data generator (``manage.py
    generate_synthetic``) and the benchmarks (``make bench``). No models."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "devtools"
