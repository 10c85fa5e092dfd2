"""A case with a piece of evidence for each body (``case_id``, ``casedocument_id``)."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile

from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseDocument, Pupil
from tests.factories import own_academy
from tests.isolation.world import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def extend(world: World) -> None:
    for body, user, secret in (
        (world.body_a, world.user_a, "Alpha Evidence"),
        (world.body_b, world.user_b, "Bravo Secret Evidence"),
    ):
        school = own_academy(body, name=f"{secret} School")
        with tenant_context(body):
            pupil = Pupil.objects.create(
                responsible_body=body, school=school, year_group="Y5", sen_status="sen_support", primary_need="SEMH"
            )
            case = Case.objects.create(
                responsible_body=body,
                reference=f"EV-{body.pk}-{pupil.pk}",
                school=school,
                pupil=pupil,
                need_description=f"{secret} need",
                created_by_label=user.email,
            )
            document = CaseDocument(
                responsible_body=body,
                case=case,
                original_name=f"{secret} report.pdf",
                content_type="application/pdf",
                size_bytes=len(PDF),
                sha256=hashlib.sha256(PDF).hexdigest(),
                uploaded_by=user,
                uploaded_by_label=user.email,
            )
            document.file.save("report.pdf", ContentFile(PDF), save=False)
            document.save()
    world.b_markers += ["Bravo Secret Evidence report.pdf", "Bravo Secret Evidence need"]
