"""A clinician's panel of results for a visit, entered on the page: all stored or none."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from biomarkers.models import HIDDEN_STATUSES, LabResult
from biomarkers.parsing.jsonitem import json_record
from biomarkers.parsing.records import LabRecord
from biomarkers.patient_scope import patient_scope_for_user
from biomarkers.services import ingestion
from biomarkers.services.items import IngestReport, PreparedItem
from biomarkers.services.sources import lab_source_manual
from registry.access import can_write_patients
from registry.models import Patient, Visit


def lab_panel_enter(
    *, actor, visit: Visit, collected_at: dt.datetime, entries: Sequence[dict[str, Any]]
) -> IngestReport:
    """A clinician's panel for a visit: every entry stored, or none (form semantics).

    ``entries``: ``{"analyte", "value", "unit"}`` with the value as typed ("<0.5" allowed).
    Raises ValidationError keyed by analyte code, also for an entry already recorded: the
    same patient, analyte, collection time and value stored and not retracted (back +
    resubmit after a reload carries a new form token, so the token alone cannot tell).
    """
    if not can_write_patients(actor):
        raise PermissionDenied("Only clinicians and administrators enter laboratory results.")
    records = [
        json_record(
            index,
            {
                "patient": {"study_id": visit.patient.study_id},
                "analyte": entry["analyte"],
                "value": entry["value"],
                "unit": entry["unit"],
                "collected_at": collected_at.isoformat(),
                "status": "final",
                "external_id": f"manual-{uuid.uuid4()}",
            },
        )
        for index, entry in enumerate(entries)
    ]
    with transaction.atomic():
        # One panel of a patient at a time: a panel committed a moment ago by a racing
        # request is then visible to the check below (row lock; PostgreSQL).
        Patient.objects.select_for_update().only("pk").get(pk=visit.patient_id)
        repeats = _panel_repeats(visit.patient_id, records)
        if repeats:
            raise ValidationError({entries[index]["analyte"]: [message]
                                   for index, message in repeats.items()})
        report = ingestion.lab_results_ingest(
            source=lab_source_manual(), records=records, scope=patient_scope_for_user(actor),
            actor=actor, atomic=True, visit_id=visit.pk,
        )  # fmt: skip
    if not report.applied:
        raise ValidationError(
            {entries[item.index]["analyte"]: list(item.errors) for item in report.rejected}
        )
    return report


def _panel_repeats(patient_id: int, records: Sequence[LabRecord]) -> dict[int, str]:
    """Entries whose natural key (patient, analyte, collection time, value) is stored."""
    now = timezone.now()
    prepared = (ingestion.prepare_record(r, now) for r in records)
    items = [item for item in prepared if isinstance(item, PreparedItem)]
    if not items:
        return {}
    stored = set(
        LabResult.objects.filter(
            patient_id=patient_id,
            collected_at=items[0].record.collected_at,
            analyte_id__in=[item.analyte.code for item in items],
        )
        .exclude(status__in=HIDDEN_STATUSES)
        .values_list("analyte_id", "comparator", "value")
    )
    return {
        item.record.index: (
            f"Already recorded: {item.record.reported_value} {item.record.unit} collected at "
            f"{item.record.collected_at:%H:%M} is stored for this patient; not stored again."
        )
        for item in items
        if (item.analyte.code, item.record.comparator or "", item.canonical) in stored
    }
