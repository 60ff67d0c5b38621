"""Drop the Digest credentials of accounts that do not collect (staff, superusers, non-enumerators).

An HA1 is a password equivalent for OpenRosa; earlier versions stored one for every account.
"""

from django.db import migrations


def drop_non_collector_credentials(apps, schema_editor):
    DigestCredential = apps.get_model("submissions", "DigestCredential")
    User = apps.get_model("auth", "User")
    collectors = User.objects.filter(is_active=True, is_staff=False, is_superuser=False, groups__name="Enumerator")
    DigestCredential.objects.exclude(user__in=collectors).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0002_digest_nonce_use"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(drop_non_collector_credentials, migrations.RunPython.noop)]
