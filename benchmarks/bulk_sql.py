"""Filling a benchmark database fast: one ``INSERT … SELECT`` per table, from SQL."""

from __future__ import annotations


def insert_select(model, sql: dict[str, str], source: str) -> int:
    """``INSERT INTO <model's table> SELECT …`` giving every concrete column: the SQL
    given, else the field's default (empty text, 0, false, {} or [], NULL when nullable,
    now() for a time). Returns the rows written."""
    from django.db import connection, models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in sql:
            continue
        columns.append(f'"{field.column}"')
        if field.column in sql:
            values.append(sql[field.column])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.JSONField):
            values.append("'[]'::jsonb" if field.default is list else "'{}'::jsonb")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        elif isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
            values.append("0")
        elif isinstance(field, models.DateTimeField):
            values.append("now()")
        elif isinstance(field, models.DateField):
            values.append("current_date")
        elif isinstance(field, models.DurationField):
            values.append("interval '0'")
        else:
            default = field.get_default()
            values.append("''" if default in (None, "") else f"'{default}'")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} {source}"
        )
        return cursor.rowcount
