# The message of an adverse event resolved before its onset now comes from this
# constraint alone (the service no longer repeats the rule). State only: Django's
# AlterConstraint does not touch the database for a new message.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0004_modified_at_index"),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name="adverseevent",
            name="adverse_event_resolves_after_onset",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("resolved_on__isnull", True),
                    ("resolved_on__gte", models.F("onset_date")),
                    _connector="OR",
                ),
                name="adverse_event_resolves_after_onset",
                violation_error_message="The event cannot end before it starts: the "
                "resolution date is before the onset date.",
            ),
        ),
    ]
