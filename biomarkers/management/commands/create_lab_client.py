"""Create a laboratory client and print its API key once."""

from django.core.management.base import BaseCommand

from biomarkers.models import LabClient


class Command(BaseCommand):
    help = "Create a laboratory client; its API key is printed once and stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("name", help='Name of the laboratory system, e.g. "Central Lab LIS"')

    def handle(self, *args, name, **options):
        client, key = LabClient.objects.create_key(name=name)
        self.stdout.write(f"Created laboratory client {client.name!r} (prefix {client.prefix}).")
        self.stdout.write("API key (shown once, store it in the lab system now):")
        self.stdout.write(key)
        self.stdout.write("Send it as the header:  Authorization: Api-Key <key>")
