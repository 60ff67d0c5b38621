"""Keep the Digest credential in step with the password and the role; clear the intake's cache on change.

Signals, against our services-not-signals rule, because passwords and roles change in many places we
do not own (createsuperuser, the admin's user and group forms, changepassword): Django keeps the raw
password on the instance (``_password``) only until that save, so this is the one moment HA1 can be
computed; and a credential must go the moment its account stops collecting (enumerator role removed,
made staff or superuser, deactivated), whichever form did it.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from bma.core.reference_cache import intake_cache
from bma.rounds.models import Assignment, Round
from bma.submissions.auth import digest_credential_store, digest_credentials_prune
from bma.submissions.models import CollectToken, DigestCredential
from bma.xforms.models import Form, FormVersion


@receiver(post_save, sender=get_user_model(), dispatch_uid="bma_digest_credential")
def store_digest_credential(sender, instance, **kwargs):
    raw = getattr(instance, "_password", None)
    if raw:
        digest_credential_store(instance, raw)
    elif not instance.has_usable_password():
        # The password was taken away (set_unusable_password keeps no raw one): so is its Digest login.
        DigestCredential.objects.filter(user_id=instance.pk).delete()
    else:
        digest_credentials_prune([instance.pk])


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="bma_digest_credential_groups")
def prune_digest_credentials_on_role_change(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    if action not in ("post_remove", "post_clear"):
        return  # gaining a role cannot create a credential: the password is not known here
    if isinstance(instance, get_user_model()):
        digest_credentials_prune([instance.pk])
    else:  # a group's members changed, from the group's side
        digest_credentials_prune(pk_set)


def _clear_intake_cache(sender, **kwargs):
    intake_cache.clear()


# What the intake caches (reference_cache): a save or delete here is seen by this process at once.
for model in (Form, FormVersion, Round, Assignment, CollectToken, get_user_model()):
    post_save.connect(_clear_intake_cache, sender=model, dispatch_uid=f"bma_intake_cache_save_{model.__name__}")
    post_delete.connect(_clear_intake_cache, sender=model, dispatch_uid=f"bma_intake_cache_delete_{model.__name__}")
