"""Comments on a case between the school and the body's decision officers."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class CaseComment(TenantOwnedModel):
    """A note on a case from the school or an officer. Never edited or deleted; the author's
    label is kept so the comment reads the same after the account is gone."""

    case = models.ForeignKey("exceptional_resource.Case", on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(max_length=254)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["responsible_body", "case", "created_at"], name="casecomment_case")]
        constraints = [models.CheckConstraint(condition=~models.Q(text=""), name="casecomment_text_not_empty")]

    def __str__(self) -> str:
        return f"Comment on {self.case_id}"
