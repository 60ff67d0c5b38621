"""The ``villages`` entity list kept in step with the gazetteer, and what devices are served of it.

Wire shapes follow ODK Central (recorded in shared/fixtures/odk-central-api/entities-2026-12-07):
the list's CSV is ``name,label,__version,<properties>``, newest entity first, deleted ones absent;
the integrity answer says, for each id asked, whether that entity was deleted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bma.core.db import advisory_locks
from bma.entities.blocks import EntityBlock, entity_blocks
from bma.entities.models import VILLAGES, Entity
from bma.geo.models import AreaKind, Settlement

# The properties a form reads (instance('villages')/root/item/<property>), in column order. ``code`` is
# the gazetteer code, so a device's answer (the entity UUID) and an analyst's table both lead to it.
VILLAGE_PROPERTIES = ["code", "district", "jamoat", "name_ru", "name_tg", "status"]

# One lock for every writer of entity versions: two writers reading version N must not both write N+1.
ENTITIES_LOCK = "entities:write"


def _label(settlement: Settlement) -> str:
    # As the villages.csv list file labels a village: English, with the Tajik name beside it.
    en, tg = settlement.name_en, (settlement.name_tg or "").strip()
    return f"{en} ({tg})" if tg and tg != en else en


def village_data(settlement: Settlement) -> tuple[str, dict[str, str]]:
    """The label and properties of a village's entity, from the gazetteer."""
    area = settlement.area
    jamoat = area.code if area.kind == AreaKind.JAMOAT else ""
    return _label(settlement), {
        "code": settlement.code,
        "district": settlement.district.code,
        "jamoat": jamoat,
        "name_ru": settlement.name_ru or "",
        "name_tg": settlement.name_tg or "",
        "status": settlement.status,
    }


def _update(entity: Entity, label: str, properties: dict) -> bool:
    """Write a changed label or properties as the entity's next version. Unchanged data keeps the
    version: devices compare it (the form's baseVersion) and would see a conflict where there is none."""
    if entity.label == label and entity.properties == properties:
        return False
    entity.label, entity.properties, entity.version = label, properties, entity.version + 1
    entity.save(update_fields=["label", "properties", "version", "updated_at"])
    return True


@transaction.atomic
def village_entity_sync(settlement: Settlement) -> Entity | None:
    """Create or update the entity of one village. A village whose entity was retired or merged
    keeps it deleted (None): it must not come back to tablets as a new entity."""
    advisory_locks([ENTITIES_LOCK])
    label, properties = village_data(settlement)
    entities = list(Entity.objects.select_for_update().filter(dataset=VILLAGES, settlement=settlement))
    live = next((e for e in entities if e.deleted_at is None), None)
    if live is not None:
        _update(live, label, properties)
        return live
    if entities:
        return None
    return Entity.objects.create(dataset=VILLAGES, settlement=settlement, label=label, properties=properties)


@transaction.atomic
def village_entities_sync() -> dict[str, int]:
    """Bring every village's entity in step with the gazetteer: create the missing, update the changed,
    delete those whose village is gone. Safe to run any time; a run with no change writes nothing."""
    advisory_locks([ENTITIES_LOCK])
    counts = {"created": 0, "updated": 0, "deleted": 0}
    entities = {
        e.settlement_id: e
        for e in Entity.objects.filter(dataset=VILLAGES, settlement__isnull=False).order_by("deleted_at")
    }
    new = []
    for settlement in Settlement.objects.select_related("area", "district"):
        label, properties = village_data(settlement)
        entity = entities.get(settlement.pk)
        if entity is None:
            new.append(Entity(dataset=VILLAGES, settlement=settlement, label=label, properties=properties))
        elif entity.deleted_at is None and _update(entity, label, properties):
            counts["updated"] += 1
    Entity.objects.bulk_create(new)
    counts["created"] = len(new)
    # A village gone from the gazetteer leaves its entity without one; so does every village a tablet
    # created (provisional), which stays on the list until the referral queue links it.
    counts["deleted"] = Entity.objects.filter(
        dataset=VILLAGES, settlement__isnull=True, deleted_at__isnull=True, provisional=False
    ).update(deleted_at=timezone.now(), updated_at=timezone.now())
    return counts


