"""Evidence a school attaches to a case (professional reports, plans, letters), kept in
private storage under random names and served only through a permission-checked,
audited download."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from core.tenancy import TenantOwnedModel


class EvidenceStorage(FileSystemStorage):
    """``<MEDIA_ROOT>/evidence``: the private media root, which no URL serves. Files are
    readable by the app's own user only, and have no public URL."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @cached_property
    def base_location(self) -> str:
        return os.path.join(str(settings.MEDIA_ROOT), "evidence")

    def url(self, name: str | None) -> str:
        raise ValueError("Evidence has no public address; download it through the case's evidence view.")


evidence_storage = EvidenceStorage()


def _evidence_storage() -> EvidenceStorage:
    return evidence_storage


def evidence_path(instance: CaseDocument, filename: str) -> str:
    """A random name under the body's folder; the original name is kept only in the row."""
    extension = os.path.splitext(filename)[1].lower()[:6]
    return f"{instance.responsible_body_id}/{uuid.uuid4().hex}{extension}"


class CaseDocument(TenantOwnedModel):
    """One uploaded piece of evidence on a case."""

    case = models.ForeignKey("exceptional_resource.Case", on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(storage=_evidence_storage, upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_by_label = models.CharField(max_length=254)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["responsible_body", "case"], name="casedocument_body_case")]
        constraints = [models.CheckConstraint(condition=Q(size_bytes__gt=0), name="casedocument_not_empty")]

    def __str__(self) -> str:
        return self.original_name
