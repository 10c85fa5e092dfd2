"""Subqueries of a case's row written by hand (issue 22): what a list shows of each case (what it
asks for, its clock's events, its next review) and what its page must know before reading
more (whether it has decisions or awards). Built with the ORM's ``Subquery``, ``Exists``
and ``ArraySubquery`` each cost more Python than a page of rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Field
from django.db.models.expressions import Expression


class OfTheCase(Expression):
    """A subquery of a case's row written by hand, ``{case}`` in ``sql`` standing for the
    case table as the query names it (its own name, or its alias inside a subquery such as
    a page's ids, ``core.web.paginate_rows``). PostgreSQL works one out only for the rows it
    selects, orders or filters."""

    def __init__(self, sql: str, params: tuple[Any, ...], output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.sql, self.params = sql, params

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        case = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"({self.sql.format(case=case)})", self.params
