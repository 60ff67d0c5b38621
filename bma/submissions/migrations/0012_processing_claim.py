from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("submissions", "0011_pull_error_detail")]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="claim_token",
            field=models.BigIntegerField(blank=True, editable=False, null=True, verbose_name="claim token"),
        ),
        migrations.AddField(
            model_name="submission",
            name="claimed_by",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="claimed by"),
        ),
    ]
