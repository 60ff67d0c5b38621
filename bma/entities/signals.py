"""Every writer of the gazetteer (imports, the admin, referral matching) keeps the villages' entities in
step through these: a village saved is created or updated as an entity; one deleted is deleted."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from bma.entities.services import settlement_removed, village_entities_sync_if_stale, village_entity_sync
from bma.geo.bulk import gazetteer_bulk_changed, in_gazetteer_bulk_write
from bma.geo.models import Settlement


@receiver(post_save, sender=Settlement, dispatch_uid="entities_village_saved")
def _village_saved(sender, instance: Settlement, raw: bool = False, **kwargs) -> None:
    if raw:  # loading fixtures: the entities come with them
        return
    if in_gazetteer_bulk_write():  # an import: caught up once at its end (_gazetteer_bulk_changed)
        return
    village_entity_sync(instance)


@receiver(gazetteer_bulk_changed, dispatch_uid="entities_gazetteer_bulk_changed")
def _gazetteer_bulk_changed(sender, **kwargs) -> None:
    village_entities_sync_if_stale()  # an import that changed nothing (a preview, a file loaded again) costs a check


@receiver(pre_delete, sender=Settlement, dispatch_uid="entities_village_deleted")
def _village_deleted(sender, instance: Settlement, **kwargs) -> None:
    # Before the row goes (and SET_NULL unlinks the entity), while the entity can still be found.
    with transaction.atomic():
        settlement_removed(instance.pk)
