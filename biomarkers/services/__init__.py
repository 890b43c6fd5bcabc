"""Writes with rules for laboratory results, one module per job.

- ``ingestion``: ``lab_results_ingest``, the one service behind every way results arrive
  (JSON, FHIR, HL7 v2, CSV uploads, manual entry, matches from the inbox); ``items`` holds
  what it answers, ``versions`` decides about a result sent again, ``parking`` holds a
  result whose patient the sender cannot reach;
- ``sources``: where results come from (a laboratory key, manual entry, a CSV feed);
- ``inbox``: a coordinator matches or discards a parked result;
- ``hl7``: HL7 v2 message control ids, so a retransmission is not applied twice;
- ``manual``: a clinician's panel for a visit;
- ``uploads``: CSV uploads, processed by a Celery task;
- ``catalogue``: the analyte catalogue copied into its table.

Callers use the names below (``from biomarkers import services``, then
``services.lab_results_ingest(...)``). The modules of the package call each other through
the module that defines a function (``ingestion.lab_results_ingest``), so a test that
replaces a function for the package's own callers patches it there; replacing a name
here reaches only the callers outside the package (views, the API, commands).
"""

from biomarkers.services.catalogue import analyte_catalogue_sync
from biomarkers.services.hl7 import (
    hl7_message_acknowledged,
    hl7_message_claim,
    hl7_message_previous,
)
from biomarkers.services.inbox import parked_result_discard, parked_result_match
from biomarkers.services.ingestion import PRELIMINARY_FLAG, lab_results_ingest
from biomarkers.services.items import OUTCOMES, IngestReport, ItemOutcome
from biomarkers.services.manual import lab_panel_enter
from biomarkers.services.sources import (
    lab_source_for_client,
    lab_source_for_file,
    lab_source_manual,
    lab_source_of_client,
)
from biomarkers.services.uploads import (
    lab_upload_create,
    lab_upload_process,
    lab_uploads_recover_stale,
)

__all__ = [
    "OUTCOMES",
    "PRELIMINARY_FLAG",
    "IngestReport",
    "ItemOutcome",
    "analyte_catalogue_sync",
    "hl7_message_acknowledged",
    "hl7_message_claim",
    "hl7_message_previous",
    "lab_panel_enter",
    "lab_results_ingest",
    "lab_source_for_client",
    "lab_source_for_file",
    "lab_source_manual",
    "lab_source_of_client",
    "lab_upload_create",
    "lab_upload_process",
    "lab_uploads_recover_stale",
    "parked_result_discard",
    "parked_result_match",
]
