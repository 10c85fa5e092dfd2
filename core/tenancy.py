"""Tenancy primitives: the tenant context, tenant-owned models and their managers.

Every tenant-owned row carries ``responsible_body``. Two guards keep tenants apart:

1. In code, the default manager of a tenant-owned model refuses to build a query when no
   tenant context is active (``TenantContextMissing``) and filters to the active tenant.
2. In PostgreSQL, row-level security compares each row's ``responsible_body_id`` with
   ``current_setting('app.tenant_id', true)``; the app connects as a role that neither
   owns the tables nor bypasses RLS, so a forgotten filter returns no rows.

The context is set per transaction (``set_config(..., true)``), so ``tenant_context``
opens a transaction (a savepoint when nested in another context). Nested in the same
context (the same body, inside its transaction) it does nothing: the setting is already in
force, and a selector called from a view costs no savepoint. It is not a savepoint then, so
code that must undo part of its writes on an error uses ``transaction.atomic()`` itself, as
every service does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody

_tenant_id: ContextVar[int | None] = ContextVar("tenant_id", default=None)
_user_id: ContextVar[int | None] = ContextVar("user_id", default=None)
_platform: ContextVar[bool] = ContextVar("platform", default=False)
_T = TypeVar("_T", bound=models.Model)


class TenantContextMissing(RuntimeError):
    """Tenant data was queried outside ``tenant_context``: a programming error."""


def current_tenant_id() -> int | None:
    return _tenant_id.get()


def current_user_id() -> int | None:
    return _user_id.get()


def in_platform_context() -> bool:
    return _platform.get()


# The previous value is read in a subquery that ``OFFSET 0`` keeps from being flattened into
# the outer select list: its row exists before the outer ``set_config`` is evaluated, so the
# value read is the one in force before the statement, whatever order PostgreSQL evaluates
# a select list's expressions in (which it does not promise).
_READ_THEN_SET = (
    "SELECT previous.value, set_config(%s, %s, true)"
    " FROM (SELECT coalesce(current_setting(%s, true), '') AS value OFFSET 0) AS previous"
)


def _set_db(name: str, value: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(_READ_THEN_SET, [name, value, name])
        previous: str = cursor.fetchone()[0]
    return previous


@contextmanager
def _db_setting(var: ContextVar[Any], value: Any, setting: str, db_value: str) -> Iterator[None]:
    if var.get() == value and connection.in_atomic_block:
        # Already inside the same context in this transaction (a selector called from a
        # view or service that set it): the setting is in force, so nesting costs nothing
        # instead of a savepoint and two round trips.
        yield
        return
    # The outermost block's transaction ends with it, and the setting (local to the
    # transaction) with the transaction: only a savepoint must put the previous value back.
    savepoint = connection.in_atomic_block
    with transaction.atomic():
        previous = _set_db(setting, db_value)
        token = var.set(value)
        try:
            yield
        except BaseException:
            # The atomic block rolls the setting back with its savepoint; touching the
            # (possibly aborted) transaction here would hide the real error.
            var.reset(token)
            raise
        var.reset(token)
        if savepoint and not connection.needs_rollback:
            _set_db(setting, previous)


def _body_id(body: ResponsibleBody | int) -> int:
    return body if isinstance(body, int) else body.pk


@contextmanager
def tenant_context(body: ResponsibleBody | int) -> Iterator[None]:
    """Run the block as ``body``: queries see only its rows, in code and in the database."""
    body_id = _body_id(body)
    with _db_setting(_tenant_id, body_id, "app.tenant_id", str(body_id)):
        yield


@contextmanager
def tenant_context_of(rows: models.QuerySet[_T]) -> Iterator[_T | None]:
    """Read the tenant ``rows`` finds (a ``ResponsibleBody`` by its unique slug: at most one
    row) and run the block in its context, as ``tenant_context`` does, but with
    ``app.tenant_id`` set by the statement that reads the row: one round trip instead of
    two on every body page. Yields None, and sets no context, when there is no such row."""
    quote = connection.ops.quote_name
    key = f"{quote(rows.model._meta.db_table)}.{quote(str(rows.model._meta.pk.column))}"
    savepoint = connection.in_atomic_block
    # Inside a transaction the setting in force is the one the enclosing context set (or
    # none), which ``_tenant_id`` mirrors: the value to put back is known without reading it
    # in the same select list as the ``set_config`` (whose order of evaluation PostgreSQL
    # does not promise).
    previous = str(_tenant_id.get() or "") if savepoint else ""
    with transaction.atomic():
        found = rows.annotate(
            tenancy_set=RawSQL(f"set_config('app.tenant_id', {key}::text, true)", ()),  # noqa: S611 - the model's own quoted table and key
        ).first()
        if found is None:
            yield None
            return
        token = _tenant_id.set(found.pk)
        try:
            yield found
        except BaseException:
            _tenant_id.reset(token)
            raise
        _tenant_id.reset(token)
        if savepoint and not connection.needs_rollback:
            _set_db("app.tenant_id", previous)


@contextmanager
def user_context(user_id: int) -> Iterator[None]:
    """Let the signed-in user read their own memberships across bodies (the body switcher)."""
    with _db_setting(_user_id, user_id, "app.user_id", str(user_id)):
        yield


@contextmanager
def platform_context() -> Iterator[None]:
    """Cross-tenant platform work (``platform_*`` services, audit verification, demo data)."""
    with _db_setting(_platform, True, "app.platform", "on"):
        yield


@contextmanager
def body_only_context(body: ResponsibleBody | int) -> Iterator[None]:
    """Run the block as ``body`` alone, setting aside any platform context for its
    duration: platform work (demo data) that calls a body's services, which rely on
    row-level security to see only that body's rows."""
    with _db_setting(_platform, False, "app.platform", "off"), tenant_context(body):
        yield


