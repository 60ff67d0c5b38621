"""Entity updates from submissions, with versions, branches and conflicts as ODK Central applies them
(recorded in shared/fixtures/odk-central-api/entities-2026-12-07, 05 and 05b).

An update block says the version its device started from (``baseVersion``). Made online, that is the
server's version and the update simply makes the next one. Made offline, one after another on the same
tablet, the updates form a branch: the same ``branchId`` and ``trunkVersion`` (the last version the
tablet had from the server), each one's ``baseVersion`` the previous one's result on the tablet.

* The properties a block saves are merged into the entity's; the version grows by one.
* An update whose base is not the server's current version is applied and flags the entity: ``hard``
  when a property it sends was changed on the server since its base (those are its conflicting
  properties), else ``soft`` (a hard flag stays hard until resolved).
* Within a branch, the base is the server version the branch's previous update made: successive offline
  updates of one tablet do not conflict with each other.
* A branch update that arrives before the previous one of its branch is held (Central's backlog) and
  applied when that one arrives. If it never does, the sweep applies it after BMA_ENTITY_BACKLOG_HOURS
  against the current version, as Central's backlog does after 5 days.
* An update of an unknown entity (Central's 404.8), of a deleted one (404.11) or from a base version the
  server never had (404.9) is reported (BlockError, Central's codes) and processing keeps it as its
  submission's entity problem, beside refused creations; the submission is processed all the same.
* A submission processed again (an edit, a reprocessing) applies its update once: versions remember
  their source (the submission's root instance ID).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bma.core.db import advisory_locks
from bma.core.errors import BmaError, codes, message_lazy
from bma.entities.blocks import EntityBlock, entity_blocks
from bma.entities.history import version_record, version_snapshot
from bma.entities.models import VILLAGES, Conflict, Entity, EntityUpdateHeld, EntityVersion
from bma.entities.services import ENTITIES_LOCK, ENTITIES_VERSION, BlockError


@dataclass
class UpdateReport:
    applied: list[EntityVersion] = field(default_factory=list)
    held: list[EntityUpdateHeld] = field(default_factory=list)
    errors: list[BlockError] = field(default_factory=list)  # refused updates, each with its submission


def _number(value: str) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _block_json(block: EntityBlock) -> dict:
    return {
        "dataset": block.dataset,
        "id": block.id,
        "label": block.label,
        "properties": block.properties,
        "base_version": block.base_version,
        "trunk_version": block.trunk_version,
        "branch_id": block.branch_id,
        "row": block.row,
    }


def _block_of(data: dict) -> EntityBlock:
    return EntityBlock(create=False, update=True, **data)


def _error(report: UpdateReport, block: EntityBlock, instance_id: str, code: str, message: str) -> None:
    report.errors.append(
        BlockError(
            row=block.row,
            problem=message,
            code=code,
            entity_id=block.id,
            label=block.label,
            dataset=block.dataset,
            update=True,
            instance_id=instance_id,
        )
    )


def _entity(block: EntityBlock) -> Entity | None:
    try:
        entity_id = uuid.UUID(block.id)
    except ValueError:
        return None
    return Entity.objects.select_for_update().filter(dataset=block.dataset, uuid=entity_id).first()


def _with_label(label: str, data: dict) -> dict:
    return {"label": label, **data}


def _conflicting(base: EntityVersion | None, entity: Entity, received: dict) -> list[str]:
    """The properties sent that the server changed since the base and that differ from the server's value.
    Without the base's data (an entity older than its recorded history) every server value counts as a
    change: a differing value is then a conflict, never silently a soft one."""
    server = _with_label(entity.label, entity.properties)
    if base is None:
        changed = set(server)
    else:
        base_data = _with_label(base.label, base.data)
        changed = {k for k in set(server) | set(base_data) if server.get(k) != base_data.get(k)}
    return sorted(k for k, v in received.items() if k in changed and v != server.get(k, ""))


def _base(entity: Entity, base: int, trunk: int | None, branch: str, force: bool) -> tuple[str, EntityVersion | None]:
    """("ok", the version the update is compared with), ("hold", None) or ("missing", None)."""
    if not branch or trunk is None or base == trunk:
        # Online, or the first offline update of a branch: its base is a server version.
        if base > entity.version or base < 1:
            return "missing", None
        return "ok", EntityVersion.objects.filter(entity=entity, version=base).first()
    previous = EntityVersion.objects.filter(entity=entity, branch_id=branch, branch_base_version=base - 1).first()
    if previous is not None:
        return "ok", previous
    if not force:
        return "hold", None
    return "ok", EntityVersion.objects.filter(entity=entity, version=entity.version).first()


def _apply(block: EntityBlock, instance_id: str, report: UpdateReport, *, force: bool = False) -> None:
    entity = _entity(block)
    if entity is None:
        _error(
            report,
            block,
            instance_id,
            "404.8",
            f"The entity with UUID ({block.id}) specified in the submission does not exist in the dataset "
            f"({block.dataset}).",
        )
        return
    if entity.deleted_at is not None:
        _error(report, block, instance_id, "404.11", f"The entity with UUID ({block.id}) has been deleted.")
        return
    if EntityVersion.objects.filter(entity=entity, source_instance_id=instance_id).exists():
        return  # this submission's update is in already (an edit or a reprocessing of it)
    base, trunk, branch = _number(block.base_version), _number(block.trunk_version), block.branch_id.strip()
    if base is None:
        _error(report, block, instance_id, "400.2", "Required parameter baseVersion missing.")
        return
    version_snapshot(entity)
    state, base_row = _base(entity, base, trunk, branch, force)
    if state == "missing":
        _error(
            report,
            block,
            instance_id,
            "404.9",
            f"Base version ({base}) does not exist for entity UUID ({block.id}) in dataset ({block.dataset}).",
        )
        return
    if state == "hold":
        held, _created = EntityUpdateHeld.objects.get_or_create(
            source_instance_id=instance_id,
            entity_uuid=entity.uuid,
            defaults={"dataset": block.dataset, "branch_id": branch, "base_version": base, "block": _block_json(block)},
        )
        report.held.append(held)
        return
    received = dict(block.properties)
    if block.label:
        received["label"] = block.label
    compared_with = base_row.version if base_row is not None else base
    conflict, conflicting = "", None
    if compared_with != entity.version:
        conflicting = _conflicting(base_row, entity, received)
        conflict = Conflict.HARD if conflicting or entity.conflict == Conflict.HARD else Conflict.SOFT
    entity.properties = {**entity.properties, **block.properties}
    entity.label = block.label or entity.label
    entity.version += 1
    entity.conflict = conflict or entity.conflict
    entity.save(update_fields=["properties", "label", "version", "conflict", "updated_at"])
    report.applied.append(
        version_record(
            entity,
            received,
            base_version=base,
            trunk_version=trunk if branch else None,
            branch_id=branch,
            branch_base_version=base if branch else None,
            source_instance_id=instance_id,
            conflict=conflict,
            conflicting_properties=conflicting,
        )
    )
    EntityUpdateHeld.objects.filter(source_instance_id=instance_id, entity_uuid=entity.uuid).delete()
    if branch:  # the branch's next update may be waiting for this one
        for waiting in EntityUpdateHeld.objects.filter(
            entity_uuid=entity.uuid, branch_id=branch, base_version=base + 1
        ):
            _apply(_block_of(waiting.block), waiting.source_instance_id, report)


@transaction.atomic
def entity_updates_apply(blocks: list[EntityBlock], instance_id: str, dataset: str = VILLAGES) -> UpdateReport:
    """Apply the update blocks of one submission (``instance_id``: its root instance ID)."""
    advisory_locks([ENTITIES_LOCK])
    report = UpdateReport()
    for block in blocks:
        if block.update and not block.create and block.dataset == dataset:
            _apply(block, instance_id, report)
    return report


def submission_entities_update(xform_xml: str, payload: bytes, chain_id: str) -> UpdateReport:
    """The entity updates of a submission, for a form version built with an entities sheet."""
    if not ENTITIES_VERSION.search(xform_xml):
        return UpdateReport()
    return entity_updates_apply(entity_blocks(xform_xml, payload), chain_id)


def backlog_wait() -> dt.timedelta:
    return dt.timedelta(hours=settings.BMA_ENTITY_BACKLOG_HOURS)


@transaction.atomic
def entity_backlog_sweep(now: dt.datetime | None = None) -> UpdateReport:
    """Apply the held updates that waited longer than BMA_ENTITY_BACKLOG_HOURS for their branch's earlier
    update, against the entity's current version (Central's forced processing of its backlog)."""
    advisory_locks([ENTITIES_LOCK])
    report = UpdateReport()
    due = (now or timezone.now()) - backlog_wait()
    for held in EntityUpdateHeld.objects.filter(created_at__lte=due).order_by("base_version", "created_at", "pk"):
        if EntityUpdateHeld.objects.filter(pk=held.pk).exists():  # not applied meanwhile by its branch
            _apply(_block_of(held.block), held.source_instance_id, report, force=True)
            # Refused meanwhile (the village was deleted): the error is reported; it waits no longer.
            EntityUpdateHeld.objects.filter(pk=held.pk).delete()
    return report


@transaction.atomic
def entity_conflict_resolve(entity: Entity, seen_version: int | None = None) -> Entity:
    """A supervisor looked at the conflict and accepts the entity as it is (Central's ``?resolve=true``).

    ``seen_version`` is the version they looked at: an update since then may have changed what they
    would decide, so it is refused (Central asks for the current baseVersion for the same reason)."""
    advisory_locks([ENTITIES_LOCK])
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if seen_version is not None and seen_version != entity.version:
        raise BmaError(
            codes.ENTITY_CHANGED,
            message_lazy(
                _("The village changed since the page was loaded (now version %(version)s): look at it again."),
                version=entity.version,
            ),
        )
    if entity.conflict:
        entity.conflict = ""
        entity.save(update_fields=["conflict", "updated_at"])
        entity.versions.filter(resolved=False).exclude(conflict="").update(resolved=True)
    return entity


def conflict_versions(entity: Entity) -> list[EntityVersion]:
    """The versions a supervisor reads to resolve the conflict: from the oldest base of an unresolved
    conflicting version to the current one (Central's ``relevantToConflict``)."""
    conflicting = list(entity.versions.filter(resolved=False).exclude(conflict=""))
    if not conflicting:
        return []
    since = min(v.base_version or v.version for v in conflicting)
    return list(entity.versions.filter(version__gte=since).order_by("version"))


@transaction.atomic
def entity_server_update(entity: Entity, properties: dict, label: str = "") -> EntityVersion:
    """A change made on the server (Central's PATCH of an entity), not by a device: the next version,
    made from the current one, so it conflicts with nothing; devices that updated an older one will."""
    advisory_locks([ENTITIES_LOCK])
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    version_snapshot(entity)
    base = entity.version
    entity.properties = {**entity.properties, **properties}
    entity.label = label or entity.label
    entity.version += 1
    entity.save(update_fields=["properties", "label", "version", "updated_at"])
    return version_record(entity, {**properties, **({"label": label} if label else {})}, base_version=base)
