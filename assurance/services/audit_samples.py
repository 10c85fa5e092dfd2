"""Auditors' random samples of a period's ledger transactions, and the record of every look
down a sampled transaction's chain.

A sample is drawn with Python's ``random.Random(seed)`` over the population's positions
(transactions of the pool, optionally only those an award caused, in id order, up to the
largest id at the time of the draw). The seed, the population's size and its last id are
recorded with the drawn ids, so the same draw can be repeated and checked at any time
(``audit_sample_redraw``): the ledger is append-only, so the population never changes."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from assurance.error_codes import AssuranceError
from assurance.models import AuditSample
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError
from core.tenancy import tenant_context
from pooling.models import Pool

MAX_SAMPLE_SIZE = 200
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class Population:
    pool: Pool
    kind: str
    count: int
    max_transaction_id: int


def _population_filter(kind: str) -> str:
    return "AND source_type = 'award'" if kind == AuditSample.Population.AWARDS else ""


def population_of(*, tenant: ResponsibleBody, pool: Pool, kind: str, up_to_id: int | None = None) -> Population:
    """The transactions a sample is drawn from: how many, and the last id."""
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*), coalesce(max(id), 0) FROM pooling_transaction
                 WHERE responsible_body_id = %s AND pool_id = %s {_population_filter(kind)}
                   AND (%s::bigint IS NULL OR id <= %s::bigint)""",
            [tenant.pk, pool.pk, up_to_id, up_to_id],
        )
        count, max_id = cursor.fetchone()
    return Population(pool=pool, kind=kind, count=int(count), max_transaction_id=int(max_id))


def _draw(*, tenant: ResponsibleBody, population: Population, size: int, seed: int) -> list[int]:
    """The ids at ``size`` positions chosen by ``Random(seed)``, in ascending order. Reads
    only the chosen rows' ids (a window over the index), whatever the population's size."""
    positions = sorted(random.Random(seed).sample(range(1, population.count + 1), size))  # noqa: S311 - reproducible, not secret
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT id FROM (
                    SELECT id, row_number() OVER (ORDER BY id) AS position FROM pooling_transaction
                     WHERE responsible_body_id = %s AND pool_id = %s {_population_filter(population.kind)}
                       AND id <= %s
                ) numbered WHERE position = ANY(%s) ORDER BY id""",
            [tenant.pk, population.pool.pk, population.max_transaction_id, positions],
        )
        return [int(row[0]) for row in cursor.fetchall()]


def audit_sample_draw(
    *,
    actor: User,
    tenant: ResponsibleBody,
    period: str,
    size: int,
    population: str = AuditSample.Population.ALL,
    seed: int | None = None,
) -> AuditSample:
    """Draw ``size`` transactions at random from ``period``'s pool and record the draw."""
    with tenant_context(tenant):
        if not BodyAccess.load(actor, tenant).can(Action.EXPORT_AUDIT):
            raise ApplicationError(
                "Only the body's auditors can draw audit samples.", code=AssuranceError.NOT_AN_AUDITOR
            )
        if population not in AuditSample.Population.values:
            raise ApplicationError(
                "Choose every transaction or the transactions caused by awards.",
                code=AssuranceError.INVALID_POPULATION,
                field="population",
            )
        if size < 1:
            raise ApplicationError(
                "Enter a sample size of 1 or more.", code=AssuranceError.SAMPLE_TOO_SMALL, field="size"
            )
        if size > MAX_SAMPLE_SIZE:
            raise ApplicationError(
                f"Enter a sample size of at most {MAX_SAMPLE_SIZE}.", code=AssuranceError.SAMPLE_TOO_LARGE, field="size"
            )
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise ApplicationError(
                f"Enter a seed from 0 to {MAX_SEED}.", code=AssuranceError.INVALID_SEED, field="seed"
            )
        label = (period or "").strip()
        pool = Pool.objects.for_tenant(tenant).filter(label=label).first()
        if pool is None:
            known = ", ".join(Pool.objects.for_tenant(tenant).order_by("-starts_on").values_list("label", flat=True))
            raise ApplicationError(
                f"There is no pool for the period '{label}'." + (f" Periods with a pool: {known}." if known else ""),
                code=AssuranceError.UNKNOWN_PERIOD,
                field="period",
            )
    found = population_of(tenant=tenant, pool=pool, kind=population)
    if size > found.count:
        raise ApplicationError(
            f"The period {pool.label} has {found.count} matching transaction{'s' if found.count != 1 else ''}; "
            f"enter a sample size of at most {found.count}.",
            code=AssuranceError.SAMPLE_LARGER_THAN_POPULATION,
            field="size",
        )
    chosen_seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
    ids = _draw(tenant=tenant, population=found, size=size, seed=chosen_seed)
    with tenant_context(tenant), transaction.atomic():
        sample = AuditSample(
            responsible_body=tenant,
            pool=pool,
            population=population,
            size=size,
            seed=chosen_seed,
            population_count=found.count,
            population_max_transaction_id=found.max_transaction_id,
            transaction_ids=ids,
            drawn_by=actor,
            drawn_by_label=actor.email,
            drawn_at=timezone.now(),
        )
        sample.full_clean()
        sample.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.AUDIT_SAMPLE_DRAWN,
            obj=sample,
            label=f"Audit sample of {size} from {found.count} transactions in {pool.label} (seed {chosen_seed})",
            after={
                "period": pool.label,
                "population": population,
                "size": size,
                "seed": chosen_seed,
                "population_count": found.count,
                "population_max_transaction_id": found.max_transaction_id,
                "transaction_ids": ids,
            },
        )
    return sample


def audit_sample_redraw(*, tenant: ResponsibleBody, sample: AuditSample) -> list[int]:
    """Draw again with the sample's seed over its recorded population: equal to
    ``sample.transaction_ids`` unless the ledger was tampered with."""
    population = population_of(
        tenant=tenant, pool=sample.pool, kind=sample.population, up_to_id=sample.population_max_transaction_id
    )
    if population.count != sample.population_count:
        return []
    return _draw(tenant=tenant, population=population, size=sample.size, seed=sample.seed)


def audit_chain_view_record(
    *, actor: User, tenant: ResponsibleBody, sample: AuditSample, transaction_id: int, via: str
) -> None:
    """Record that ``actor`` opened a sampled transaction's chain (``via``: "page" or "api")."""
    with tenant_context(tenant), transaction.atomic():
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.AUDIT_SAMPLE_CHAIN_VIEWED,
            object_type="pooling.transaction",
            object_id=str(transaction_id),
            label=f"Transaction {transaction_id} of audit sample {sample.pk}",
            after={"sample": sample.pk, "via": via},
        )


def audit_sample_view_record(*, actor: User, tenant: ResponsibleBody, sample: AuditSample, via: str) -> None:
    with tenant_context(tenant), transaction.atomic():
        audit_record(actor=actor, tenant=tenant, verb=AuditVerb.AUDIT_SAMPLE_VIEWED, obj=sample, after={"via": via})
