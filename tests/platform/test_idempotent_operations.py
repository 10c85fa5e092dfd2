"""Every money-moving API operation honours ``Idempotency-Key`` through the one decorator
(``core.api.idempotent``), and the OpenAPI schema tells clients so (issue 19)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from exceptional_resource.apis.awards import AwardEndApi, AwardRecoverApi, AwardVaryApi, ReviewDecideApi
from exceptional_resource.apis.workflow import CaseDecideApi
from pooling.apis.contributions import ReceiptRecordApi
from pooling.apis.ledger import TransactionReverseApi
from pooling.apis.payment_runs import PaymentLineReturnedApi, PaymentRunFailedApi
from pooling.apis.payments import PaymentRunConfirmApi
from shared_resources.apis.register import FundingCommitApi, FundingEndApi, FundingVaryApi
from shared_resources.apis.requests import RequestAllocateApi

MONEY_MOVING = {
    CaseDecideApi: "/api/v1/bodies/{body_slug}/cases/{case_id}/decide/",
    AwardVaryApi: "/api/v1/bodies/{body_slug}/awards/{award_id}/vary/",
    AwardEndApi: "/api/v1/bodies/{body_slug}/awards/{award_id}/end/",
    ReviewDecideApi: "/api/v1/bodies/{body_slug}/cases/{case_id}/review-decision/",
    AwardRecoverApi: "/api/v1/bodies/{body_slug}/awards/{award_id}/recoveries/",
    PaymentRunConfirmApi: "/api/v1/bodies/{body_slug}/pools/{pool_id}/payment-runs/confirm/",
    ReceiptRecordApi: "/api/v1/bodies/{body_slug}/pools/contributions/{contribution_id}/receipts/new/",
    TransactionReverseApi: "/api/v1/bodies/{body_slug}/pools/transactions/{transaction_id}/reverse/",
    RequestAllocateApi: "/api/v1/bodies/{body_slug}/shared-resources/requests/{resourcerequest_id}/allocate/",
    FundingCommitApi: "/api/v1/bodies/{body_slug}/shared-resources/{sharedresource_id}/fund/",
    FundingVaryApi: "/api/v1/bodies/{body_slug}/shared-resources/fundings/{resourcefunding_id}/vary/",
    FundingEndApi: "/api/v1/bodies/{body_slug}/shared-resources/fundings/{resourcefunding_id}/end/",
    PaymentRunFailedApi: "/api/v1/bodies/{body_slug}/pools/payment-runs/{paymentrun_id}/failed/",
    PaymentLineReturnedApi: (
        "/api/v1/bodies/{body_slug}/pools/payment-runs/{paymentrun_id}/lines/{paymentrunline_id}/returned/"
    ),
}


@pytest.mark.parametrize("view", list(MONEY_MOVING), ids=lambda v: v.__name__)
def test_every_money_moving_operation_uses_the_one_decorator(view: type) -> None:
    assert getattr(view.post, "idempotent", False) is True


@pytest.mark.django_db
def test_the_schema_documents_the_optional_header_on_each_of_them() -> None:
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    missing = [p for p in MONEY_MOVING.values() if p not in schema["paths"]]
    assert missing == []
    for path in MONEY_MOVING.values():
        params = {(p["name"], p["in"]): p for p in schema["paths"][path]["post"].get("parameters", [])}
        header = params[("Idempotency-Key", "header")]
        assert header.get("required", False) is False
        assert "24 hours" in header["description"]
    documented = [
        path
        for path, ops in schema["paths"].items()
        if any(p.get("name") == "Idempotency-Key" for p in ops.get("post", {}).get("parameters", []))
    ]
    assert sorted(documented) == sorted(MONEY_MOVING.values())
