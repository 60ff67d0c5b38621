from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0003_heartbeat")]

    operations = [
        migrations.CreateModel(
            name="ReferenceVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(default=0, verbose_name="value")),
            ],
            options={"verbose_name": "reference data version", "verbose_name_plural": "reference data versions"},
        ),
    ]
