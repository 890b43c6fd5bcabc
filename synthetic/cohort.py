"""Synthetic cohort generator: a realistic registry of any size, filled fast.

Run by `manage.py generate_cohort` (which bench/longitudinal.py calls). Design notes are
in docs/generator.md; in short:

- Every patient has a latent frailty (0 robust … 1 very frail) that rises with age, is
  higher in women and drifts up over follow-up, as frailty does in older adults. Instrument
  inputs (Fried, CFS, SPPB, gait speed, grip, 6MWT) are drawn from it and scored by the
  real scoring modules; biomarkers are log-normal and higher in frail patients.
- About 30 % of patients take part in a four-arm dose-finding study (placebo, 20, 100,
  200 million MSCs) with one infusion and visits inside the default schedule windows.
- Rows are planned in batches of patients, given ids drawn from each table's own
  sequence, then written by a `Writer`: PostgreSQL COPY, or bulk_create elsewhere.
- Each batch has its own random stream (seed, batch number), so a seed always gives the
  same cohort for the same --batch.
- created_at/modified_at are the fictional entry times (the visit day), not the time of
  generation: incremental snapshot refreshes must not take the cohort for fresh edits.

This module sets the run up and drives it; `timeline` plans patients and visits,
`measures` draws what is measured at a visit, `batch` turns a batch of plans into rows,
`writers` writes them.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, connections, transaction
from django.utils import timezone

from biomarkers.services import lab_source_for_file
from longitudinal.snapshots import snapshots_refresh
from registry.models import Arm, Condition, Site, Study, Timepoint
from registry.studies.schedule import DEFAULT_SCHEDULE
from synthetic.batch import Batch
from synthetic.measures import Scorer
from synthetic.timeline import ARMS, Context
from synthetic.writers import ANALYZE_AFTER, TABLES, WRITE_ORDER, CopyWriter, OrmWriter, Timings

STUDY_CODE = "MSC-SYN"
SITE_PREFIX = "SYN"
SOURCE_NAME = "Synthetic cohort generator"


def prepare(*, seed: int, sites: int, as_of: dt.date | None = None) -> Context:
    """Create (or reuse) the synthetic sites, the study with its arms, the lab source."""
    site_ids = [_site(n) for n in range(1, sites + 1)]
    study = _study()
    arm_ids = [_arm(study, *arm[:4]) for arm in ARMS]
    return Context(
        seed=seed,
        as_of=as_of or timezone.localdate(),
        site_ids=site_ids,
        alt_unit_sites=set(site_ids[1::3]),
        study_id=study.pk,
        arm_ids=arm_ids,
        condition_ids=dict(Condition.objects.values_list("code", "pk")),
        source_id=lab_source_for_file(name=SOURCE_NAME, owner=None).pk,
    )


def _site(n: int) -> int:
    site, _ = Site.objects.get_or_create(
        code=f"{SITE_PREFIX}{n:02d}", defaults={"name": f"Synthetic site {n}"}
    )
    return site.pk


def _study() -> Study:
    study, created = Study.objects.get_or_create(
        code=STUDY_CODE,
        defaults={
            "name": "Allogeneic MSCs in frailty — dose finding (synthetic)",
            "blinded": True,
            "description": "Synthetic data from manage.py generate_cohort: one infusion of "
                           "placebo or 20, 100 or 200 million cells.",
        },
    )
    if created:
        Timepoint.objects.bulk_create(
            Timepoint(study=study, code=w.code, name=w.name, target_day=w.target_day,
                      window_before=w.before, window_after=w.after)
            for w in DEFAULT_SCHEDULE
        )  # fmt: skip
    return study


def _arm(study: Study, code: str, name: str, dose, placebo: bool) -> int:
    arm, _ = Arm.objects.get_or_create(
        study=study, code=code,
        defaults={"name": name, "dose": dose, "placebo": placebo,
                  "dose_unit": "million cells" if dose is not None else ""},
    )  # fmt: skip
    return arm.pk


@dataclass
class Report:
    """What a run produced: patient ids and timings per table and phase."""

    patient_ids: list[int] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    scored: int = 0
    scoring_seconds: float = 0.0

    def merge(self, other: Report) -> None:
        self.patient_ids += other.patient_ids
        for name, seconds in other.timings.seconds.items():
            self.timings.add(name, other.timings.rows[name], seconds)
        self.scored += other.scored
        self.scoring_seconds += other.scoring_seconds


_SCORER: Scorer | None = None  # one per process: its memo outlives the batch


def _run_batch(job: tuple[Context, int, int]) -> Report:
    """Plan, score and write one batch in its own transaction (in any process)."""
    global _SCORER  # a per-process cache (memo), never shared between processes
    ctx, number, size = job
    scorer = _SCORER = _SCORER or Scorer()
    scored, scoring_seconds = scorer.scored, scorer.seconds
    report = Report()
    writer = CopyWriter(report.timings) if connection.vendor == "postgresql" else OrmWriter(
        report.timings
    )
    with transaction.atomic():
        planned = time.perf_counter()
        rows = Batch(ctx, number, size, scorer).build(writer.allocate)
        report.timings.add("(plan, draw, score)", 0, time.perf_counter() - planned)
        for name in WRITE_ORDER:
            writer.write(name, rows[name])
    report.patient_ids = [r[0] for r in rows["patient"]]
    report.scored = scorer.scored - scored
    report.scoring_seconds = scorer.seconds - scoring_seconds
    return report


def _parallel(jobs: int) -> bool:
    # Worker processes each hold their own connection; on SQLite (one writer) and inside
    # a caller's transaction (tests) everything stays in this process.
    return jobs > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block


def _map(function, items: list, jobs: int):
    """Map in `jobs` forked processes (PostgreSQL), or here; results in any order."""
    if not _parallel(jobs):
        yield from map(function, items)
        return
    connections.close_all()  # a forked child must not share the parent's socket
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap_unordered(function, items)


def generate(*, ctx: Context, patients: int, batch: int, jobs: int = 1,
             progress: Callable[[int, int], None] | None = None) -> Report:
    """Write `patients` synthetic patients in batches; one transaction per batch."""
    work = [(ctx, number, min(batch, patients - first))
            for number, first in enumerate(range(0, patients, batch))]  # fmt: skip
    report = Report()
    for part in _map(_run_batch, work, jobs):
        report.merge(part)
        if progress:
            progress(len(report.patient_ids), patients)
    return report


def _refresh_chunk(patient_ids: list[int]) -> int:
    return snapshots_refresh(patient_ids=patient_ids)


def refresh_snapshots(report: Report, *, jobs: int = 1, chunk: int = 5000) -> int:
    """Rebuild the new patients' snapshots (after ANALYZE, in `jobs` processes)."""
    if connection.vendor == "postgresql":
        # Right after a bulk load the planner still believes the tables are nearly
        # empty and picks nested loops: measured 65 s instead of 13 s for 10,000
        # patients before this ANALYZE.
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for name in ANALYZE_AFTER:
                cursor.execute(f"ANALYZE {TABLES[name].db_table}")
        report.timings.add("(analyze)", 0, time.perf_counter() - start)
    ids = sorted(report.patient_ids)
    chunks = [ids[i:i + chunk] for i in range(0, len(ids), chunk)]
    start = time.perf_counter()
    written = sum(_map(_refresh_chunk, chunks, jobs))
    report.timings.add("longitudinal_patientsnapshot", written, time.perf_counter() - start)
    return written

