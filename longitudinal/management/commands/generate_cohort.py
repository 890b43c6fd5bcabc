"""Fill the database with a synthetic cohort: `manage.py generate_cohort --patients N`.

PostgreSQL: COPY with ids drawn from each table's sequence; other databases:
bulk_create. Snapshots of the new patients are rebuilt at the end so dashboards are
current. Not idempotent (each run adds N patients). Refuses to run with DEBUG off unless
--force: synthetic patients must never land in a production registry by accident.
The generator itself is the `synthetic` package (tooling, not part of this app); see
docs/generator.md.
"""

import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from longitudinal.models import SnapshotState
from synthetic import cohort


class Command(BaseCommand):
    help = "Generate N synthetic patients with visits, assessments, labs and a study (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--sites", type=int, default=10)
        parser.add_argument("--batch", type=int, default=2000, help="patients per transaction")
        parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4),
                            help="worker processes on PostgreSQL (1 elsewhere)")
        parser.add_argument("--no-snapshots", action="store_true",
                            help="skip the snapshot rebuild (dashboards will be stale)")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, patients, seed, sites, batch, jobs, no_snapshots, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "generate_cohort writes synthetic patients; it refuses to run with DEBUG "
                "off. Use --force if this really is a test database."
            )
        if patients < 1 or sites < 1 or batch < 1:
            raise CommandError("--patients, --sites and --batch must be at least 1.")
        self.verbosity, self.shown = options["verbosity"], -1
        ctx = cohort.prepare(seed=seed, sites=sites)
        start = time.perf_counter()
        report = cohort.generate(ctx=ctx, patients=patients, batch=batch, jobs=jobs,
                                 progress=self._progress)  # fmt: skip
        if not no_snapshots:
            self._snapshots(report, jobs)
        self._print(report, time.perf_counter() - start)

    def _progress(self, done: int, total: int) -> None:
        tenth = 10 * done // total
        if self.verbosity >= 2 or (self.verbosity and tenth > self.shown):
            self.shown = tenth
            self.stdout.write(f"  {done:,} / {total:,} patients")

    def _snapshots(self, report: cohort.Report, jobs: int) -> None:
        started = timezone.now()
        cohort.refresh_snapshots(report, jobs=jobs)
        # First refresh ever: everything without a snapshot is still caught by the
        # incremental refresh (it looks for patients with no snapshot), and the new
        # patients are current, so the first dashboard need not rebuild 100,000 rows.
        state, _ = SnapshotState.objects.get_or_create(pk=1)
        SnapshotState.objects.filter(Q(refreshed_through__isnull=True), pk=state.pk).update(
            refreshed_through=started
        )

    def _print(self, report: cohort.Report, wall: float) -> None:
        """Rows/s per table (time in COPY or bulk_create, summed over worker processes)."""
        timings = report.timings
        total_rows = sum(timings.rows.values())
        self.stdout.write(f"{'table / phase':<34}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
        for name, seconds in timings.seconds.items():
            rows = timings.rows[name]
            rate = f"{rows / seconds:,.0f}" if rows and seconds else "—"
            self.stdout.write(f"{name:<34}{rows:>12,}{seconds:>10.2f}{rate:>12}")
        self.stdout.write(
            f"{'total (wall clock)':<34}{total_rows:>12,}{wall:>10.2f}{total_rows / wall:>12,.0f}"
        )
        self.stdout.write(
            f"{report.scored:,} scoring calls in {report.scoring_seconds:.2f} s "
            f"(the rest memoised). Generated {len(report.patient_ids):,} patients."
        )
