"""Keep the Digest credential in step with the password; clear the intake's reference cache on change.

A signal, against our services-not-signals rule, because passwords are set in many places we do not
own (createsuperuser, the admin's password form, changepassword): Django keeps the raw password on
the instance (``_password``) only until that save, so this is the one moment HA1 can be computed.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from bma.core.reference_cache import intake_cache
from bma.rounds.models import Assignment, Round
from bma.submissions.auth import digest_credential_store
from bma.submissions.models import CollectToken
from bma.xforms.models import Form, FormVersion


@receiver(post_save, sender=get_user_model(), dispatch_uid="bma_digest_credential")
def store_digest_credential(sender, instance, **kwargs):
    raw = getattr(instance, "_password", None)
    if raw:
        digest_credential_store(instance, raw)


def _clear_intake_cache(sender, **kwargs):
    intake_cache.clear()


# What the intake caches (reference_cache): a save or delete here is seen by this process at once.
for model in (Form, FormVersion, Round, Assignment, CollectToken, get_user_model()):
    post_save.connect(_clear_intake_cache, sender=model, dispatch_uid=f"bma_intake_cache_save_{model.__name__}")
    post_delete.connect(_clear_intake_cache, sender=model, dispatch_uid=f"bma_intake_cache_delete_{model.__name__}")
