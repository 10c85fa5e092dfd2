from pooling.models.audit_grants import PoolAuditGrant
from pooling.models.funding import Contribution, ImfAllocation, ImfAllocationImport, Receipt
from pooling.models.ledger import Account, AccountKind, Leg, Pool, PoolStatus, Transaction, TransactionKind
from pooling.models.payments import Instalment, InstalmentSchedule, Payee, PaymentRun, PaymentRunLine, Remittance

__all__ = [
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
