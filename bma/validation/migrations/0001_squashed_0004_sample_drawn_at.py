"""validation: migrations 0001 to 0004 in one, for new databases.

Written by `makemigrations` from the models (without labels: bma/core/autodetector.py), not by
`squashmigrations`. Django applies it to a database that has none of the replaced migrations, and
the replaced ones, kept beside it, to a database that has some of them (an upgrade); a migration
that depends on one of them depends on this one where this one is used.

The RunPython steps of the replaced migrations only change rows that exist already
(0004_sample_drawn_at.samples_drawn_before);
this migration runs only on an empty database, so it has none.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('validation', '0001_initial'),
        ('validation', '0002_issue_text_parts'),
        ('validation', '0003_translatable_names'),
        ('validation', '0004_sample_drawn_at'),
    ]

    dependencies = [
        ('assessments', '0001_squashed_0010_purge_exports'),
        ('geo', '0001_squashed_0002_translatable_names'),
        ('rounds', '0001_squashed_0004_translatable_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RoundQualitySettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('thresholds', models.JSONField(blank=True, default=dict)),
                ('tolerances', models.JSONField(blank=True, default=dict)),
                ('round', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='quality_settings', to='rounds.round')),
            ],
        ),
        migrations.CreateModel(
            name='SpotCheckSample',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('seed', models.BigIntegerField()),
                ('share', models.FloatField()),
                ('min_per_district', models.PositiveSmallIntegerField()),
                ('drawn_at', models.DateTimeField(blank=True, null=True)),
                ('drawn_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='spot_check_samples', to='rounds.round')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='QualityIssue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('code', models.CharField(max_length=64)),
                ('severity', models.CharField(max_length=8)),
                ('population', models.CharField(blank=True, max_length=3)),
                ('message', models.TextField()),
                ('text_parts', models.JSONField(blank=True, default=list)),
                ('details', models.JSONField(blank=True, default=dict)),
                ('state', models.CharField(default='open', max_length=8)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decision_note', models.TextField(blank=True)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                ('district', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('district_assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='issues', to='assessments.districtassessment')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='rounds.round')),
                ('village_assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='issues', to='assessments.villageassessment')),
            ],
            options={
                'ordering': ['state', '-severity', '-created_at'],
                'indexes': [models.Index(fields=['round', 'district', 'state'], name='validation__round_i_58ea45_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('village_assessment__isnull', True), ('district_assessment__isnull', True), _connector='XOR'), name='issue_belongs_to_one_assessment'), models.CheckConstraint(condition=models.Q(('state', 'open'), models.Q(('decision_note', ''), _negated=True), _connector='OR'), name='issue_decision_needs_a_note')],
            },
        ),
        migrations.CreateModel(
            name='SpotCheckAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('had_open_issues', models.BooleanField(default=False)),
                ('outcome', models.CharField(default='pending', max_length=24)),
                ('comparisons', models.JSONField(blank=True, default=list)),
                ('endorsed_at', models.DateTimeField(blank=True, null=True)),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='spot_check_assignments', to='assessments.villageassessment')),
                ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.settlement')),
                ('visit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='assessments.spotcheckvisit')),
                ('sample', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='validation.spotchecksample')),
            ],
            options={
                'ordering': ['district__code', 'village__name_en'],
                'constraints': [models.UniqueConstraint(fields=('sample', 'village'), name='village_once_per_sample')],
            },
        ),
    ]
