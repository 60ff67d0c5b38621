"""exports: migrations 0001 to 0009 in one, for new databases.

Written by `makemigrations` from the models (without labels: bma/core/autodetector.py), not by
`squashmigrations`. Django applies it to a database that has none of the replaced migrations, and
the replaced ones, kept beside it, to a database that has some of them (an upgrade); a migration
that depends on one of them depends on this one where this one is used.

"""

import bma.exports.models
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('exports', '0001_initial'),
        ('exports', '0002_reference_figures'),
        ('exports', '0003_export_expiry_and_downloads'),
        ('exports', '0004_published_reports'),
        ('exports', '0005_published_documents_per_language'),
        ('exports', '0006_export_job_language'),
        ('exports', '0007_translatable_names'),
        ('exports', '0008_exports_translatable_names'),
        ('exports', '0009_publication_readiness'),
    ]

    dependencies = [
        ('geo', '0001_squashed_0002_translatable_names'),
        ('rounds', '0001_squashed_0004_translatable_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ExportJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('format', models.CharField(default='xlsx', max_length=8)),
                ('include_unapproved', models.BooleanField(default=False)),
                ('include_personal', models.BooleanField(default=False)),
                ('hxl', models.BooleanField(default=False)),
                ('language', models.CharField(default='en', max_length=8)),
                ('state', models.CharField(default='queued', max_length=8)),
                ('progress', models.PositiveSmallIntegerField(default=0)),
                ('file', models.FileField(blank=True, upload_to='exports/')),
                ('error', models.TextField(blank=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exports', to='rounds.round')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='ExportDownload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('downloaded_at', models.DateTimeField(auto_now_add=True)),
                ('address', models.GenericIPAddressField(blank=True, null=True)),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='downloads', to='exports.exportjob')),
            ],
            options={
                'ordering': ['-downloaded_at'],
            },
        ),
        migrations.CreateModel(
            name='PublishedReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('version', models.PositiveIntegerField()),
                ('published_at', models.DateTimeField()),
                ('note', models.TextField(blank=True)),
                ('figures', models.JSONField()),
                ('figures_file', models.FileField(upload_to=bma.exports.models.published_report_path)),
                ('figures_sha256', models.CharField(max_length=64)),
                ('xlsx_file', models.FileField(upload_to=bma.exports.models.published_report_path)),
                ('xlsx_sha256', models.CharField(max_length=64)),
                ('readiness', models.JSONField(blank=True, default=dict)),
                ('override_note', models.TextField(blank=True)),
                ('published_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='published_reports', to='rounds.round')),
            ],
            options={
                'ordering': ['round__number', '-version'],
            },
        ),
        migrations.CreateModel(
            name='PublishedDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('language', models.CharField(max_length=8)),
                ('file', models.FileField(upload_to=bma.exports.models.published_document_path)),
                ('sha256', models.CharField(max_length=64)),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='exports.publishedreport')),
            ],
            options={
                'ordering': ['report', 'language'],
            },
        ),
        migrations.CreateModel(
            name='ReferenceFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('population', models.CharField(max_length=3)),
                ('source', models.CharField(max_length=200)),
                ('as_of', models.DateField()),
                ('value', models.PositiveIntegerField(validators=[django.core.validators.MaxValueValidator(10000000)])),
                ('note', models.TextField(blank=True)),
                ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reference_figures', to='geo.adminarea')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['area__code', 'population', '-as_of'],
            },
        ),
        migrations.AddConstraint(
            model_name='publishedreport',
            constraint=models.UniqueConstraint(fields=('round', 'version'), name='one_published_version_number'),
        ),
        migrations.AddConstraint(
            model_name='publisheddocument',
            constraint=models.UniqueConstraint(fields=('report', 'language'), name='one_document_per_language'),
        ),
        migrations.AddIndex(
            model_name='referencefigure',
            index=models.Index(fields=['area', 'as_of'], name='exports_ref_area_id_a2a44d_idx'),
        ),
        migrations.AddConstraint(
            model_name='referencefigure',
            constraint=models.CheckConstraint(condition=models.Q(('value__lte', 10000000)), name='reference_figure_value_bounded'),
        ),
    ]
