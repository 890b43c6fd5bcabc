"""Load the demo cohort: sites, logins, patients, and whatever each app adds to them.

Idempotent: running it again keeps what exists, resets the demo passwords and adds only
what is missing. Refuses to run with DEBUG off unless --force (it creates known logins).
"""

import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry import demo as registry_demo
from registry.models import Patient

# Each app adds to the demo cohort with a module exposing `seed(*, context) -> str`
# (context: the registry step's result: sites, users, created). Run in this order;
# a module that does not exist yet is skipped.
DEMO_STEPS = ["registry.studies.demo", "assessments.demo", "biomarkers.demo"]


class Command(BaseCommand):
    help = "Create the demo sites, logins and ~200 patients (idempotent; DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument(
            "--patients-per-site", type=int, default=registry_demo.PATIENTS_PER_SITE
        )

    def handle(self, *args, force=False, patients_per_site=None, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates logins with a published password; it refuses to run "
                "with DEBUG off. Use --force if you really mean it."
            )
        with transaction.atomic():
            result = registry_demo.seed(patients_per_site=patients_per_site)
            for line in self._run_steps(result):
                self.stdout.write(line)
        self.stdout.write(
            f"Demo data ready: {Patient.objects.count()} patients "
            f"({result['created']} new) at {len(result['sites'])} sites."
        )
        self.stdout.write(
            f"Demo logins (password for all: {registry_demo.DEMO_PASSWORD}):"
        )
        for line in registry_demo.demo_logins():
            self.stdout.write(line)

    def _run_steps(self, context) -> list[str]:
        lines = []
        for name in DEMO_STEPS:
            if importlib.util.find_spec(name) is None:
                continue
            lines.append(importlib.import_module(name).seed(context=context))
        return lines
