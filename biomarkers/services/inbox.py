"""The coordinator's side of parked results: match one to a patient, or discard it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from biomarkers.models import LabResult, ParkedLabResult, ParkedStatus
from biomarkers.parsing.records import PatientRef
from biomarkers.patient_scope import patient_scope_for_user
from biomarkers.services import ingestion
from biomarkers.services.parking import record_from_json
from registry.access import can_view_cohort
from registry.models import Patient


def check_inbox_access(actor) -> None:
    if not can_view_cohort(actor):
        raise PermissionDenied("Only coordinators and administrators review parked results.")


@transaction.atomic
def parked_result_match(*, actor, parked: ParkedLabResult, patient: Patient) -> LabResult:
    """Ingest a parked result for the patient a coordinator identified.

    The caller obtains ``patient`` through registry.access, so site scoping holds. The
    result then meets every rule of the service (before birth, duplicates, ...).
    """
    check_inbox_access(actor)
    parked = ParkedLabResult.objects.select_for_update().get(pk=parked.pk)
    if parked.status != ParkedStatus.OPEN:
        raise ValidationError("This result has already been dealt with.")
    record = record_from_json(parked.record, patient=PatientRef(study_id=patient.study_id))
    # Out of the open state first (no history row: the save below records the outcome),
    # so that the ingestion does not mark this very row as superseded.
    ParkedLabResult.objects.filter(pk=parked.pk).update(status=ParkedStatus.MATCHED)
    report = ingestion.lab_results_ingest(
        source=parked.source, records=[record], scope=patient_scope_for_user(actor),
        actor=actor, atomic=True,
    )  # fmt: skip
    (item,) = report.items
    if item.outcome == "rejected":
        raise ValidationError({"patient": list(item.errors)})
    parked.status, parked.result_id = ParkedStatus.MATCHED, item.id
    parked.resolved_by, parked.resolved_at = actor, timezone.now()
    parked.note = f"Matched to {patient.study_id} ({item.outcome})."
    parked._history_user = actor
    parked.save()
    return LabResult.objects.get(pk=item.id)


@transaction.atomic
def parked_result_discard(*, actor, parked: ParkedLabResult, note: str) -> None:
    check_inbox_access(actor)
    parked = ParkedLabResult.objects.select_for_update().get(pk=parked.pk)
    if parked.status != ParkedStatus.OPEN:
        raise ValidationError("This result has already been dealt with.")
    if not note.strip():
        raise ValidationError({"note": ["Say why the result is discarded."]})
    parked.status, parked.note = ParkedStatus.DISCARDED, note.strip()[:300]
    parked.resolved_by, parked.resolved_at = actor, timezone.now()
    parked._history_user = actor
    parked.save()
