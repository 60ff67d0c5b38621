from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("submissions", "0009_central_sources")]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="central_review_state",
            field=models.CharField(blank=True, max_length=16, verbose_name="review state in Central"),
        ),
        migrations.AddField(
            model_name="submission",
            name="central_review_state_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="review state in Central since"),
        ),
        migrations.AddField(
            model_name="submission",
            name="central_deleted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="deleted in Central at"),
        ),
        migrations.AddField(
            model_name="pullsource",
            name="deleted_cursor",
            field=models.CharField(blank=True, max_length=40, verbose_name="deletions cursor"),
        ),
    ]
