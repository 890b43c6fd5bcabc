"""Writing a batch: PostgreSQL COPY with ids from each table's sequence, or bulk_create."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.apps import apps
from django.db import connection


@dataclass(frozen=True)
class Table:
    """A table the generator writes: model label and columns (attnames) in row order."""

    model: str
    columns: tuple[str, ...]
    json_columns: tuple[str, ...] = ()

    @property
    def db_table(self) -> str:
        return apps.get_model(self.model)._meta.db_table


STAMPS = ("created_at", "modified_at")
TABLES = {
    "patient": Table("registry.Patient", (
        "id", "study_id", "site_id", "mrn", "given_name", "family_name", "date_of_birth",
        "sex", "ethnicity", "race", "enrolled_on", "status", *STAMPS)),
    "condition": Table("registry.PatientCondition", (
        "id", "patient_id", "condition_id", "onset_date", "notes", *STAMPS)),
    "visit": Table("registry.Visit", (
        "id", "patient_id", "date", "kind", "weight_kg", "height_cm", "notes", *STAMPS)),
    "enrollment": Table("registry.Enrollment", (
        "id", "patient_id", "study_id", "arm_id", "enrolled_on", *STAMPS)),
    "intervention": Table("registry.Intervention", (
        "id", "patient_id", "enrollment_id", "kind", "product", "description", "dose",
        "dose_unit", "route", "start_date", "end_date", "volume_ml", "rate_ml_min", "notes",
        *STAMPS)),
    "adverse_event": Table("registry.AdverseEvent", (
        "id", "patient_id", "onset_date", "resolved_on", "description", "severity",
        "serious", "criterion_death", "criterion_life_threatening",
        "criterion_hospitalisation", "criterion_disability", "criterion_other_important",
        "relatedness", "action_taken", "outcome", "notes", *STAMPS)),
    "assessment": Table("assessments.Assessment", (
        "id", "visit_id", "instrument", "version", "inputs", "context", "score", "max_score",
        "category", "label", "components", "missing", "flags", "derived", *STAMPS),
        json_columns=("inputs", "context", "components", "missing", "flags", "derived")),
    "lab_result": Table("biomarkers.LabResult", (
        "id", "patient_id", "visit_id", "analyte_id", "value", "unit", "comparator",
        "reported_value", "reported_unit", "loinc", "collected_at", "resulted_at", "status",
        "reference_range", "interpretation", "method", "device", "specimen", "flags",
        "source_id", "external_id", "external_id_system", *STAMPS),
        json_columns=("flags",)),
}  # fmt: skip


class Timings:
    """Rows and seconds per table, and per phase (plan+score, snapshots)."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, name: str, rows: int, seconds: float) -> None:
        self.rows[name] += rows
        self.seconds[name] += seconds


class CopyWriter:
    """PostgreSQL: ids from each table's sequence, rows through COPY FROM STDIN."""

    def __init__(self, timings: Timings) -> None:
        self.timings = timings
        self.sequences: dict[str, str] = {}

    def allocate(self, name: str, n: int) -> Sequence[int]:
        if n == 0:
            return []
        sequence = self.sequences.get(name)
        with connection.cursor() as cursor:
            if sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLES[name].db_table])
                sequence = self.sequences[name] = cursor.fetchone()[0]
            # Many nextval calls in one statement: safe beside concurrent inserts (each
            # value is ours alone), and one round trip per table and batch.
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, n])
            return [r[0] for r in cursor.fetchall()]

    def write(self, name: str, rows: list[tuple]) -> None:
        table = TABLES[name]
        start = time.perf_counter()
        sql = f"COPY {table.db_table} ({', '.join(table.columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        self.timings.add(name, len(rows), time.perf_counter() - start)


class OrmWriter:
    """Other databases (SQLite in development and tests): bulk_create with explicit ids.

    Ids continue from the table's current maximum; single-writer only, which is what
    a development database is.
    """

    def __init__(self, timings: Timings) -> None:
        self.timings = timings
        self.next_id: dict[str, int] = {}

    def allocate(self, name: str, n: int) -> Sequence[int]:
        if name not in self.next_id:
            model = apps.get_model(TABLES[name].model)
            top = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            self.next_id[name] = (top or 0) + 1
        first = self.next_id[name]
        self.next_id[name] += n
        return range(first, first + n)

    def write(self, name: str, rows: list[tuple]) -> None:
        table = TABLES[name]
        model = apps.get_model(table.model)
        start = time.perf_counter()
        objs = [model(**self._values(table, row)) for row in rows]
        # auto_now/auto_now_add would overwrite the fictional entry times: bypass them.
        for obj, row in zip(objs, rows, strict=True):
            obj.created_at, obj.modified_at = row[-2], row[-1]
        with _no_auto_now(model):
            model.objects.bulk_create(objs, batch_size=500)
        self.timings.add(name, len(rows), time.perf_counter() - start)

    @staticmethod
    def _values(table: Table, row: tuple) -> dict:
        values = dict(zip(table.columns, row, strict=True))
        for name in table.json_columns:
            values[name] = json.loads(values[name])
        return values


class _no_auto_now:
    """Switch auto_now/auto_now_add off for one bulk_create (restored afterwards)."""

    def __init__(self, model) -> None:
        self.fields = [f for f in model._meta.concrete_fields if f.name in STAMPS]
        self.saved = [(f.auto_now, f.auto_now_add) for f in self.fields]

    def __enter__(self):
        for f in self.fields:
            f.auto_now = f.auto_now_add = False

    def __exit__(self, *exc):
        for f, (now, add) in zip(self.fields, self.saved, strict=True):
            f.auto_now, f.auto_now_add = now, add


WRITE_ORDER = ("patient", "condition", "visit", "enrollment", "intervention",
               "adverse_event", "assessment", "lab_result")  # fmt: skip
# Tables whose planner statistics matter to the snapshot rebuild that follows the load.
ANALYZE_AFTER = ("patient", "visit", "enrollment", "intervention", "assessment", "lab_result")

