"""Writes for exceptional resource, split by sub-domain: ``pupils`` and ``cases`` (the
case workflow: drafting, submitting, information requests, decisions, awards)."""

from exceptional_resource.services.pupils import pupil_create, pupil_identity_view, pupil_transfer

__all__ = ["pupil_create", "pupil_identity_view", "pupil_transfer"]
