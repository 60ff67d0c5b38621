"""geo: migrations 0001 to 0002 in one, for new databases.

Written by `makemigrations` from the models (without labels: bma/core/autodetector.py), not by
`squashmigrations`. Django applies it to a database that has none of the replaced migrations, and
the replaced ones, kept beside it, to a database that has some of them (an upgrade); a migration
that depends on one of them depends on this one where this one is used.

"""

import bma.geo.models
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('geo', '0001_initial'),
        ('geo', '0002_translatable_names'),
    ]

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='AdminArea',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('code', models.CharField(max_length=32, unique=True)),
                ('pcode', models.CharField(blank=True, max_length=32)),
                ('level', models.PositiveSmallIntegerField()),
                ('kind', models.CharField(max_length=16)),
                ('path', models.CharField(db_index=True, editable=False, max_length=255)),
                ('name_en', models.CharField(max_length=200)),
                ('name_tg', models.CharField(blank=True, max_length=200)),
                ('name_ru', models.CharField(blank=True, max_length=200)),
                ('valid_from', models.DateField(blank=True, null=True)),
                ('valid_to', models.DateField(blank=True, null=True)),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='geo.adminarea')),
            ],
            options={
                'ordering': ['path'],
            },
            bases=(bma.geo.models.NamedPlace, models.Model),
        ),
        migrations.CreateModel(
            name='AreaAlias',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=200)),
                ('kind', models.CharField(default='other', max_length=16)),
                ('valid_to', models.DateField(blank=True, null=True)),
                ('area', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aliases', to='geo.adminarea')),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Settlement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('code', models.CharField(max_length=40, unique=True)),
                ('name_en', models.CharField(max_length=200)),
                ('name_tg', models.CharField(blank=True, max_length=200)),
                ('name_ru', models.CharField(blank=True, max_length=200)),
                ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True)),
                ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True)),
                ('status', models.CharField(default='official', max_length=16)),
                ('source', models.CharField(default='gazetteer', max_length=16)),
                ('source_note', models.CharField(blank=True, max_length=300)),
                ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='settlements', to='geo.adminarea')),
                ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='district_settlements', to='geo.adminarea')),
            ],
            options={
                'ordering': ['district__path', 'name_en'],
            },
            bases=(bma.geo.models.NamedPlace, models.Model),
        ),
        migrations.CreateModel(
            name='SettlementAlias',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=200)),
                ('kind', models.CharField(default='other', max_length=16)),
                ('settlement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aliases', to='geo.settlement')),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.AddConstraint(
            model_name='adminarea',
            constraint=models.CheckConstraint(condition=models.Q(('valid_to__isnull', True), ('valid_from__isnull', True), ('valid_to__gte', models.F('valid_from')), _connector='OR'), name='area_validity_ordered'),
        ),
        migrations.AddConstraint(
            model_name='adminarea',
            constraint=models.CheckConstraint(condition=models.Q(('level__gte', 0), ('level__lte', 3)), name='area_level_range'),
        ),
        migrations.AddConstraint(
            model_name='areaalias',
            constraint=models.UniqueConstraint(fields=('area', 'name'), name='area_alias_unique'),
        ),
        migrations.AddIndex(
            model_name='settlement',
            index=models.Index(fields=['district', 'status'], name='geo_settlem_distric_c03a67_idx'),
        ),
        migrations.AddConstraint(
            model_name='settlement',
            constraint=models.CheckConstraint(condition=models.Q(('latitude__isnull', True), models.Q(('latitude__gte', -90), ('latitude__lte', 90)), _connector='OR'), name='settlement_latitude_range'),
        ),
        migrations.AddConstraint(
            model_name='settlement',
            constraint=models.CheckConstraint(condition=models.Q(('longitude__isnull', True), models.Q(('longitude__gte', -180), ('longitude__lte', 180)), _connector='OR'), name='settlement_longitude_range'),
        ),
        migrations.AddConstraint(
            model_name='settlementalias',
            constraint=models.UniqueConstraint(fields=('settlement', 'name'), name='settlement_alias_unique'),
        ),
    ]
