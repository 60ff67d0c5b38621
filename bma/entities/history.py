"""An entity's versions as rows (EntityVersion), so a later update can be compared with the version its
device started from. Every writer of a new version goes through here.

Entities made before versions were recorded have no rows for their past: the current version is written
down (a snapshot) before it is changed, so history is complete from then on.
"""

from __future__ import annotations

from bma.entities.models import Entity, EntityVersion


def version_snapshot(entity: Entity) -> EntityVersion:
    """The row of the entity's current version, written now if it is not there yet."""
    row, _created = EntityVersion.objects.get_or_create(
        entity=entity,
        version=entity.version,
        defaults={
            "label": entity.label,
            "data": dict(entity.properties),
            "data_received": {"label": entity.label, **entity.properties} if entity.version == 1 else {},
            "source_instance_id": entity.source_instance_id if entity.version == 1 else "",
        },
    )
    return row


def version_record(entity: Entity, data_received: dict, **fields) -> EntityVersion:
    """The row of the version just written to ``entity`` (its label and properties as they are now)."""
    return EntityVersion.objects.create(
        entity=entity,
        version=entity.version,
        label=entity.label,
        data=dict(entity.properties),
        data_received=data_received,
        **fields,
    )
