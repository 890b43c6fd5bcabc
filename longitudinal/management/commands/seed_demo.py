"""Load the demo cohort: sites, logins, patients, and whatever each app adds to them.

Idempotent: running it again keeps what exists, resets the demo passwords and adds only
what is missing. Refuses to run with DEBUG off unless --force (it creates known logins).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry import demo as registry_demo
from registry.models import Patient


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
        self.stdout.write(
            f"Demo data ready: {Patient.objects.count()} patients "
            f"({result['created']} new) at {len(result['sites'])} sites."
        )
        self.stdout.write(
            f"Demo logins (password for all: {registry_demo.DEMO_PASSWORD}):"
        )
        for line in registry_demo.demo_logins():
            self.stdout.write(line)
