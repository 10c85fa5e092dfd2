from pooling.models.audit_grants import PoolAuditGrant
from pooling.models.funding import Contribution, ImfAllocation, ImfAllocationImport, Receipt
from pooling.models.ledger import Account, AccountKind, Leg, Pool, PoolStatus, Transaction, TransactionKind
from pooling.models.payments import (
    PAYMENT_RUN_TRANSITIONS,
    Instalment,
    InstalmentSchedule,
    Payee,
    PaymentRun,
    PaymentRunLine,
    Remittance,
)

__all__ = [
    "PAYMENT_RUN_TRANSITIONS",
    "Account",
    "AccountKind",
    "Contribution",
    "ImfAllocation",
    "ImfAllocationImport",
    "Instalment",
    "InstalmentSchedule",
    "Leg",
    "Payee",
    "PaymentRun",
    "PaymentRunLine",
    "Pool",
    "PoolAuditGrant",
    "PoolStatus",
    "Receipt",
    "Remittance",
    "Transaction",
    "TransactionKind",
]
