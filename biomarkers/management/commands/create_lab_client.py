"""Create a laboratory client for the sites it serves and print its API key once."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from biomarkers.models import LabClient
from registry.models import Site


class Command(BaseCommand):
    help = (
        "Create a laboratory client serving the given sites; its API key is printed once "
        "and stored hashed. The key matches only patients of those sites."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help='Name of the laboratory system, e.g. "Central Lab LIS"')
        parser.add_argument(
            "--site",
            dest="sites",
            action="append",
            required=True,
            metavar="CODE",
            help="Code of a site this laboratory serves; repeat for several (--site A --site B).",
        )

    def handle(self, *args, name, sites, **options):
        codes = sorted(set(sites))
        found = list(Site.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {site.code for site in found})
        if unknown:
            known = ", ".join(Site.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"Unknown site code(s): {', '.join(unknown)}. Known: {known}.")
        with transaction.atomic():
            client, key = LabClient.objects.create_key(name=name)
            client.sites.set(found)
        self.stdout.write(
            f"Created laboratory client {client.name!r} (prefix {client.prefix}) "
            f"for site(s) {', '.join(codes)}."
        )
        self.stdout.write("API key (shown once, store it in the lab system now):")
        self.stdout.write(key)
        self.stdout.write("Send it as the header:  Authorization: Api-Key <key>")
