"""Set-based writes for the ingestion service: one INSERT per chunk instead of one per row.

``insert_new_results`` is ``INSERT ... ON CONFLICT (source_id, external_id) DO NOTHING
RETURNING id, external_id``: the unique constraint, not a prior read, decides which row
wins when the same result is posted twice at once (a racing insert waits for the other
transaction and is then skipped). PostgreSQL and SQLite ≥ 3.35 both speak this SQL.

``copy_to_history`` writes the django-simple-history "created" rows of those results
with one ``INSERT ... SELECT``, so history costs one statement per chunk, not per row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from biomarkers.models import LabResult

# Bound parameters per statement: SQLite allows 32,766, PostgreSQL 65,535.
_MAX_PARAMS = 30_000


def _insert_fields():
    return [f for f in LabResult._meta.concrete_fields if not f.primary_key]


def insert_new_results(objs: Sequence[LabResult], *, now: datetime) -> dict[str, int]:
    """Insert the results whose (source, external_id) is new; external_id -> new id.

    All ``objs`` share one source. Rows that already exist (or that a concurrent
    transaction inserted first) are skipped and absent from the answer.
    """
    if not objs:
        return {}
    for obj in objs:
        obj.created_at = obj.modified_at = now
    if connection.vendor == "postgresql":
        return _insert_postgresql(objs)
    return _insert_values(objs)


def _returning(cursor) -> dict[str, int]:
    return {external_id: pk for pk, external_id in cursor.fetchall()}


def _conflict_clause() -> str:
    quote = connection.ops.quote_name
    return (
        f"ON CONFLICT ({quote('source_id')}, {quote('external_id')}) DO NOTHING "
        f"RETURNING {quote('id')}, {quote('external_id')}"
    )


def _insert_postgresql(objs: Sequence[LabResult]) -> dict[str, int]:
    """One array parameter per column, unnested server-side.

    A VALUES list of 25,000 placeholders costs more to build and parse than to insert;
    25 typed arrays cost almost nothing, whatever the batch size.
    """
    fields = _insert_fields()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    arrays = [f"%s::{f.db_type(connection)}[]" for f in fields]
    params = [[_pg_value(f, getattr(obj, f.attname)) for obj in objs] for f in fields]
    sql = (
        f"INSERT INTO {connection.ops.quote_name(LabResult._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT * FROM unnest({', '.join(arrays)}) {_conflict_clause()}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _returning(cursor)


def _pg_value(field, value):
    # psycopg adapts str, int, Decimal, aware datetimes and None itself; JSON goes as text
    # and is cast to jsonb by the array type.
    if field.get_internal_type() == "JSONField":
        return json.dumps(value)
    return value


def _insert_values(objs: Sequence[LabResult]) -> dict[str, int]:
    """Portable multi-row VALUES (SQLite), chunked under the bound-parameter limit."""
    fields = _insert_fields()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = quote(LabResult._meta.db_table)
    per_statement = max(1, _MAX_PARAMS // len(fields))
    inserted: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            params = [
                f.get_db_prep_save(getattr(obj, f.attname), connection)
                for obj in chunk
                for f in fields
            ]
            values = ", ".join([row] * len(chunk))
            sql = f"INSERT INTO {table} ({columns}) VALUES {values} {_conflict_clause()}"  # noqa: S608
            cursor.execute(sql, params)
            inserted.update(_returning(cursor))
    return inserted


def copy_to_history(
    ids: Sequence[int], *, when: datetime, user_id: int | None, reason: str
) -> None:
    """One historical "created" row per result, copied from the rows just inserted."""
    if not ids:
        return
    history = LabResult.history.model
    tracked = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in tracked)
    history_columns = ", ".join(
        quote(c)
        for c in ("history_date", "history_change_reason", "history_type", "history_user_id")
    )
    when_param = history._meta.get_field("history_date").get_db_prep_save(when, connection)
    select = (
        f"INSERT INTO {quote(history._meta.db_table)} ({columns}, {history_columns}) "  # noqa: S608
        f"SELECT {columns}, %s, %s, '+', %s FROM {quote(LabResult._meta.db_table)} "
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(select + "WHERE id = ANY(%s)", [when_param, reason, user_id, list(ids)])
            return
        step = _MAX_PARAMS - 10
        for start in range(0, len(ids), step):
            chunk = list(ids[start : start + step])
            where = f"WHERE {quote('id')} IN ({', '.join(['%s'] * len(chunk))})"
            cursor.execute(select + where, [when_param, reason, user_id, *chunk])
