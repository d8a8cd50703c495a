"""Writing many rows of one model fast. Knows no domain."""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db import connections, router
from django.db.models import DateField, DateTimeField, Field, Lookup, Model
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone


def _auto_timestamps(model: type[Model]) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


class BinaryArray(list):
    """A list of values of one type that psycopg sends to PostgreSQL as a binary array
    (``core.apps`` registers the dumper) where a plain list goes as the array's text:
    psycopg writes that text in Python, value by value, testing each for characters to quote
    and escaping them (2,000 JSON texts: 8.7 ms; as binary 0.6 ms; 2,000 ids 1.5 and
    0.4 ms). Without prepared statements (``DB_PREPARED_STATEMENTS`` off) values are written
    into the statement's text and it is sent as a plain list. Give a type where the context
    does not (``%s::bigint[]``): a binary array of text is ``text[]``, of small integers
    ``smallint[]``."""

    __slots__ = ()


def binary_array_register() -> None:
    """Send every BinaryArray as a binary array (the application's ``ready``: before the
    first connection copies psycopg's adapters)."""
    import psycopg
    from psycopg.types.array import ListBinaryDumper

    psycopg.adapters.register_dumper(BinaryArray, ListBinaryDumper)


# up to this many rows, one INSERT costs less than taking keys from the sequence and a COPY
FEW_ROWS = 8


