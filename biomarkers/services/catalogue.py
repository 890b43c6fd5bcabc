"""The analyte catalogue (biomarkers/catalogue.py) copied into the Analyte table."""

from biomarkers import catalogue
from biomarkers.models import Analyte


def analyte_catalogue_sync() -> None:
    """Copy catalogue.py into the Analyte table (what migration 0003 does at deploy).

    Needed again after a test flushes every table (transactional tests).
    """
    for position, analyte in enumerate(catalogue.all_analytes()):
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
