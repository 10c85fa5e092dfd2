"""A report type for testing the framework (registered in test processes and test workers
through ``REPORT_TYPE_MODULES``). Its parameters steer it: how many steps, how long each
step sleeps, whether to fail, to fail transiently on the first attempt, or to crash."""

from __future__ import annotations

import time

from django import forms
from django.db import OperationalError

from reports.jobs import ReportFailed, ReportJob
from reports.registry import ReportParametersForm, ReportType, register_report_type

SELFTEST = "selftest"


class SelftestForm(ReportParametersForm):
    title = forms.CharField(max_length=80, error_messages={"required": "Enter a title"})
    steps = forms.IntegerField(min_value=1, max_value=50, initial=3)
    sleep_seconds = forms.FloatField(min_value=0, max_value=10, initial=0, required=False)
    behaviour = forms.ChoiceField(
        choices=[("ok", "Succeed"), ("fail", "Fail"), ("transient_once", "Transient once"), ("crash", "Crash")],
        initial="ok",
        required=False,
    )

    def describe(self) -> str:
        return self.cleaned_data["title"]


def build_selftest(job: ReportJob) -> None:
    params = job.parameters
    behaviour = params.get("behaviour") or "ok"
    if behaviour == "transient_once" and job.run.attempts == 1:
        raise OperationalError("the database went away (test)")
    steps = int(params["steps"])
    for step in range(steps):
        time.sleep(float(params.get("sleep_seconds") or 0))
        job.progress(int(100 * (step + 1) / (steps + 1)), f"Step {step + 1} of {steps}")
    if behaviour == "fail":
        raise ReportFailed("Totals do not reconcile: section total £10.00 but ledger £10.01.")
    if behaviour == "crash":
        raise ZeroDivisionError("division by zero")
    job.add_file(
        "summary.txt", "text/plain", f"{params['title']}\nattempt {job.run.attempts}\n".encode(), label="Summary"
    )
    with job.open_file("rows.csv", "text/csv") as handle:
        for i in range(steps):
            handle.write(f"{i},{i * 100}\n".encode())


def register() -> None:
    register_report_type(
        ReportType(
            key=SELFTEST,
            label="Self-test report",
            description="Used by the tests.",
            builder=build_selftest,
            form_class=SelftestForm,
            monthly=lambda tenant, today: [{"title": f"Monthly {today:%B %Y}", "steps": 1}],
        )
    )


register()
