"""core: migrations 0001 to 0002 in one, for new databases.

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
        ('core', '0001_user_language'),
        ('core', '0002_translatable_names'),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='UserLanguage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('language', models.CharField(max_length=8)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='language_choice', to=settings.AUTH_USER_MODEL)),
            ],
        ),
    ]