def insert_many(
    model: type[Model], objects: Sequence[Model], *, batch_size: int = 1000, keys: bool = True
) -> list:
    """Insert new instances and set their primary keys, like bulk_create (which it is on
    SQLite). On PostgreSQL the keys are taken from the table's sequence first and the rows
    sent with COPY, so no INSERT statement is compiled per row. Values are written as the
    instances hold them; no signals, no save(). A few rows go in one INSERT … RETURNING
    (bulk_create): one round trip instead of the sequence's and COPY's three.

    ``keys=False``: rows nothing reads back by key (a lead's match keys, a decision's
    reasons). On PostgreSQL many such rows go by COPY without their key column, which the
    table's default fills: the round trip to the sequence is saved, and the instances are
    left without a key."""
    objects = list(objects)
    if not objects:
        return objects
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.using(alias).bulk_create(objects, batch_size=batch_size)
    if len(objects) <= FEW_ROWS:
        return _insert_few(model, objects, alias)
    meta = model._meta
    fields = list(meta.concrete_fields)
    if not keys and isinstance(meta.pk, AutoFieldMixin) and all(o.pk is None for o in objects):
        fields = [f for f in fields if f is not meta.pk]
    stamped = [f.attname for f in _auto_timestamps(model)]
    json_columns = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    encoders = {i: fields[i].encoder for i in json_columns}
    values_of = operator.attrgetter(*(f.attname for f in fields))
    quote = connection.ops.quote_name
    now = timezone.now()
    with connection.cursor() as cursor:
        missing = [obj for obj in objects if obj.pk is None]
        if missing and meta.pk in fields:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(missing)],
            )
            for obj, (pk,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = pk
        columns = ", ".join(quote(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                for attname in stamped:  # what pre_save does for auto_now(_add), one clock
                    obj.__dict__[attname] = now
                row = list(values_of(obj))
                for i in json_columns:  # JSON as its text: the column parses it
                    if row[i] is not None:
                        row[i] = json.dumps(row[i], cls=encoders[i])
                copy.write_row(row)
    _saved(objects, alias)
    return objects


def _insert_few(model: type[Model], objects: list[Model], alias: str) -> list:
    """A few new instances in one ``INSERT … VALUES … RETURNING`` written here (PostgreSQL):
    bulk_create compiles the statement and prepares each value through Django's query
    compiler, which costs as much as the round trip (0.39 against 0.20 ms for one event).
    Some instances with keys set and others without, or fields whose values need more than
    Django's ``get_db_prep_save``, go through bulk_create."""
    if not _insertable_here(model, objects):
        return model.objects.using(alias).bulk_create(objects)
    sql, values = _insert_statement(model, objects, alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, values)
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
    _saved(objects, alias)
    return objects


def _insertable_here(model: type[Model], objects: Sequence[Model]) -> bool:
    """Whether ``_insert_statement`` writes these rows as bulk_create would: every row with
    its key or none, and no field whose ``pre_save`` does more than the timestamps."""
    keyed = sum(obj.pk is not None for obj in objects)
    return keyed in (0, len(objects)) and _prepared_by_value(model)


def _insert_statement(model: type[Model], objects: Sequence[Model], alias: str) -> tuple[str, list]:
    """The INSERT … RETURNING of these new instances' keys and its parameters (their
    timestamps set)."""
    connection = connections[alias]
    keyed = objects[0].pk is not None
    sql, fields = _insert_plan(model, len(objects), alias, keyed=keyed)
    stamped = [f.attname for f in _auto_timestamps(model)]
    now = timezone.now()
    values = []
    for obj in objects:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        for attname in stamped:  # what pre_save does for auto_now(_add), one clock
            obj.__dict__[attname] = now
        for field, kind in fields:
            value = getattr(obj, field.attname)
            if kind is _JSON:
                value = None if value is None else json.dumps(value, cls=field.encoder)
            elif kind is _PREPARED:
                value = field.get_db_prep_save(value, connection)
            values.append(value)
    return sql, values


def _saved(objects: Sequence[Model], alias: str) -> None:
    for obj in objects:
        obj._state.adding = False
        obj._state.db = alias


_AS_IS, _JSON, _PREPARED = "as is", "json", "prepared"


@functools.cache
def _prepared_by_value(model: type[Model]) -> bool:
    """Whether each field's value to write is its attribute as it stands (no ``pre_save`` of
    its own beyond the timestamps, which insert_many sets itself)."""
    plain = (Field.pre_save, DateField.pre_save, DateTimeField.pre_save)
    return all(type(f).pre_save in plain for f in model._meta.concrete_fields)


@functools.cache
def _insert_plan(model: type[Model], count: int, alias: str, *, keyed: bool) -> tuple[str, list]:
    """The INSERT of ``count`` rows of every field (the key only when the rows have theirs:
    ``keyed``), and each field with how its value is sent: as it is, as JSON text (cast in
    the statement), or prepared by Django."""
    connection = connections[alias]
    meta, quote = model._meta, connection.ops.quote_name
    fields = []
    for field in meta.concrete_fields:
        if (field is meta.pk and not keyed) or getattr(field, "generated", False):
            continue
        kind = field.get_internal_type()
        fields.append(
            (
                field,
                _JSON
                if kind == "JSONField"
                else _AS_IS
                if kind in _SENT_AS_IS and not field.is_relation
                else _PREPARED,
            )
        )
    row = "(" + ", ".join("%s::jsonb" if kind is _JSON else "%s" for _f, kind in fields) + ")"
    # identifiers quoted by the backend, every value a parameter
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f, _kind in fields)}) "
        f"VALUES {', '.join([row] * count)} RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields


@functools.cache
def new_instance(model: type[Model]):
    """``instance_factory(model)``, made once per model: for hooks that build many rows of
    one model on every batch."""
    return instance_factory(model)


def instance_factory(model: type[Model], **fixed: Any):
    """A maker of new, unsaved instances for bulk writes: ``make(**values)`` gives what
    ``model(**fixed, **values)`` gives, without running Model.__init__ for every one (a copy
    of an instance made once; mutable defaults such as JSON dicts are made anew)."""
    template = model(**fixed)
    fresh = {
        f.attname: f.get_default
        for f in model._meta.concrete_fields
        if f.has_default() and callable(f.default)
    }
    fields_cache = dict(template._state.fields_cache)
    names = {f.name: f.attname for f in model._meta.concrete_fields}

    def make(**values: Any) -> Model:
        obj = model.__new__(model)
        state = obj.__dict__
        state.update(template.__dict__)
        for attname, default in fresh.items():
            state[attname] = default()
        obj._state = ModelState()
        obj._state.fields_cache = dict(fields_cache)
        for name, value in values.items():
            if name in names and names[name] != name and isinstance(value, Model):
                setattr(obj, name, value)  # a related instance: its descriptor sets the id
            else:
                state[names.get(name, name)] = value
        return obj

    return make


