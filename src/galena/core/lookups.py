"""``field__in=values`` as ``field = ANY(%s)`` on PostgreSQL: one array parameter instead of
a placeholder per value.

Django writes ``IN (%s, %s, …)``, so the statement's text changes with the number of values:
psycopg neither keeps its parsing of such a statement (none with more than 50 parameters)
nor prepares it on the server (the same text must come five times), and PostgreSQL plans it
each time. A batch of the intake worker sent fourteen of them for 100 leads. With one array
the text is the same whatever the count. Only lists of plain values are rewritten; a
subquery, an expression among the values or a column pair keeps Django's SQL, and so does
every other database.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field
from django.db.models.expressions import ColPairs
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In

from galena.core.bulk import BinaryArray


class _AnyOfArray:
    def as_postgresql(self, compiler, connection):
        if self.rhs_is_direct_value() and not isinstance(self.lhs, (ColPairs, tuple)):
            rhs_sql, rhs_params = self.process_rhs(compiler, connection)  # EmptyResultSet
            if rhs_sql == "(" + ", ".join(["%s"] * len(rhs_params)) + ")":
                lhs_sql, lhs_params = self.process_lhs(compiler, connection)
                values = list(rhs_params)
                if all(type(value) is int for value in values):  # keys: sent as binary
                    values = BinaryArray(values)
                return f"{lhs_sql} = ANY(%s)", [*lhs_params, values]
        return self.as_sql(compiler, connection)


class AnyIn(_AnyOfArray, In):
    pass


class RelatedAnyIn(_AnyOfArray, RelatedIn):
    pass


def register() -> None:
    Field.register_lookup(AnyIn)
    ForeignObject.register_lookup(RelatedAnyIn)


def sql_in(column: str, values: Sequence, *, using: str = DEFAULT_DB_ALIAS) -> tuple[str, list]:
    """The same for SQL written by hand: ``column = ANY(%s)`` and its one parameter on
    PostgreSQL, ``column IN (%s, …)`` elsewhere; nothing matches no values."""
    values = list(values)
    if connections[using].vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values
