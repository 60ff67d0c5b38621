"""referrals: migrations 0001 to 0003 in one, for new databases.

Written by `makemigrations` from the models (without labels: bma/core/autodetector.py), not by
`squashmigrations`. Django applies it to a database that has none of the replaced migrations, and
the replaced ones, kept beside it, to a database that has some of them (an upgrade); a migration
that depends on one of them depends on this one where this one is used.

The RunPython steps of the replaced migrations only change rows that exist already
(0002_content_source_keys.rekey);
this migration runs only on an empty database, so it has none.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('referrals', '0001_initial'),
        ('referrals', '0002_content_source_keys'),
        ('referrals', '0003_translatable_names'),
    ]

    dependencies = [
        ('assessments', '0001_squashed_0010_purge_exports'),
        ('geo', '0001_squashed_0002_translatable_names'),
        ('rounds', '0001_squashed_0004_translatable_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReferralMatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('district_code', models.CharField(max_length=32)),
                ('name', models.CharField(max_length=200)),
                ('reason', models.CharField(max_length=16)),
                ('source_key', models.CharField(max_length=300, unique=True)),
                ('outcome', models.CharField(max_length=10)),
                ('score', models.FloatField(default=0)),
                ('candidates', models.JSONField(blank=True, default=list)),
                ('state', models.CharField(max_length=10)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('district', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('district_assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessments.districtassessment')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='rounds.round')),
                ('village', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='geo.settlement')),
                ('village_assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessments.villageassessment')),
            ],
            options={
                'ordering': ['state', 'district_code', 'name'],
            },
        ),
        migrations.CreateModel(
            name='VisitPlanEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('reason', models.CharField(max_length=16)),
                ('status', models.CharField(default='planned', max_length=12)),
                ('referral_count', models.PositiveIntegerField(default=0)),
                ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.adminarea')),
                ('first_referred_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='assessments.villageassessment')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='visit_plan', to='rounds.round')),
                ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plan_entries', to='geo.settlement')),
            ],
            options={
                'ordering': ['district__code', 'village__name_en'],
                'indexes': [models.Index(fields=['round', 'district', 'status'], name='referrals_v_round_i_58991a_idx')],
                'constraints': [models.UniqueConstraint(fields=('round', 'village'), name='village_once_in_plan')],
            },
        ),
    ]
