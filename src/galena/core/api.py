"""Shared pieces of the JSON API that know no domain: the error envelope and keyset pages.

Keyset ("cursor") pagination walks a list by the values of its sort keys rather than by
offset, so a page stays correct while rows are added and costs the same at any depth.
The cursor is the last row's sort-key values, signed so a client cannot forge or edit it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import F, Q, QuerySet
from ninja import Schema
from pydantic import Field, field_validator
from pydantic_core import PydanticUseDefault

from galena.core.errors import ValidationFailed

# --- the error envelope ---------------------------------------------------------------


class QuerySchema(Schema):
    """Query parameters where an empty value (``?from=``, as a form sends it) means the
    parameter was not given."""

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: Any) -> Any:
        if value == "":
            raise PydanticUseDefault()
        return value


class ErrorDetail(Schema):
    code: str = Field(
        description="Stable, machine-readable reason: invalid, unauthenticated, forbidden, "
        "not_found, method_not_allowed, server_error…"
    )
    message: str = Field(description="What went wrong and what to do about it, for people.")
    field: str | None = Field(
        description="The input the error is about, as a dotted path (e.g. contacts[0].value), "
        "or null when it is about the request as a whole."
    )
    fields: dict[str, str] = Field(
        description="Every invalid input with its message; empty when no input is to blame."
    )


class ErrorOut(Schema):
    error: ErrorDetail


def error_body(
    *,
    code: str,
    message: str,
    field: str | None = None,
    fields: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The one JSON shape every API error has."""
    if fields is None:
        fields = {field: message} if field else {}
    return {"error": {"code": code, "message": message, "field": field, "fields": fields}}


# --- keyset pagination ----------------------------------------------------------------

CURSOR_SALT = "galena.api.cursor"
CURSOR_RESTART = "Start again without a cursor, from the first page."


