"""assessments: migrations 0001 to 0010 in one, for new databases.

Written by `makemigrations` from the models (without labels: bma/core/autodetector.py), not by
`squashmigrations`. Django applies it to a database that has none of the replaced migrations, and
the replaced ones, kept beside it, to a database that has some of them (an upgrade); a migration
that depends on one of them depends on this one where this one is used.

The RunPython steps of the replaced migrations only change rows that exist already
(0003_figure_details_carry_assessment.fill_from_figures,
0009_counted_visit.settle_by_the_new_rule);
this migration runs only on an empty database, so it has none.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('assessments', '0001_initial'),
        ('assessments', '0002_review_events'),
        ('assessments', '0003_figure_details_carry_assessment'),
        ('assessments', '0004_villageassessment_round_answered'),
        ('assessments', '0005_household_departures_and_empty_houses'),
        ('assessments', '0006_round_answered_on_every_assessment'),
        ('assessments', '0007_contact_purge'),
        ('assessments', '0008_translatable_names'),
        ('assessments', '0009_counted_visit'),
        ('assessments', '0010_purge_exports'),
    ]

    dependencies = [
        ('geo', '0001_squashed_0002_translatable_names'),
        ('rounds', '0001_squashed_0004_translatable_names'),
        ('submissions', '0001_squashed_0010_central_facts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PopulationFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('population', models.CharField(max_length=3)),
                ('present', models.BooleanField()),
                ('total', models.PositiveIntegerField(null=True)),
                ('migration_type', models.CharField(blank=True, max_length=16)),
            ],
            options={
                'ordering': ['assessment', 'population'],
            },
        ),
        migrations.CreateModel(
            name='ContactPurge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('round_closed_at', models.DateTimeField()),
                ('retention_days', models.PositiveIntegerField()),
                ('informants', models.PositiveIntegerField()),
                ('payloads', models.PositiveIntegerField()),
                ('answers', models.PositiveIntegerField()),
                ('unreadable', models.PositiveIntegerField(default=0)),
                ('exports', models.PositiveIntegerField(default=0)),
                ('job', models.CharField(max_length=100)),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contact_purges', to='rounds.round')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='DistrictAssessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('root_instance_id', models.CharField(max_length=255, unique=True)),
                ('form_version', models.CharField(max_length=249)),
                ('visit_date', models.DateField(null=True)),
                ('started_at', models.DateTimeField(null=True)),
                ('ended_at', models.DateTimeField(null=True)),
                ('latitude', models.DecimalField(decimal_places=6, max_digits=9, null=True)),
                ('longitude', models.DecimalField(decimal_places=6, max_digits=9, null=True)),
                ('gps_accuracy_m', models.FloatField(null=True)),
                ('review_state', models.CharField(default='received', max_length=16)),
                ('round_answered', models.PositiveIntegerField(blank=True, null=True)),
                ('district', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('enumerator', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('province', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rounds.round')),
                ('submission', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='submissions.submission')),
            ],
            options={
                'ordering': ['-visit_date', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='DistrictEstimate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('population', models.CharField(max_length=3)),
                ('total', models.PositiveIntegerField(null=True)),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='estimates', to='assessments.districtassessment')),
            ],
        ),
        migrations.CreateModel(
            name='Informant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('position', models.PositiveSmallIntegerField()),
                ('sex', models.CharField(max_length=8)),
                ('informant_type', models.CharField(max_length=24)),
                ('informant_type_other', models.CharField(blank=True, max_length=200)),
                ('district_assessment', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='informants', to='assessments.districtassessment')),
            ],
            options={
                'ordering': ['position'],
            },
        ),
        migrations.CreateModel(
            name='InformantContact',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('name', models.CharField(blank=True, max_length=200)),
                ('phone', models.CharField(blank=True, max_length=32)),
                ('informant', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='contact', to='assessments.informant')),
            ],
            options={
                'permissions': [('view_personal_data', "Can see and export informants' personal data")],
            },
        ),
        migrations.CreateModel(
            name='NominatedVillage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('position', models.PositiveSmallIntegerField()),
                ('flow', models.CharField(max_length=8)),
                ('village_code', models.CharField(blank=True, max_length=40)),
                ('name_typed', models.CharField(blank=True, max_length=200)),
                ('estimates', models.JSONField(default=dict)),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='nominations', to='assessments.districtassessment')),
            ],
            options={
                'ordering': ['position'],
            },
        ),
        migrations.CreateModel(
            name='AreaFlow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('area_code', models.CharField(max_length=32)),
                ('count', models.PositiveIntegerField(null=True)),
                ('area', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('figure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='areas', to='assessments.populationfigure')),
            ],
        ),
        migrations.CreateModel(
            name='SpotCheckVisit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('root_instance_id', models.CharField(max_length=255, unique=True)),
                ('form_version', models.CharField(max_length=249)),
                ('visit_date', models.DateField(null=True)),
                ('started_at', models.DateTimeField(null=True)),
                ('ended_at', models.DateTimeField(null=True)),
                ('latitude', models.DecimalField(decimal_places=6, max_digits=9, null=True)),
                ('longitude', models.DecimalField(decimal_places=6, max_digits=9, null=True)),
                ('gps_accuracy_m', models.FloatField(null=True)),
                ('review_state', models.CharField(default='received', max_length=16)),
                ('round_answered', models.PositiveIntegerField(blank=True, null=True)),
                ('method', models.CharField(max_length=24)),
                ('notes', models.TextField(blank=True)),
                ('photo', models.CharField(blank=True, max_length=255)),
                ('district', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('enumerator', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('province', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rounds.round')),
                ('submission', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='submissions.submission')),
                ('village', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='spot_checks', to='geo.settlement')),
            ],
            options={
                'ordering': ['-visit_date', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='SpotCheckService',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('service', models.CharField(max_length=16)),
                ('observed', models.CharField(max_length=8)),
                ('visit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='services', to='assessments.spotcheckvisit')),
            ],
        ),
        migrations.CreateModel(
            name='SpotCheckFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('population', models.CharField(max_length=3)),
                ('present', models.CharField(max_length=8)),
                ('count', models.PositiveIntegerField(null=True)),
                ('visit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='figures', to='assessments.spotcheckvisit')),
            ],
        ),
        migrations.CreateModel(
            name='VillageAssessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('root_instance_id', models.CharField(max_length=255, unique=True)),
                ('form_version', models.CharField(max_length=249)),
                ('visit_date', models.DateField(null=True)),
                ('started_at', models.DateTimeField(null=True)),
                ('ended_at', models.DateTimeField(null=True)),
                ('latitude', models.DecimalField(decimal_places=6, max_digits=9, null=True)),
                ('longitude', models.DecimalField(decimal_places=6, max_digits=9, null=True)),
                ('gps_accuracy_m', models.FloatField(null=True)),
                ('review_state', models.CharField(default='received', max_length=16)),
                ('round_answered', models.PositiveIntegerField(blank=True, null=True)),
                ('village_name_typed', models.CharField(blank=True, max_length=200)),
                ('households', models.PositiveIntegerField(null=True)),
                ('houses_empty', models.PositiveIntegerField(blank=True, null=True)),
                ('houses_looked_after', models.PositiveIntegerField(blank=True, null=True)),
                ('elderly_alone', models.CharField(blank=True, max_length=8)),
                ('is_current', models.BooleanField(default=False)),
                ('counted_at', models.DateTimeField(blank=True, null=True)),
                ('counted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('district', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('enumerator', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('province', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rounds.round')),
                ('submission', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='submissions.submission')),
                ('village', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assessments', to='geo.settlement')),
            ],
            options={
                'ordering': ['-visit_date', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ServiceAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('service', models.CharField(max_length=16)),
                ('available', models.BooleanField()),
                ('distance_band', models.CharField(blank=True, max_length=8)),
                ('households_affected', models.PositiveIntegerField(null=True)),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='services', to='assessments.villageassessment')),
            ],
        ),
        migrations.CreateModel(
            name='ReviewEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('from_state', models.CharField(max_length=16)),
                ('to_state', models.CharField(max_length=16)),
                ('comment', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                ('district_assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='review_events', to='assessments.districtassessment')),
                ('spot_check_visit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='review_events', to='assessments.spotcheckvisit')),
                ('village_assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='review_events', to='assessments.villageassessment')),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ReferredVillage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('position', models.PositiveSmallIntegerField()),
                ('district_code', models.CharField(max_length=32)),
                ('village_code', models.CharField(blank=True, max_length=40)),
                ('name_typed', models.CharField(blank=True, max_length=200)),
                ('populations', models.JSONField(default=list)),
                ('estimate', models.PositiveIntegerField(null=True)),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='referrals', to='assessments.villageassessment')),
            ],
            options={
                'ordering': ['position'],
            },
        ),
        migrations.CreateModel(
            name='PopulationReason',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('population', models.CharField(max_length=3)),
                ('reason', models.CharField(max_length=24)),
                ('figure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reasons', to='assessments.populationfigure')),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessments.villageassessment')),
            ],
        ),
        migrations.AddField(
            model_name='populationfigure',
            name='assessment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='populations', to='assessments.villageassessment'),
        ),
        migrations.AddField(
            model_name='informant',
            name='village_assessment',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='informants', to='assessments.villageassessment'),
        ),
        migrations.CreateModel(
            name='HouseholdDeparture',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('year', models.PositiveSmallIntegerField()),
                ('households', models.PositiveIntegerField()),
                ('destination', models.CharField(blank=True, max_length=16)),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='departures', to='assessments.villageassessment')),
            ],
            options={
                'ordering': ['year'],
            },
        ),
        migrations.CreateModel(
            name='CountryFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('population', models.CharField(max_length=3)),
                ('country', models.CharField(max_length=2)),
                ('count', models.PositiveIntegerField(null=True)),
                ('figure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='countries', to='assessments.populationfigure')),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessments.villageassessment')),
            ],
            options={
                'ordering': ['-count'],
            },
        ),
        migrations.CreateModel(
            name='YearlyFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('population', models.CharField(max_length=3)),
                ('year', models.PositiveSmallIntegerField()),
                ('count', models.PositiveIntegerField()),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessments.villageassessment')),
                ('figure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='yearly', to='assessments.populationfigure')),
            ],
            options={
                'ordering': ['year'],
            },
        ),
        migrations.AddIndex(
            model_name='districtassessment',
            index=models.Index(fields=['round', 'district', 'review_state'], name='assessments_round_i_22e067_idx'),
        ),
        migrations.AddConstraint(
            model_name='districtestimate',
            constraint=models.UniqueConstraint(fields=('assessment', 'population'), name='one_estimate_per_population'),
        ),
        migrations.AddIndex(
            model_name='villageassessment',
            index=models.Index(fields=['round', 'district', 'review_state'], name='assessments_round_i_ae87eb_idx'),
        ),
        migrations.AddConstraint(
            model_name='villageassessment',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True), ('village__isnull', False)), fields=('round', 'village'), name='one_current_assessment_per_village_and_round'),
        ),
        migrations.AddConstraint(
            model_name='serviceaccess',
            constraint=models.UniqueConstraint(fields=('assessment', 'service'), name='one_row_per_service'),
        ),
        migrations.AddConstraint(
            model_name='populationreason',
            constraint=models.UniqueConstraint(fields=('figure', 'reason'), name='reason_once_per_figure'),
        ),
        migrations.AddConstraint(
            model_name='populationfigure',
            constraint=models.UniqueConstraint(fields=('assessment', 'population'), name='one_figure_per_population'),
        ),
        migrations.AddConstraint(
            model_name='informant',
            constraint=models.CheckConstraint(condition=models.Q(('village_assessment__isnull', True), ('district_assessment__isnull', True), _connector='XOR'), name='informant_belongs_to_one_assessment'),
        ),
        migrations.AddConstraint(
            model_name='householddeparture',
            constraint=models.UniqueConstraint(fields=('assessment', 'year'), name='one_departure_count_per_year'),
        ),
        migrations.AddConstraint(
            model_name='yearlyfigure',
            constraint=models.UniqueConstraint(fields=('figure', 'year'), name='one_count_per_year'),
        ),
    ]
