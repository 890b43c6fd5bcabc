"""Load the analyte catalogue (biomarkers/catalogue.py) into the Analyte table.

The pure-Python catalogue stays the source of conversions; this copy lets results point
at an analyte with a foreign key. A later change to the catalogue ships with a new
migration that calls ``sync_catalogue`` again (it updates in place and never deletes an
analyte that results may reference).
"""

from django.db import migrations


def sync_catalogue(apps, schema_editor):
    from biomarkers.catalogue import all_analytes

    Analyte = apps.get_model("biomarkers", "Analyte")
    for position, analyte in enumerate(all_analytes()):
        Analyte.objects.update_or_create(
            code=analyte.code,
            defaults={
                "name": analyte.name,
                "canonical_unit": analyte.canonical_unit,
                "loinc_codes": list(analyte.loinc_codes),
                "is_core": analyte.is_core,
                "position": position,
                "definition": analyte.as_dict(),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("biomarkers", "0002_results")]

    operations = [migrations.RunPython(sync_catalogue, migrations.RunPython.noop)]
