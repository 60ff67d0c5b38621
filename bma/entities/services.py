"""The ``villages`` entity list kept in step with the gazetteer, and what devices are served of it.

Wire shapes follow ODK Central (recorded in shared/fixtures/odk-central-api/entities-2026-12-07):
the list's CSV is ``name,label,__version,<properties>``, newest entity first, deleted ones absent;
the integrity answer says, for each id asked, whether that entity was deleted.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Concat, Trim
from django.utils import timezone

from bma.core.db import advisory_locks
from bma.entities.blocks import EntityBlock, entity_blocks
from bma.entities.history import version_record, version_snapshot
from bma.entities.lists import FORM_PROPERTIES, VILLAGE_PROPERTIES
from bma.entities.models import VILLAGES, Entity
from bma.geo.models import AreaKind, Settlement, SettlementStatus

# The properties a form reads (instance('villages')/root/item/<property>), in column order, are
# VILLAGE_PROPERTIES then the forms' own FORM_PROPERTIES (bma/entities/lists.py: the list's CSV adds
# ``planned``). ``code`` is the gazetteer code, so a device's answer (the entity UUID) and an analyst's
# table both lead to it.
__all__ = ["FORM_PROPERTIES", "VILLAGE_PROPERTIES"]

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
    version: devices compare it (the form's baseVersion) and would see a conflict where there is none.

    The gazetteer's properties are merged into the entity's: those forms saved (a spot check's
    ``visited``, ``last_visit``) are the devices' and stay."""
    merged = {**entity.properties, **properties}
    if entity.label == label and entity.properties == merged:
        return False
    version_snapshot(entity)
    received = {k: v for k, v in merged.items() if entity.properties.get(k) != v}
    if entity.label != label:
        received["label"] = label
    entity.label, entity.properties, entity.version = label, merged, entity.version + 1
    entity.save(update_fields=["label", "properties", "version", "updated_at"])
    version_record(entity, received)
    return True


def _awaiting_decision(entity: Entity, settlement: Settlement) -> bool:
    """A tablet's entity attached to the provisional village matching added for it (provisional_entity_attach):
    it keeps the tablet's label and version until the referral queue decides or the village is confirmed."""
    return entity.provisional and settlement.status == SettlementStatus.PROVISIONAL


@transaction.atomic
def village_entity_sync(settlement: Settlement) -> Entity | None:
    """Create or update the entity of one village. A village whose entity was retired or merged
    keeps it deleted (None): it must not come back to tablets as a new entity."""
    advisory_locks([ENTITIES_LOCK])
    label, properties = village_data(settlement)
    entities = list(Entity.objects.select_for_update().filter(dataset=VILLAGES, settlement=settlement))
    live = next((e for e in entities if e.deleted_at is None), None)
    if live is not None and _awaiting_decision(live, settlement):
        return live
    if live is not None:
        if live.provisional:  # the village it was attached to has been confirmed in the gazetteer
            live.provisional = False
            live.save(update_fields=["provisional", "updated_at"])
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
        elif entity.deleted_at is None and not _awaiting_decision(entity, settlement):
            if entity.provisional:
                entity.provisional = False
                entity.save(update_fields=["provisional", "updated_at"])
            if _update(entity, label, properties):
                counts["updated"] += 1
    Entity.objects.bulk_create(new)
    counts["created"] = len(new)
    # A village's entity whose village is gone; a tablet's provisional entity has no village yet, and
    # one merged away has its own deletion: neither is touched here.
    counts["deleted"] = Entity.objects.filter(
        dataset=VILLAGES, settlement__isnull=True, deleted_at__isnull=True, provisional=False
    ).update(deleted_at=timezone.now(), updated_at=timezone.now())
    return counts


def _expected_label():
    """_label() in SQL: the English name, with the (trimmed) Tajik one beside it when it differs.
    Reads the ``tg`` annotation (see village_entities_stale)."""
    return Case(
        When(
            ~Q(tg="") & ~Q(tg=F("settlement__name_en")),
            then=Concat("settlement__name_en", Value(" ("), "tg", Value(")"), output_field=CharField()),
        ),
        default=F("settlement__name_en"),
        output_field=CharField(),
    )


