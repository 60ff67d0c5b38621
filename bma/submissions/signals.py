"""Keep the Digest credential in step with the password and the role; a new reference version on change.

Signals, against our services-not-signals rule, because passwords and roles change in many places we
do not own (createsuperuser, the admin's user and group forms, changepassword): Django keeps the raw
password on the instance (``_password``) only until that save, so this is the one moment HA1 can be
computed; and a credential must go the moment its account stops collecting (enumerator role removed,
made staff or superuser, deactivated), whichever form did it.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from bma.core.models import UserLanguage
from bma.core.reference_cache import reference_data_changed
from bma.geo.models import AdminArea
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


# What the intake caches (reference_cache), or reads to decide what it caches: a save or delete here gives
# the reference data a new version in the same transaction, so every process drops its cache on its next
# request. Bulk updates that send no signal (revoking tokens) call reference_data_changed themselves.
_CACHED = (Form, FormVersion, Round, Assignment, CollectToken, get_user_model(), UserLanguage, AdminArea)
for model in _CACHED:
    post_save.connect(reference_data_changed, sender=model, dispatch_uid=f"bma_reference_save_{model.__name__}")
    post_delete.connect(reference_data_changed, sender=model, dispatch_uid=f"bma_reference_delete_{model.__name__}")


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="bma_reference_groups")
def roles_changed(sender, action, **kwargs):
    # A role decides where a user without an assignment collects (round_for_collection).
    if action in ("post_add", "post_remove", "post_clear"):
        reference_data_changed()
