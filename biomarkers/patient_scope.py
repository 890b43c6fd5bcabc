"""Which patients a sender of laboratory results may reach, and what it learns of the rest.

Every caller of ``services.lab_results_ingest`` states a ``PatientScope``: a person's
upload, a match from the inbox or a manual panel reaches the patients of that person's
sites (``registry.access.patients_visible_to``); a laboratory key reaches the patients of
the sites it serves (``LabClient.sites``). Patient identifiers are resolved inside the
scope only, so a row naming a patient outside it meets exactly what a row naming nobody
meets: the same outcome and the same words, whether or not the patient exists elsewhere.

Laboratory keys are also never told a patient fact: a result that could only be refused
because of the patient (collected before birth) is parked like a result for an unknown
patient, and a person sorts it out from the inbox, where the clear message appears.
docs/security.md ("Site isolation on write paths", "Laboratory keys") has the decisions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from biomarkers.models import LabClient
from biomarkers.parsing.records import PatientRef
from registry.access import patients_visible_to
from registry.models import Patient


@dataclass(frozen=True)
class PatientScope:
    """The patients a sender may write results for, and how it is answered about others.

    ``park_unmatched``: a result for a patient outside the scope waits in the inbox for a
    coordinator (laboratory systems: the result must not be lost) instead of being refused
    (people, who can correct their file). ``reveals_patient_facts``: the sender may be told
    why a result does not fit the patient (people may see birth dates; keys may not).
    """

    patients: QuerySet[Patient]
    park_unmatched: bool
    reveals_patient_facts: bool


def patient_scope_for_user(user) -> PatientScope:
    """A person: the patients of their sites (administrators: all); others are refused."""
    return PatientScope(
        patients=patients_visible_to(user), park_unmatched=False, reveals_patient_facts=True
    )


def patient_scope_for_lab_client(lab_client: LabClient) -> PatientScope:
    """A laboratory key: the patients of the sites it serves; others are parked."""
    return PatientScope(
        patients=Patient.objects.filter(site__in=lab_client.sites.all()),
        park_unmatched=True,
        reveals_patient_facts=False,
    )


def patient_scope_registry() -> PatientScope:
    """Every patient, for management commands (demo data, synthetic cohort, benchmarks)
    that act for the registry itself; never for a request."""
    return PatientScope(
        patients=Patient.objects.all(), park_unmatched=True, reveals_patient_facts=True
    )


@dataclass(frozen=True)
class PatientInfo:
    """What ingestion needs of a resolved patient."""

    id: int
    date_of_birth: dt.date


def patient_key(ref: PatientRef) -> tuple[str, ...]:
    return ("study", ref.study_id) if ref.study_id else ("mrn", ref.site or "", ref.mrn or "")


def patients_resolve(
    refs: Iterable[PatientRef], *, scope: PatientScope
) -> dict[tuple[str, ...], PatientInfo]:
    """The patients these identifiers name within the scope (two queries at most)."""
    refs = [ref for ref in refs if ref.is_resolvable]
    study_ids = {ref.study_id for ref in refs if ref.study_id}
    pairs = {(ref.site, ref.mrn) for ref in refs if not ref.study_id}
    found: dict[tuple[str, ...], PatientInfo] = {}
    if study_ids:
        rows = scope.patients.filter(study_id__in=study_ids)
        for pk, study_id, born in rows.values_list("id", "study_id", "date_of_birth"):
            found[("study", study_id)] = PatientInfo(pk, born)
    if pairs:
        # A superset (any site x any MRN) in one query; exact pairs are picked below.
        rows = scope.patients.filter(
            site__code__in={s for s, _ in pairs}, mrn__in={m for _, m in pairs}
        )
        for pk, site, mrn, born in rows.values_list("id", "site__code", "mrn", "date_of_birth"):
            if (site, mrn) in pairs:
                found[("mrn", site, mrn)] = PatientInfo(pk, born)
    return found


def identifier_text(ref: PatientRef) -> str:
    """The identifier as sent, in words: the same whether or not such a patient exists."""
    if ref.study_id:
        return f"study id '{ref.study_id}'"
    if ref.is_resolvable:
        return f"site '{ref.site}' and MRN '{ref.mrn}'"
    return f"identifier '{ref.value}' (system '{ref.system or 'none'}')"


def unmatched_reason(ref: PatientRef) -> str:
    """Why a result found no patient; deliberately silent on patients outside the scope."""
    return f"No patient at this sender's sites matches {identifier_text(ref)}"
