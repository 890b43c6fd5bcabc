"""Laboratory keys serve named sites; CSV feeds belong to their uploader (issue 9).

Data: every key that exists now serves every site that exists now, so no laboratory
stops matching its patients on deploy (narrow them in the admin afterwards); a CSV feed
that only one person ever uploaded to becomes that person's feed under the new code
(``file:u<user id>:<name>``, as services.lab_source_for_file computes it), so their
resends keep landing on it. A feed several people uploaded to keeps no owner: nobody's
new upload reaches it any more.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models




def give_keys_every_site(apps, schema_editor):
    LabClient = apps.get_model("biomarkers", "LabClient")
    Site = apps.get_model("registry", "Site")
    sites = list(Site.objects.all())
    for client in LabClient.objects.all():
        client.sites.add(*sites)


def give_feeds_their_uploader(apps, schema_editor):
    LabSource = apps.get_model("biomarkers", "LabSource")
    LabUpload = apps.get_model("biomarkers", "LabUpload")
    for source in LabSource.objects.filter(kind="file", owner__isnull=True):
        uploaders = set(
            LabUpload.objects.filter(source=source).values_list("uploaded_by_id", flat=True)
        )
        if len(uploaders) != 1:
            continue
        (owner_id,) = uploaders
        code = f"file:u{owner_id}:{source.name.casefold()}"[:80]
        if LabSource.objects.filter(code=code).exists():
            continue
        source.owner_id, source.code = owner_id, code
        source.save(update_fields=["owner", "code"])


class Migration(migrations.Migration):

    dependencies = [
        ('biomarkers', '0004_modified_at_index'),
        ('registry', '0004_modified_at_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='labclient',
            name='sites',
            field=models.ManyToManyField(help_text='The sites this laboratory serves: its results match only their patients.', related_name='lab_clients', to='registry.site'),
        ),
        migrations.AddField(
            model_name='labsource',
            name='owner',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(give_keys_every_site, migrations.RunPython.noop),
        migrations.RunPython(give_feeds_their_uploader, migrations.RunPython.noop),
    ]