@dataclass(frozen=True)
class SortKey:
    path: str  # an ORM path such as "created_at" or "owner__username"
    descending: bool
    nullable: bool
    field: models.Field

    def order_expression(self) -> Any:
        # NULLs are placed as if larger than any value, the same on every database, so the
        # keyset conditions below can rely on where they are.
        if self.descending:
            return F(self.path).desc(nulls_first=True) if self.nullable else f"-{self.path}"
        return F(self.path).asc(nulls_last=True) if self.nullable else self.path

    def value_of(self, row: models.Model) -> Any:
        value: Any = row
        for part in self.path.split("__"):
            value = getattr(value, "pk" if part == "pk" else part)
            if value is None:
                return None
        return value

    def beyond(self, value: Any) -> Q | None:
        """Rows that come after ``value`` in this key's order; None when none can."""
        if self.descending:
            if value is None:
                return Q(**{f"{self.path}__isnull": False})
            return Q(**{f"{self.path}__lt": value})
        if value is None:
            return None
        after = Q(**{f"{self.path}__gt": value})
        return after | Q(**{f"{self.path}__isnull": True}) if self.nullable else after

    def equal(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.path}__isnull": True})
        return Q(**{self.path: value})

    def dump(self, value: Any) -> Any:
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    def load(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(self.field, models.DateTimeField):
            return dt.datetime.fromisoformat(value)
        if isinstance(self.field, models.DateField):
            return dt.date.fromisoformat(value)
        if isinstance(self.field, models.DecimalField):
            return Decimal(value)
        if isinstance(self.field, models.IntegerField | models.AutoField):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("not an integer")
            return value
        if isinstance(self.field, models.FloatField):
            return float(value)
        if not isinstance(value, str):
            raise TypeError("not a string")
        return value


def sort_keys(model: type[models.Model], ordering: Sequence[str]) -> list[SortKey]:
    """The sort keys of an ordering such as ("-created_at", "-id"); the last must be unique."""
    keys = []
    for item in ordering:
        path = item.lstrip("-")
        nullable = False
        current: type[models.Model] = model
        field: Any = None
        for part in path.split("__"):
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
            nullable = nullable or bool(field.null)
            if field.is_relation:
                current = field.related_model
        if field.is_relation:
            raise ValueError(f"Sort by a column, not the relation {path!r}.")
        keys.append(SortKey(path, item.startswith("-"), nullable, field))
    if not keys or not (keys[-1].field.primary_key or keys[-1].field.unique):
        raise ValueError("A keyset ordering must end with a unique column, such as the id.")
    return keys


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> Q:
    # (k1, k2, …, id) > (v1, v2, …, vid) in the list's order, spelled out key by key so
    # it works for mixed directions and NULLs: k1 beyond v1, or k1 = v1 and k2 beyond v2…
    condition = Q(pk__in=[])
    equal_so_far = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = key.beyond(value)
        if beyond is not None:
            condition |= equal_so_far & beyond
        equal_so_far &= key.equal(value)
    return condition


def encode_cursor(scope: str, keys: Sequence[SortKey], row: models.Model) -> str:
    values = [key.dump(key.value_of(row)) for key in keys]
    return signing.dumps({"s": scope, "v": values}, salt=CURSOR_SALT, compress=True)


def decode_cursor(cursor: str, scope: str, keys: Sequence[SortKey]) -> list[Any]:
    """The sort-key values a cursor points after, or a validation error on the cursor."""
    try:
        data = signing.loads(cursor, salt=CURSOR_SALT)
    except signing.BadSignature:
        raise ValidationFailed(
            {
                "cursor": f"This cursor is not one the API gave out, or it was altered. {CURSOR_RESTART}"
            }
        ) from None
    if not isinstance(data, dict) or data.get("s") != scope:
        raise ValidationFailed(
            {
                "cursor": "This cursor belongs to another list or another sort order. "
                "Keep the same sort while following next_cursor, or " + CURSOR_RESTART.lower()
            }
        )
    values = data.get("v")
    try:
        if not isinstance(values, list) or len(values) != len(keys):
            raise TypeError("wrong number of values")
        return [key.load(value) for key, value in zip(keys, values, strict=True)]
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationFailed(
            {"cursor": f"This cursor cannot be read. {CURSOR_RESTART}"}
        ) from None


def first_ids(
    querysets: Iterable[QuerySet], *, order: Sequence[Any], stop: int, using: str
) -> list[Any]:
    """The ids of each queryset's first ``stop`` rows in ``order``, from one query (a UNION
    ALL of one bounded read each); a queryset that can hold nothing is left out."""
    selects, params = [], []
    for queryset in querysets:
        branch = queryset.order_by(*order).values("pk")[:stop]
        try:
            sql, branch_params = branch.query.sql_with_params()
        except EmptyResultSet:  # a part that can hold nothing (or nothing asked for)
            continue
        # Django's own SQL for each branch, its values passed as parameters
        selects.append(f"SELECT * FROM ({sql}) AS branch_{len(selects):d}")  # noqa: S608
        params.extend(branch_params)
    if not selects:
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        return [row[0] for row in cursor.fetchall()]


def first_rows(queryset: QuerySet, *, parts: Sequence[QuerySet], stop: int) -> QuerySet:
    """``queryset`` (ordered) narrowed to the rows among the first ``stop`` of each of
    ``parts``: disjoint querysets whose union is the queryset's rows (e.g. a user's own
    leads and their team's others), read in the queryset's order. Sliced up to ``stop``, it
    gives the same rows in the same order; each part is read alone and stops early, where an
    OR across them makes PostgreSQL read and sort every row of each. The parts' ids come
    from one query (a UNION ALL), the rows from a second: in one, PostgreSQL spent longer
    planning the join of the union with the rows' related tables than running it. Fewer
    than two parts, the queryset unchanged (and nothing read)."""
    if len(parts) < 2:
        return queryset
    ids = first_ids(parts, order=queryset.query.order_by, stop=stop, using=queryset.db)
    return queryset.filter(pk__in=ids)


def keyset_page(
    queryset: QuerySet,
    *,
    ordering: Sequence[str],
    scope: str,
    cursor: str | None,
    limit: int,
    parts: Sequence[QuerySet] = (),
) -> tuple[list[Any], str | None]:
    """One page of ``queryset`` in ``ordering`` after ``cursor``, and the next page's cursor.

    ``scope`` names the list and its order; a cursor only works with the scope it came from.
    ``parts``: disjoint querysets whose union is the queryset's rows, each read alone
    (``first_rows``).
    """
    keys = sort_keys(queryset.model, ordering)
    queryset = queryset.order_by(*(key.order_expression() for key in keys))
    if cursor:
        after = _after(keys, decode_cursor(cursor, scope, keys))
        queryset = queryset.filter(after)
        parts = [part.filter(after) for part in parts]
    rows = list(first_rows(queryset, parts=parts, stop=limit + 1)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(scope, keys, rows[-1])


def keyset_first_pages(
    querysets: Mapping[Hashable, QuerySet],
    *,
    rows: QuerySet,
    group_of: Callable[[Any], Hashable],
    ordering: Sequence[str],
    scopes: Mapping[Hashable, str],
    limit: int,
    parts: Mapping[Hashable, Sequence[QuerySet]] | None = None,
) -> dict[Hashable, tuple[list[Any], str | None]]:
    """The first page of each of several disjoint querysets — what ``keyset_page`` gives
    each without a cursor — read together: one query (a UNION ALL) for the ids of each
    queryset's first rows (or each of its ``parts``'), one for those rows from ``rows`` (the
    columns and relations they show) in ``ordering``. ``group_of`` tells the queryset a row
    is in (e.g. a board's column by the lead's stage)."""
    keys = sort_keys(rows.model, ordering)
    order = [key.order_expression() for key in keys]
    sources = [
        source
        for group, queryset in querysets.items()
        for source in (parts or {}).get(group) or [queryset]
    ]
    ids = first_ids(sources, order=order, stop=limit + 1, using=rows.db)
    found: dict[Hashable, list[Any]] = {group: [] for group in querysets}
    for row in rows.filter(pk__in=ids).order_by(*order) if ids else ():
        found.setdefault(group_of(row), []).append(row)
    pages = {}
    for group in querysets:
        page = found[group][: limit + 1]
        if len(page) <= limit:
            pages[group] = (page, None)
        else:
            pages[group] = (page[:limit], encode_cursor(scopes[group], keys, page[limit - 1]))
    return pages
