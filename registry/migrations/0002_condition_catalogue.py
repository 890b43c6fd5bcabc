"""Load the comorbidity catalogue: the 11 FRAIL-scale illnesses (Morley 2012) and the
other conditions the registry follows."""

from django.db import migrations

# (code, name, counted by the FRAIL scale)
CONDITIONS = [
    ("hypertension", "Hypertension", True),
    ("diabetes", "Diabetes", True),
    ("cancer", "Cancer (other than minor skin cancer)", True),
    ("chronic_lung_disease", "Chronic lung disease", True),
    ("heart_attack", "Heart attack (myocardial infarction)", True),
    ("congestive_heart_failure", "Congestive heart failure", True),
    ("angina", "Angina", True),
    ("asthma", "Asthma", True),
    ("arthritis", "Arthritis", True),
    ("stroke", "Stroke", True),
    ("kidney_disease", "Kidney disease", True),
    ("cognitive_impairment", "Cognitive impairment", False),
    ("depression", "Depression", False),
    ("copd", "Chronic obstructive pulmonary disease (COPD)", False),
    ("atrial_fibrillation", "Atrial fibrillation", False),
    ("osteoporosis", "Osteoporosis", False),
    ("peripheral_vascular_disease", "Peripheral vascular disease", False),
]


def load(apps, schema_editor):
    Condition = apps.get_model("registry", "Condition")
    for code, name, frail in CONDITIONS:
        Condition.objects.update_or_create(
            code=code, defaults={"name": name, "in_frail_scale": frail}
        )


def unload(apps, schema_editor):
    apps.get_model("registry", "Condition").objects.filter(
        code__in=[c[0] for c in CONDITIONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