@transaction.atomic
def village_entity_retire(settlement: Settlement, merged_into: Settlement | None = None) -> Entity | None:
    """Delete a village's entity: it was merged into ``merged_into`` (a duplicate) or retired.

    Devices that hold it learn it is gone through the integrity URL, and the list no longer serves it.
    """
    advisory_locks([ENTITIES_LOCK])
    entity = (
        Entity.objects.select_for_update()
        .filter(dataset=VILLAGES, settlement=settlement, deleted_at__isnull=True)
        .first()
    )
    if entity is None:
        return None
    entity.deleted_at, entity.merged_into = timezone.now(), merged_into
    entity.save(update_fields=["deleted_at", "merged_into", "updated_at"])
    return entity


def settlement_removed(settlement_id: int) -> None:
    """The village is leaving the gazetteer: its entity is deleted (the row keeps its UUID)."""
    Entity.objects.filter(settlement_id=settlement_id, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), updated_at=timezone.now()
    )


# --- What devices get --------------------------------------------------------------------------------


# The property holding a village's name in each language a device may read it in besides the label's.
LABEL_PROPERTIES = {"ru": "name_ru", "tg": "name_tg"}


def entity_list_csv(dataset: str = VILLAGES, language: str = "en") -> bytes:
    """The list as Collect reads it from Central: LF line ends, no BOM, newest entity first, deleted
    entities absent, empty properties as empty fields.

    ``label`` comes in the device's language where the village has a name in it (ODK clients read only
    ``label`` from a list, as xforms/distribution.py serves the list files): a Russian-speaking enumerator
    reads "Шайдан", as with the list file before. A village typed on a tablet has only its label."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "label", "__version", *VILLAGE_PROPERTIES])
    live = Entity.objects.filter(dataset=dataset, deleted_at__isnull=True).order_by("-created_at", "-pk")
    local = LABEL_PROPERTIES.get(language, "")
    for e in live.iterator():
        label = (e.properties.get(local) or "").strip() if local else ""
        writer.writerow(
            [str(e.uuid), label or e.label, e.version, *(e.properties.get(p, "") for p in VILLAGE_PROPERTIES)]
        )
    return buffer.getvalue().encode("utf-8")


def entity_list_etag(content: bytes) -> str:
    """The strong ETag and manifest hash of the list (Central's equal each other too)."""
    return hashlib.md5(content).hexdigest()  # noqa: S324 - the protocol's change detector


def integrity_ids(values: Iterable[str]) -> list[uuid.UUID] | None:
    """The ids a device asks about, from ``?id=a&id=b`` or ``?id=a,b`` (or both mixed); None when it
    asks about none (it gets every entity). Ids that are not UUIDs cannot be entities: they are skipped."""
    values = list(values)
    if not values:
        return None
    ids = []
    for value in values:
        for part in value.split(","):
            try:
                ids.append(uuid.UUID(part.strip()))
            except ValueError:
                continue
    return ids


def entity_integrity(dataset: str, ids: list[uuid.UUID] | None) -> list[tuple[str, bool]]:
    """(id, deleted) for each id asked that is an entity of the list; unknown ids are left out, as
    Central leaves them out. With ``ids`` None, every entity, deleted ones included."""
    entities = Entity.objects.filter(dataset=dataset)
    if ids is not None:
        entities = entities.filter(uuid__in=ids)
    return [(str(u), d is not None) for u, d in entities.order_by("pk").values_list("uuid", "deleted_at")]


# --- Which forms read an entity list ---------------------------------------------------------------------

ENTITIES_VERSION = re.compile(r"""\bentities:entities-version\s*=\s*["']([^"']+)["']""")
ENTITY_LISTS = {f"{VILLAGES}.csv": VILLAGES}


def entity_list_files(xml: str, media_filenames: Iterable[str]) -> dict[str, str]:
    """{filename: entity list} for the lists a form version reads as entity lists.

    A form opts in by being built with an ``entities`` sheet (pyxform then writes the entities namespace
    and ``entities:entities-version`` on the model): its ``villages.csv`` is the ``villages`` entity
    list, whose ``name`` is the entity UUID. A form without it keeps the villages.csv list file, whose
    ``name`` is the gazetteer code its answers have always held: older versions on tablets keep working.
    """
    if not ENTITIES_VERSION.search(xml):
        return {}
    return {name: ENTITY_LISTS[name] for name in media_filenames if name in ENTITY_LISTS}


# --- Entities created on tablets -------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockError:
    row: int
    problem: str


def _block_errors(blocks: list[EntityBlock]) -> list[BlockError]:
    """What Central refuses in a creation: an empty label (its 400.2), an id that is no UUID, an id that is
    already an entity (409.3), an id twice in one submission."""
    errors, seen = [], set()
    ids = []
    for block in blocks:
        try:
            ids.append(uuid.UUID(block.id))
        except ValueError:
            ids.append(None)
    existing = {str(u) for u in Entity.objects.filter(uuid__in=[i for i in ids if i]).values_list("uuid", flat=True)}
    for block, entity_id in zip(blocks, ids, strict=True):
        if not block.label:
            errors.append(BlockError(block.row, "empty label"))
        elif entity_id is None:
            errors.append(BlockError(block.row, f"id {block.id!r} is not a UUID"))
        elif str(entity_id) in existing or entity_id in seen:
            errors.append(BlockError(block.row, f"entity {entity_id} already exists"))
        seen.add(entity_id)
    return errors


@transaction.atomic
def provisional_entities_create(
    blocks: list[EntityBlock], instance_id: str, dataset: str = VILLAGES
) -> tuple[list[Entity], list[BlockError]]:
    """Create, as provisional, the entities a submission's blocks create in ``dataset``.

    All or nothing, as Central treats a repeat: one bad row and none is created (its errors say which).
    A submission processed again (an edit, a reprocessing) creates nothing twice: an entity it already
    created is taken as it is.
    """
    advisory_locks([ENTITIES_LOCK])
    creating = [b for b in blocks if b.create and b.dataset == dataset]
    done = list(Entity.objects.filter(source_instance_id=instance_id, dataset=dataset)) if instance_id else []
    done_ids = {str(e.uuid) for e in done}
    creating = [b for b in creating if b.id not in done_ids]
    errors = _block_errors(creating)
    if errors:
        return done, errors
    created = Entity.objects.bulk_create(
        [
            Entity(
                dataset=dataset,
                uuid=uuid.UUID(b.id),
                label=b.label,
                properties={"status": "provisional", **b.properties},
                provisional=True,
                source_instance_id=instance_id,
            )
            for b in creating
        ]
    )
    return done + created, []


def submission_entities_create(xform_xml: str, payload: bytes, chain_id: str) -> tuple[list[Entity], list[BlockError]]:
    """The provisional entities a submission creates, for a form version built with an entities sheet
    (nothing for any other form). ``chain_id`` is the submission's root instance ID: an edit of it
    carries the same entity ids and creates nothing twice."""
    if not ENTITIES_VERSION.search(xform_xml):
        return [], []
    return provisional_entities_create(entity_blocks(xform_xml, payload, chain_id), chain_id)


@transaction.atomic
def provisional_entity_link(entity: Entity, settlement: Settlement) -> Entity:
    """The referral queue decided what a tablet-created village is: ``settlement``. Devices must then see
    one village, named as the gazetteer names it.

    The provisional entity is updated to the village's label and properties (its next version). If the
    village's own entity is older (a known gazetteer village), that one stays, and the provisional one is
    deleted as merged into it: the integrity URL tells the tablets that made it to drop it. If the village
    is newer than the entity (confirmed as new from this very referral, so its entity was made for it a
    moment ago), the tablet's entity becomes the village's and that duplicate is deleted instead: the
    tablets that made it keep the id their forms hold.
    """
    advisory_locks([ENTITIES_LOCK])
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    label, properties = village_data(settlement)
    own = (
        Entity.objects.select_for_update()
        .filter(dataset=entity.dataset, settlement=settlement, deleted_at__isnull=True)
        .exclude(pk=entity.pk)
        .first()
    )
    now = timezone.now()
    _update(entity, label, properties)
    entity.provisional = False
    if own is not None and (own.created_at, own.pk) < (entity.created_at, entity.pk):
        entity.deleted_at, entity.merged_into = now, settlement
        entity.save(update_fields=["provisional", "deleted_at", "merged_into", "updated_at"])
        return own
    if own is not None:
        own.deleted_at, own.merged_into = now, settlement
        own.save(update_fields=["deleted_at", "merged_into", "updated_at"])
    entity.settlement = settlement
    entity.save(update_fields=["provisional", "settlement", "updated_at"])
    return entity
