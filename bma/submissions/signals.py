"""Keep the Digest credential in step with the password.

A signal, against our services-not-signals rule, because passwords are set in many places we do not
own (createsuperuser, the admin's password form, changepassword): Django keeps the raw password on
the instance (``_password``) only until that save, so this is the one moment HA1 can be computed.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from bma.submissions.auth import digest_credential_store


@receiver(post_save, sender=get_user_model(), dispatch_uid="bma_digest_credential")
def store_digest_credential(sender, instance, **kwargs):
    raw = getattr(instance, "_password", None)
    if raw:
        digest_credential_store(instance, raw)