def village_entities_stale() -> bool:
    """Whether the gazetteer changed behind the signals' back (a queryset update, a bulk insert, a raw
    delete): a village without an entity, a village's entity left live without its village, or one whose
    label or properties are not the village's. Three queries the database answers from its indexes and
    one join, without loading a village into Python: the full sync runs only when one says yes."""
    if Settlement.objects.filter(~Exists(Entity.objects.filter(dataset=VILLAGES, settlement=OuterRef("pk")))).exists():
        return True
    live = Entity.objects.filter(dataset=VILLAGES, deleted_at__isnull=True)
    if live.filter(settlement__isnull=True, provisional=False).exists():
        return True
    prop = {
        name: Coalesce(KT(f"properties__{name}"), Value(""), output_field=CharField()) for name in VILLAGE_PROPERTIES
    }
    jamoat = Case(
        When(settlement__area__kind=AreaKind.JAMOAT, then=F("settlement__area__code")),
        default=Value(""),
        output_field=CharField(),
    )
    expected = {
        "code": F("settlement__code"),
        "district": F("settlement__district__code"),
        "jamoat": jamoat,
        "name_ru": Coalesce("settlement__name_ru", Value(""), output_field=CharField()),
        "name_tg": Coalesce("settlement__name_tg", Value(""), output_field=CharField()),
        "status": F("settlement__status"),
    }
    differs = ~Q(label=F("expected_label"))
    for name in VILLAGE_PROPERTIES:
        differs |= ~Q(**{f"p_{name}": F(f"e_{name}")})
    checked = (
        live.filter(settlement__isnull=False)
        .exclude(provisional=True, settlement__status=SettlementStatus.PROVISIONAL)  # _awaiting_decision
        .annotate(tg=Trim(Coalesce("settlement__name_tg", Value(""), output_field=CharField())))
        .annotate(
            expected_label=_expected_label(),
            **{f"p_{name}": prop[name] for name in VILLAGE_PROPERTIES},
            **{f"e_{name}": expected[name] for name in VILLAGE_PROPERTIES},
        )
    )
    return checked.filter(differs).exists()


def village_entities_sync_if_stale() -> dict[str, int] | None:
    """The full sync, when the gazetteer changed in bulk (village_entities_stale); None when it did not."""
    return village_entities_sync() if village_entities_stale() else None


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


def form_has_entities(xml: str) -> bool:
    """Built with an ``entities`` sheet: its submissions carry entity blocks, its villages.csv is an entity list."""
    return bool(ENTITIES_VERSION.search(xml))


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


# Central's problem codes for the entity errors it records (recorded in 07_entity_errors.json), kept
# with each refused block so the desk can say what went wrong, in the reader's language.
EMPTY_LABEL = "400.2"
EXISTING_ID = "409.3"
REPEAT_REFUSED = "400.43"  # a good row of a repeat not created because another row was refused
# Not recorded from Central (its forms always send a UUID): ours, for an id that is no UUID.
INVALID_ID = "400.id"


@dataclass(frozen=True)
class BlockError:
    row: int
    problem: str  # in English: the record, as Central's errorMessage
    code: str = ""
    entity_id: str = ""
    label: str = ""
    dataset: str = VILLAGES
    # An update refused (404.8, 404.11, 404.9, 400.2 for a missing baseVersion) rather than a creation:
    # Central's 400.2 means either, so the desk words it by both.
    update: bool = False
    # The submission (its root instance ID) the block came from: a held update applied later, by another
    # submission's processing or the backlog sweep, is still its own submission's problem.
    instance_id: str = ""


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
        refused = {"row": block.row, "entity_id": block.id, "label": block.label, "dataset": block.dataset}
        if not block.label:
            errors.append(BlockError(problem="Required parameter label missing.", code=EMPTY_LABEL, **refused))
        elif entity_id is None:
            errors.append(BlockError(problem=f"id {block.id!r} is not a UUID", code=INVALID_ID, **refused))
        elif str(entity_id) in existing or entity_id in seen:
            errors.append(
                BlockError(
                    problem=f"A resource already exists with uuid value(s) of {entity_id}.",
                    code=EXISTING_ID,
                    **refused,
                )
            )
        seen.add(entity_id)
    if errors and len(blocks) > 1:
        # All or nothing, as Central processes a repeat: the good rows are refused with the bad.
        bad = {e.row for e in errors}
        errors += [
            BlockError(
                b.row,
                f"Not created: {len(bad)} of {len(blocks)} entities of the submission were refused.",
                REPEAT_REFUSED,
                b.id,
                b.label,
                b.dataset,
            )
            for b in blocks
            if b.row not in bad
        ]
        errors.sort(key=lambda e: e.row)
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


