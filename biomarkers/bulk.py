"""Set-based writes for the ingestion service: one INSERT per chunk instead of one per row.

``insert_new_results`` is ``INSERT ... ON CONFLICT (source_id, external_id) DO NOTHING
RETURNING id, external_id``: the unique constraint, not a prior read, decides which row
wins when the same result is posted twice at once (a racing insert waits for the other
transaction and is then skipped). PostgreSQL and SQLite ≥ 3.35 both speak this SQL.

``copy_to_history`` writes the django-simple-history "created" rows of those results
with one ``INSERT ... SELECT``, so history costs one statement per chunk, not per row.
"""

from __future__ import annotations

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
    fields = _insert_fields()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = quote(LabResult._meta.db_table)
    conflict = f"{quote('source_id')}, {quote('external_id')}"
    per_statement = max(1, _MAX_PARAMS // len(fields))
    inserted: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            params = []
            for obj in chunk:
                obj.created_at = obj.modified_at = now
                params.extend(
                    f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields
                )
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))} "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO NOTHING "
                f"RETURNING {quote('id')}, {quote('external_id')}"
            )
            cursor.execute(sql, params)
            inserted.update((external_id, pk) for pk, external_id in cursor.fetchall())
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
    step = _MAX_PARAMS - 10
    with connection.cursor() as cursor:
        for start in range(0, len(ids), step):
            chunk = list(ids[start : start + step])
            sql = (
                f"INSERT INTO {quote(history._meta.db_table)} ({columns}, {history_columns}) "  # noqa: S608
                f"SELECT {columns}, %s, %s, '+', %s FROM {quote(LabResult._meta.db_table)} "
                f"WHERE {quote('id')} IN ({', '.join(['%s'] * len(chunk))})"
            )
            when_param = LabResult.history.model._meta.get_field("history_date").get_db_prep_save(
                when, connection
            )
            cursor.execute(sql, [when_param, reason, user_id, *chunk])
