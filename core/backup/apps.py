from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "core.backup"
    label = "backup"
    verbose_name = "Backup and restore"