def _other_live_entity(entity: Entity, settlement: Settlement) -> Entity | None:
    """The village's own live entity besides ``entity`` (locked): the duplicate one of the two must go."""
    return (
        Entity.objects.select_for_update()
        .filter(dataset=entity.dataset, settlement=settlement, deleted_at__isnull=True)
        .exclude(pk=entity.pk)
        .first()
    )


def _retire_as_merged(entity: Entity, settlement: Settlement, now) -> None:
    """Delete ``entity`` as a duplicate of ``settlement``'s entry: the integrity URL tells devices to drop it."""
    entity.deleted_at, entity.merged_into = now, settlement
    entity.save(update_fields=["deleted_at", "merged_into", "updated_at"])


@transaction.atomic
def provisional_entity_attach(entity: Entity, settlement: Settlement) -> Entity:
    """Referral matching added a tablet's new village to the gazetteer by itself (a provisional village,
    which no supervisor has looked at yet). Devices keep the one entry the tablet made: the village's own
    fresh entity is retired in its favour (the integrity URL drops it), and the tablet's entity stays
    provisional, with its label and version, until the referral queue links it or confirms the village
    (provisional_entity_link), or the village is confirmed in the gazetteer (village_entity_sync)."""
    advisory_locks([ENTITIES_LOCK])
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if entity.settlement_id == settlement.pk:
        return entity
    own = _other_live_entity(entity, settlement)
    if own is not None:
        _retire_as_merged(own, settlement, timezone.now())
    entity.settlement = settlement
    entity.save(update_fields=["settlement", "updated_at"])
    return entity


@transaction.atomic
def provisional_entity_link(entity: Entity, settlement: Settlement, new_village: bool | None = None) -> Entity:
    """The referral queue decided what a tablet-created village is: ``settlement``. Devices must then see
    one village, named as the gazetteer names it.

    The provisional entity is updated to the village's label and properties (its next version). If the
    village's own entity is older (a known gazetteer village), that one stays, and the provisional one is
    deleted as merged into it: the integrity URL tells the tablets that made it to drop it. If the village
    is newer than the entity (confirmed as new from this very referral, so its entity was made for it a
    moment ago), the tablet's entity becomes the village's and that duplicate is deleted instead: the
    tablets that made it keep the id their forms hold.

    ``new_village`` says which case it is when the caller knows (the referral queue: "new village" or
    "link"; matching: a village made from this very naming): True keeps the tablet's entity, False keeps
    the village's own. None decides by age, as above.
    """
    advisory_locks([ENTITIES_LOCK])
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    label, properties = village_data(settlement)
    own = _other_live_entity(entity, settlement)
    now = timezone.now()
    _update(entity, label, properties)
    entity.provisional = False
    if new_village is None and own is not None:
        new_village = (own.created_at, own.pk) > (entity.created_at, entity.pk)
    if own is not None and not new_village:
        entity.deleted_at, entity.merged_into = now, settlement
        entity.save(update_fields=["provisional", "deleted_at", "merged_into", "updated_at"])
        return own
    if own is not None:
        _retire_as_merged(own, settlement, now)
    entity.settlement = settlement
    entity.save(update_fields=["provisional", "settlement", "updated_at"])
    return entity


@transaction.atomic
def provisional_entity_drop(entity: Entity) -> Entity:
    """The referral queue decided a tablet-created village is none to visit (rejected, not a village):
    its entity is deleted, so the integrity URL tells the tablets that made it to drop it. It stays
    provisional (it never became a village)."""
    advisory_locks([ENTITIES_LOCK])
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if entity.deleted_at is None:
        entity.deleted_at = timezone.now()
        entity.save(update_fields=["deleted_at", "updated_at"])
    return entity