def update_rows(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """``update_many`` for plain rows: each ``(pk, *values of fields)``, no instances built."""
    if not rows:
        return 0
    alias = router.db_for_write(model)
    if connections[alias].vendor == "postgresql":
        return _update_values(model, fields, rows, alias)
    objects = []
    for pk, *values in rows:
        obj = model(pk=pk)
        for name, value in zip(fields, values, strict=True):
            setattr(obj, name, value)
        objects.append(obj)
    return model.objects.using(alias).bulk_update(objects, fields)


def update_many(model: type[Model], objects: Sequence[Model], fields: Sequence[str]) -> int:
    """Write the given fields of many saved instances, each its own values, in one UPDATE:
    ``UPDATE … FROM (VALUES …)`` on PostgreSQL (Django's bulk_update builds a CASE per field
    and row, which costs far more than the write); bulk_update elsewhere."""
    objects = list(objects)
    if not objects:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.using(alias).bulk_update(objects, fields)
    return _update_values(model, fields, _update_rows(model, objects, fields), alias)


def _update_rows(model: type[Model], objects: Sequence[Model], fields: Sequence[str]) -> list:
    """``(pk, *values of fields)`` of each instance, what ``_update_values`` writes."""
    attnames = [model._meta.get_field(name).attname for name in fields]
    return [[obj.pk, *(getattr(obj, a) for a in attnames)] for obj in objects]


# Fields whose Python values psycopg sends as they are (aware datetimes included).
_PLAIN_TYPES = frozenset(
    {
        "IntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "FloatField",
        "BooleanField",
        "CharField",
        "TextField",
        "DateTimeField",
    }
)
# what the few-rows INSERT sends as it is: the same but text, which may hold a lazy
# translation that Django's preparation turns into its text
_SENT_AS_IS = _PLAIN_TYPES - {"CharField", "TextField"}


def _update_values(model, fields, values_rows, alias) -> int:
    """One UPDATE … FROM for many rows, each value a parameter: the rows as one array per
    column (``unnest``), so a thousand rows are a few parameters, not thousands. JSON
    columns travel as text and are cast back in the SET."""
    sql, params = _update_statement(model, fields, values_rows, alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _update_statement(model, fields, values_rows, alias) -> tuple[str, list]:
    """The SQL and parameters of ``_update_values``' UPDATE."""
    sql, columns = _update_plan(model, tuple(fields), alias)
    connection = connections[alias]
    texts: dict[int, tuple[Any, str]] = {}  # JSON already written, by the value's identity

    def convert(field, kind, value):
        if kind is _AS_IS or (value is None and kind is _JSON):
            return value
        if kind is _PREPARED:
            return field.get_db_prep_save(value, connection)
        known = texts.get(id(value))
        if known is None or known[0] is not value:
            known = texts[id(value)] = (value, json.dumps(value, cls=field.encoder))
        return known[1]

    prepared = [
        [pk, *(convert(f, kind, v) for (f, kind), v in zip(columns, raw, strict=True))]
        for pk, *raw in values_rows
    ]
    return sql, [BinaryArray(column) for column in zip(*prepared, strict=True)]


@functools.cache
def _update_plan(model, fields: tuple[str, ...], alias: str) -> tuple[str, list]:
    """The UPDATE of these fields from one array per column, and each field with how its
    value is sent (kept per model and fields: a lone lead's write built it every time)."""
    connection = connections[alias]
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    is_json = [f.get_internal_type() == "JSONField" for f in columns]
    quote = connection.ops.quote_name
    kinds = [
        _JSON if j else _AS_IS if f.get_internal_type() in _PLAIN_TYPES else _PREPARED
        for f, j in zip(columns, is_json, strict=True)
    ]
    types = [
        meta.pk.db_type(connection),
        *("text" if j else f.db_type(connection) for f, j in zip(columns, is_json, strict=True)),
    ]
    assignments = ", ".join(
        f"{quote(f.column)} = v.{quote(f.column)}" + (f"::{f.db_type(connection)}" if j else "")
        for f, j in zip(columns, is_json, strict=True)
    )
    names = ", ".join([quote(meta.pk.column)] + [quote(f.column) for f in columns])
    source = "unnest(" + ", ".join(f"%s::{t}[]" for t in types) + ")"
    # identifiers quoted by the backend, every value a parameter
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM {source} AS v ({names}) "
        f"WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}"
    )
    return sql, list(zip(columns, kinds, strict=True))


def update_many_together(*writes: tuple[type[Model], Sequence[Model], Sequence[str]]) -> None:
    """Several ``update_many`` writes — each (model, saved instances, fields) — made in one
    statement on PostgreSQL (each UPDATE a data-modifying ``WITH`` part: one round trip
    where a lone submission paid one per table), one after the other elsewhere; inside an
    ``updates_deferred`` block, with the block's other writes at its end."""
    with updates_deferred():
        for model, objects, fields in writes:
            update_soon(model, objects, fields)


def copy_rows(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert plain rows (tuples of the named fields' attnames, in order) without building
    instances: COPY on PostgreSQL (JSON fields as their text; the primary key and any field
    not named take their database default), ``bulk_create`` of instances elsewhere."""
    rows = list(rows)
    if not rows:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    if connection.vendor != "postgresql":
        model.objects.using(alias).bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=1000
        )
        return len(rows)
    columns = [meta.get_field(name) for name in fields]
    json_columns = [i for i, f in enumerate(columns) if f.get_internal_type() == "JSONField"]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in columns)
    statement = f"COPY {quote(meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            if json_columns:
                row = list(row)
                for i in json_columns:
                    if row[i] is not None:
                        row[i] = json.dumps(row[i])
            copy.write_row(row)
    return len(rows)


class InArray(Lookup):
    """``field__in_array=ids``: ``field = ANY(%s)`` with the ids as one array parameter on
    PostgreSQL, as ``__in`` is too (core.lookups), but without Django preparing each value
    (an OrderedSet and a ``get_db_prep_value`` per id), which costs more than the query
    itself for thousands of ids; elsewhere it is plain ``IN``. Pass an ``array.array``
    rather than a list and Django does not even look at each value."""

    lookup_name = "in_array"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = BinaryArray(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]


@dataclass
class _Held:
    """What an ``updates_deferred`` block holds back: the updates, (model, pk) → [instance,
    fields], and the inserts, (model, instances)."""

    updates: dict[tuple[type[Model], Any], list] = dataclass_field(default_factory=dict)
    inserts: list[tuple[type[Model], list[Model]]] = dataclass_field(default_factory=list)


_deferred: ContextVar[_Held | None] = ContextVar("galena_deferred_updates", default=None)


@contextmanager
def updates_deferred() -> Iterator[None]:
    """Hold back the ``update_soon`` and ``insert_soon`` writes made inside and make them at
    the end: one UPDATE per model and set of fields, each row with its instance's values at
    that moment, and the inserts. Several steps that each change a few fields of the same new
    rows (an owner, then a deadline) write each row once. On PostgreSQL the updates and the
    inserts of a few rows go in one statement (each a data-modifying ``WITH`` part): a lone
    submission's owner, deadline, counters, event and clock are one round trip. Nothing is
    written when the block fails (its transaction is being rolled back anyway); a block
    inside another leaves the writing to the outer one."""
    if _deferred.get() is not None:
        yield
        return
    held = _Held()
    token = _deferred.set(held)
    try:
        yield
    finally:
        _deferred.reset(token)
    groups: dict[tuple[type[Model], tuple[str, ...]], list[Model]] = {}
    for (model, _pk), (obj, fields) in held.updates.items():
        groups.setdefault((model, tuple(sorted(fields))), []).append(obj)
    _write_held(groups, held.inserts)


def _write_held(groups: dict, inserts: list[tuple[type[Model], list[Model]]]) -> None:
    models = {model for model, _fields in groups} | {model for model, _objects in inserts}
    aliases = {router.db_for_write(model) for model in models}
    if len(aliases) != 1 or connections[next(iter(aliases))].vendor != "postgresql":
        for model, objects in inserts:
            insert_many(model, objects)
        for (model, fields), objects in groups.items():
            update_many(model, objects, fields)
        return
    (alias,) = aliases
    statements: list[tuple[str, list]] = []
    keyed: list[tuple[int, list[Model]]] = []  # (part, instances) whose keys come back
    for model, objects in inserts:
        if len(objects) <= FEW_ROWS and _insertable_here(model, objects):
            if objects[0].pk is None:
                keyed.append((len(statements), objects))
            statements.append(_insert_statement(model, objects, alias))
            _saved(objects, alias)
        else:
            insert_many(model, objects)  # COPY: statements of its own
    for (model, fields), objects in groups.items():
        rows = _update_rows(model, objects, fields)
        statements.append(_update_statement(model, fields, rows, alias))
    keys = _execute_together(statements, alias, returning=[part for part, _objects in keyed])
    for (_part, objects), part_keys in zip(keyed, keys, strict=True):
        for obj, pk in zip(objects, part_keys, strict=True):
            obj.pk = pk


def _execute_together(
    statements: list[tuple[str, list]], alias: str, *, returning: Sequence[int] = ()
) -> list[list]:
    """Data-modifying statements in one round trip on PostgreSQL: each a ``WITH`` part of
    one query (they see the same snapshot, so no two may write the same row). ``returning``:
    the parts (each with a one-column RETURNING) whose rows come back, a list per part, in
    their order."""
    if not statements:
        return []
    if len(statements) == 1:
        sql, params = statements[0]
    else:
        parts = ", ".join(
            f"w{n}{'(k)' if n in returning else ''} AS ({part})"
            for n, (part, _params) in enumerate(statements)
        )
        # each part's keys in the order its RETURNING gave them (as bulk_create relies on)
        select = (
            " UNION ALL ".join(f"SELECT {n}, array_agg(k) FROM w{n}" for n in returning)  # noqa: S608 (part numbers)
            or "SELECT 1"
        )
        sql, params = f"WITH {parts} {select}", [p for _sql, ps in statements for p in ps]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        if not returning:
            return []
        if len(statements) == 1:
            return [[pk for (pk,) in cursor.fetchall()]]
        found = dict(cursor.fetchall())
    return [found[n] for n in returning]


def update_soon(model: type[Model], objects: Sequence[Model], fields: Sequence[str]) -> None:
    """``update_many`` now, or at the end of the ``updates_deferred`` block this runs in
    (merged with the other fields written there of the same rows). Only for writes nothing
    reads back from the database before the block ends."""
    held = _deferred.get()
    if held is None:
        update_many(model, objects, fields)
        return
    for obj in objects:
        entry = held.updates.setdefault((model, obj.pk), [obj, set()])
        entry[0] = obj
        entry[1].update(fields)


def insert_soon(model: type[Model], objects: Sequence[Model]) -> None:
    """``insert_many`` now, or at the end of the ``updates_deferred`` block this runs in:
    only for rows nothing reads back before the block ends. Held back, the instances get
    their keys when the block ends (read them then, e.g. in ``transaction.on_commit``)."""
    objects = list(objects)
    held = _deferred.get()
    if held is None:
        insert_many(model, objects)
    elif objects:
        held.inserts.append((model, objects))
