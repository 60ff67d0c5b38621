"""xforms: migrations 0001 to 0002 in one, for new databases.

Written by `makemigrations` from the models (without labels: bma/core/autodetector.py), not by
`squashmigrations`. Django applies it to a database that has none of the replaced migrations, and
the replaced ones, kept beside it, to a database that has some of them (an upgrade); a migration
that depends on one of them depends on this one where this one is used.

"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('xforms', '0001_initial'),
        ('xforms', '0002_translatable_names'),
    ]

    dependencies = [
        ('rounds', '0001_squashed_0004_translatable_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Form',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('xml_form_id', models.CharField(max_length=249, unique=True)),
                ('title', models.CharField(max_length=300)),
                ('kind', models.CharField(default='other', max_length=16)),
                ('state', models.CharField(default='open', max_length=16)),
            ],
            options={
                'ordering': ['xml_form_id'],
            },
        ),
        migrations.CreateModel(
            name='FormVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('version', models.CharField(max_length=249)),
                ('xlsform', models.BinaryField()),
                ('xlsform_sha256', models.CharField(max_length=64)),
                ('xml', models.TextField()),
                ('xml_md5', models.CharField(max_length=32)),
                ('media_filenames', models.JSONField(blank=True, default=list)),
                ('published_at', models.DateTimeField()),
                ('form', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='xforms.form')),
                ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['form', '-published_at'],
                'get_latest_by': 'published_at',
                'constraints': [models.UniqueConstraint(fields=('form', 'version'), name='form_version_unique')],
            },
        ),
        migrations.CreateModel(
            name='ListFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('filename', models.CharField(max_length=200)),
                ('content', models.BinaryField()),
                ('md5', models.CharField(max_length=32)),
                ('row_count', models.PositiveIntegerField(default=0)),
                ('round', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='list_files', to='rounds.round')),
            ],
            options={
                'ordering': ['round', 'filename'],
                'constraints': [models.UniqueConstraint(fields=('round', 'filename'), name='list_file_unique_per_round'), models.UniqueConstraint(condition=models.Q(('round__isnull', True)), fields=('filename',), name='list_file_unique_global')],
            },
        ),
    ]
