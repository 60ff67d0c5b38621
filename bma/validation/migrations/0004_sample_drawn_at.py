from django.db import migrations, models
from django.db.models import F


def samples_drawn_before(apps, schema_editor):
    # Samples stored before this field were drawn when their row was made (the task made both).
    apps.get_model("validation", "SpotCheckSample").objects.filter(drawn_at=None).update(drawn_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("validation", "0003_translatable_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="spotchecksample",
            name="drawn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="drawn at"),
        ),
        migrations.RunPython(samples_drawn_before, migrations.RunPython.noop),
    ]
