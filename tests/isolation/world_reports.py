"""Report runs and files for both bodies (``reportrun_id``, ``reportfile_id``), built by the
framework's own service with the test report type."""

from __future__ import annotations

from reports import services
from tests.isolation.world import World
from tests.reports.report_types import SELFTEST


def extend(world: World) -> None:
    for body, user, secret in (
        (world.body_a, world.user_a, "Alpha Report"),
        (world.body_b, world.user_b, "Bravo Secret Report"),
    ):
        run = services.report_run_request(
            actor=user, tenant=body, report_type=SELFTEST, data={"title": secret, "steps": 1}
        )
        services.report_run_execute(report_run_id=run.pk, task_id=f"world-{body.pk}")
    world.b_markers += ["Bravo Secret Report"]
