"""rounds: migrations 0001 to 0004 in one, for new databases.

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
        ('rounds', '0001_initial'),
        ('rounds', '0002_round_outside_assignment'),
        ('rounds', '0003_enumerator_proxy'),
        ('rounds', '0004_translatable_names'),
    ]

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('geo', '0001_squashed_0002_translatable_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Enumerator',
            fields=[
            ],
            options={
                'ordering': ['username'],
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('auth.user',),
        ),
        migrations.CreateModel(
            name='Round',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('number', models.PositiveIntegerField(unique=True)),
                ('name', models.CharField(max_length=200)),
                ('collection_start', models.DateField()),
                ('collection_end', models.DateField()),
                ('reference_start', models.DateField()),
                ('reference_end', models.DateField()),
                ('state', models.CharField(default='planned', max_length=16)),
                ('opened_at', models.DateTimeField(blank=True, null=True)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('outside_assignment', models.CharField(default='flag', max_length=16)),
            ],
            options={
                'ordering': ['-number'],
                'constraints': [models.CheckConstraint(condition=models.Q(('collection_end__gte', models.F('collection_start'))), name='round_collection_ordered'), models.CheckConstraint(condition=models.Q(('reference_end__gte', models.F('reference_start'))), name='round_reference_ordered')],
            },
        ),
        migrations.CreateModel(
            name='Assignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('role', models.CharField(max_length=16)),
                ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='geo.adminarea')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to=settings.AUTH_USER_MODEL)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='rounds.round')),
            ],
            options={
                'ordering': ['round', 'user', 'area__path'],
                'constraints': [models.UniqueConstraint(fields=('round', 'user', 'area', 'role'), name='assignment_unique')],
            },
        ),
    ]