def rls_predicate(column: str = "responsible_body_id") -> str:
    """The SQL condition every tenant-owned table's policy uses.

    Each ``current_setting`` is a scalar subquery, so PostgreSQL evaluates it once per
    query (an InitPlan) instead of once per row it filters, and compares the row's tenant
    with a constant (``core.migrations.0002`` rewrote the policies made before)."""
    return (
        f"({column} = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint) "
        "OR (SELECT current_setting('app.platform', true)) = 'on')"
    )


def own_rows_predicate(column: str = "user_id") -> str:
    """The condition of a policy letting the signed-in user read their own rows
    (``user_context``), evaluated once per query like :func:`rls_predicate`."""
    return f"{column} = (SELECT NULLIF(current_setting('app.user_id', true), '')::bigint)"


_M = TypeVar("_M", bound=models.Model)


def _require_context(model: type[models.Model]) -> None:
    if current_tenant_id() is None and not in_platform_context():
        raise TenantContextMissing(
            f"{model.__name__} rows read outside tenant_context(): row-level security would return none. "
            "Evaluate the queryset inside the tenant's context "
            "(for a streamed response, use core.web.tenant_stream)."
        )


class TenantQuerySet(models.QuerySet[_M]):
    """Refuses to run outside a tenant context, so a query evaluated too late (a lazy
    template variable, a streamed export) fails loudly instead of returning no rows."""

    def for_tenant(self, tenant: ResponsibleBody | int) -> TenantQuerySet[_M]:
        return self.filter(responsible_body_id=_body_id(tenant))

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            _require_context(self.model)
        super()._fetch_all()

    def iterator(self, chunk_size: int | None = None) -> Any:
        _require_context(self.model)
        return super().iterator(chunk_size=chunk_size)

    def count(self) -> int:
        _require_context(self.model)
        return super().count()

    def exists(self) -> bool:
        _require_context(self.model)
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        _require_context(self.model)
        return super().aggregate(*args, **kwargs)


class TenantManager(models.Manager[_M]):
    """Refuses to query without a tenant context and filters to the active tenant."""

    _queryset_class = TenantQuerySet

    def get_queryset(self) -> TenantQuerySet[_M]:
        qs: TenantQuerySet[_M] = super().get_queryset()  # type: ignore[assignment]
        if in_platform_context():
            return qs
        tenant_id = current_tenant_id()
        if tenant_id is None:
            raise TenantContextMissing(
                f"{self.model.__name__} queried outside tenant_context(); "
                "wrap the work in core.tenancy.tenant_context(body)."
            )
        return qs.filter(responsible_body_id=tenant_id)

    def for_tenant(self, tenant: ResponsibleBody | int) -> TenantQuerySet[_M]:
        rows = self.get_queryset()
        if not in_platform_context() and current_tenant_id() == _body_id(tenant):
            # ``get_queryset`` has filtered to this tenant already: the same filter again
            # costs every query about two hundred calls to build and the SQL a second
            # identical condition. Another tenant's (or the platform's) rows still get it.
            return rows
        return rows.for_tenant(tenant)


class TenantOwnedModel(models.Model):
    """Base for every tenant-owned table. Its migration must add ``EnableRowLevelSecurity``."""

    responsible_body = models.ForeignKey(
        "accounts.ResponsibleBody",
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects: TenantManager[Any] = TenantManager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args: Any, **kwargs: Any) -> None:
        tenant_id = current_tenant_id()
        if not in_platform_context():
            if tenant_id is None:
                raise TenantContextMissing(f"{type(self).__name__} saved outside tenant_context().")
            if self.responsible_body_id != tenant_id:
                raise TenantContextMissing(f"{type(self).__name__} belongs to another tenant than the active one.")
        super().save(*args, **kwargs)
