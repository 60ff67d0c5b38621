"""The ``villages`` entity list as ODK Central's API shows it to analysts' tools (pyodk, ruODK).

Shapes follow the responses recorded from a real Central (tests/fixtures/central_entities): the same keys
in the same order, nulls where Central has nulls, times as ``2026-12-07T14:58:41.180Z``. Where this server
keeps less than Central, the fields say so honestly rather than invent:

- versions are the entity's history (EntityVersion, bma/entities/history.py): each with the version its
  device started from, its branch, what it received and its conflict. An entity never changed since
  history began has no rows: its current version stands alone (``baseVersion`` the previous number,
  ``dataReceived`` its whole data); a version written down only when it was about to change (a snapshot)
  has no ``baseVersion`` and received nothing that is known;
- ``conflict`` is the entity's (soft, hard, or null once resolved), as on the referral queue;
- ``updatedAt`` is null until the entity's first update (version 2), as Central's;
- the creator is the enumerator whose submission created the entity (``creators``, read by the caller,
  which may see submissions); the gazetteer's own villages were made by the server: actor 0, "gazetteer".
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from django.db.models import F, Max, Min, QuerySet
from django.utils import timezone

from bma.entities.models import VILLAGES, Entity, EntityVersion
from bma.entities.services import ENTITY_LISTS, VILLAGE_PROPERTIES

# One project holds every entity list (Central's lists live in a project; ours are the server's).
PROJECT_ID = 1
GAZETTEER_ACTOR_ID, GAZETTEER_ACTOR_NAME = 0, "gazetteer"


@dataclass(frozen=True)
class Creator:
    id: int
    name: str


GAZETTEER = Creator(GAZETTEER_ACTOR_ID, GAZETTEER_ACTOR_NAME)


@dataclass(frozen=True)
class FormRef:
    """A form that reads the list (linked) or writes it (source), and the properties it saves."""

    xml_form_id: str
    name: str
    saves: tuple[str, ...] = ()
    repeat_path: str = ""  # "/ref/" when the form writes one entity per row of that repeat


def central_time(moment: dt.datetime | None) -> str | None:
    """Central's times: UTC, milliseconds, ``Z``."""
    if moment is None:
        return None
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def dataset_exists(name: str) -> bool:
    return name in ENTITY_LISTS.values()


def dataset_properties(dataset: str = VILLAGES, sources: list[FormRef] = ()) -> list[str]:
    """The list's properties in column order: those devices read, then those the source forms save (as
    Central's come from the forms), then any other a tablet-made entity carries."""
    names = list(VILLAGE_PROPERTIES)
    for form in sources:
        names.extend(name for name in form.saves if name not in names)
    extra = set()
    for properties in Entity.objects.filter(dataset=dataset, provisional=True).values_list("properties", flat=True):
        extra.update(k for k in properties if k not in names)
    return [*names, *sorted(extra)]


def _times(dataset: str) -> dict:
    return Entity.objects.filter(dataset=dataset).aggregate(
        first=Min("created_at"), last=Max("updated_at"), newest=Max("created_at")
    )


def dataset_json(dataset: str, extended: bool = False) -> dict:
    """One entry of ``GET /projects/1/datasets``. ``createdAt`` is the list's first entity."""
    times = _times(dataset)
    out = {
        "name": dataset,
        "createdAt": central_time(times["first"] or timezone.now()),
        "projectId": PROJECT_ID,
        # Tablet-made entities are on the list at once (provisional, for the referral queue to decide).
        "approvalRequired": False,
        "ownerOnly": False,
        "deletedAt": None,
    }
    if extended:
        live = Entity.objects.filter(dataset=dataset, deleted_at__isnull=True)
        conflicts = live.exclude(conflict="").count()
        out |= {"entities": live.count(), "lastEntity": central_time(times["newest"]), "conflicts": conflicts}
    return out


def dataset_detail_json(dataset: str, linked: list[FormRef], sources: list[FormRef]) -> dict:
    """``GET /projects/1/datasets/<name>``: the list, the forms around it and its properties."""
    times = _times(dataset)
    created = central_time(times["first"] or timezone.now())
    return {
        **dataset_json(dataset),
        "lastUpdate": central_time(times["last"]),
        "linkedForms": [{"name": f.name, "xmlFormId": f.xml_form_id} for f in linked],
        "sourceForms": [
            {"name": f.name, "xmlFormId": f.xml_form_id} | ({"repeatPath": f.repeat_path} if f.repeat_path else {})
            for f in sources
        ],
        "draftLinkedForms": [],
        "draftSourceForms": [],
        "properties": [
            {
                "name": name,
                "publishedAt": created,
                "odataName": name,
                "forms": [{"xmlFormId": f.xml_form_id, "name": f.name} for f in sources if name in f.saves],
            }
            for name in dataset_properties(dataset, sources)
        ],
    }


def _creator(entity: Entity, creators: dict[str, Creator]) -> Creator:
    return creators.get(entity.source_instance_id, GAZETTEER) if entity.source_instance_id else GAZETTEER


def _version_creator(row: EntityVersion, entity: Entity, creators: dict[str, Creator]) -> Creator:
    source = row.source_instance_id or (entity.source_instance_id if row.version == 1 else "")
    return creators.get(source, GAZETTEER) if source else GAZETTEER


def _data(values: dict, properties: list[str]) -> dict:
    """The data in the list's column order, then any other property it holds (one a form saved that no
    published form declares any more): Central shows an entity's whole data."""
    listed = {name: values[name] for name in properties if name in values}
    return listed | {k: v for k, v in values.items() if k not in listed}


def _version_time(entity: Entity) -> dt.datetime:
    return entity.created_at if entity.version == 1 else entity.updated_at


def _row_time(entity: Entity, row: EntityVersion) -> dt.datetime:
    # A first version written down later (a snapshot before the first update) dates from the entity.
    return entity.created_at if row.version == 1 else row.created_at


def current_rows(entities_: list[Entity]) -> dict[int, EntityVersion]:
    """{entity pk: its current version's row}, for those that have one (one query for a page)."""
    rows = EntityVersion.objects.filter(entity__in=[e.pk for e in entities_], version=F("entity__version"))
    return {row.entity_id: row for row in rows}


def version_json(
    entity: Entity,
    creator: Creator,
    properties: list[str] | None,
    row: EntityVersion | None = None,
    current: bool = True,
) -> dict:
    """A version as Central shows it: ``row`` from the history, or without one the entity's current
    version as it stands; with ``properties``, its data (Central adds it on a single GET and /versions)."""
    if row is None:
        label, data, version = entity.label, entity.properties, entity.version
        base = entity.version - 1 if entity.version > 1 else None
        received = {"label": entity.label, **_data(entity.properties, properties or [])}
        conflicting, created, branch, trunk, branch_base = None, _version_time(entity), None, None, None
    else:
        label, data, version, base, received = row.label, row.data, row.version, row.base_version, row.data_received
        conflicting, created = row.conflicting_properties, _row_time(entity, row)
        branch, trunk, branch_base = row.branch_id or None, row.trunk_version, row.branch_base_version
    out = {"current": current, "label": label, "creatorId": creator.id, "userAgent": ""}
    if properties is not None:
        out["data"] = _data(data, properties)
    out["version"] = version
    out["baseVersion"] = base
    if properties is not None:
        out["dataReceived"] = dict(received)
    return out | {
        "conflictingProperties": conflicting,
        "createdAt": central_time(created),
        "branchId": branch,
        "trunkVersion": trunk,
        "branchBaseVersion": branch_base,
    }


def entity_json(
    entity: Entity,
    creators: dict[str, Creator],
    properties: list[str] | None = None,
    row: EntityVersion | None = None,
) -> dict:
    """An entity as Central lists it (``row``: its current version's, when the history has it); with
    ``properties`` (a single GET), its current version's data too."""
    creator = _creator(entity, creators)
    version_creator = _version_creator(row, entity, creators) if row is not None else creator
    return {
        "uuid": str(entity.uuid),
        "creatorId": creator.id,
        "conflict": entity.conflict or None,
        "createdAt": central_time(entity.created_at),
        "updatedAt": central_time(entity.updated_at) if entity.version > 1 else None,
        "deletedAt": central_time(entity.deleted_at),
        "currentVersion": version_json(entity, version_creator, properties, row),
    }


def _source(instance_id: str, creator: Creator, logged: dt.datetime, first: bool) -> dict:
    """What made a version: a submission (Central's event and submission, in brief) or the server."""
    if not instance_id:
        if not first:
            return {}  # a change made on the server: Central's source of an API update is empty
        event = {"actorId": creator.id, "action": "entity.create", "details": {}, "loggedAt": central_time(logged)}
        return {"event": event, "submission": None}
    return {
        "event": {
            "actorId": creator.id,
            "action": "submission.create",
            "details": {"instanceId": instance_id},
            "loggedAt": central_time(logged),
        },
        "submission": {"instanceId": instance_id, "submitterId": creator.id},
    }


def _diff(received: dict, label: str, data: dict) -> list[str]:
    """The properties received whose value differs from a version's (Central's baseDiff, serverDiff)."""
    other = {"label": label, **data}
    return [k for k, v in received.items() if other.get(k) != v]


def _conflict_marks(rows: list[EntityVersion], current: int) -> tuple[int, set[int]]:
    """(lastGoodVersion, the versions relevantToConflict), as Central answers them: the last good version
    is the one before the first unresolved conflicting version (the current one when there is none);
    relevant are those from it on and the versions the conflicting updates started from."""
    open_ = [r for r in rows if r.conflict and not r.resolved]
    if not open_:
        return current, set()
    last_good = min(r.version for r in open_) - 1
    relevant = {r.version for r in rows if r.version >= last_good}
    return last_good, relevant | {r.base_version for r in open_ if r.base_version}


def _entry(version: dict, source: dict, *, conflict=None, resolved=False, diffs=([], []), good=False, relevant=False):
    """One item of ``/versions``, in Central's key order."""
    return {
        "conflict": conflict,
        "resolved": resolved,
        "baseDiff": diffs[0],
        "serverDiff": diffs[1],
        "lastGoodVersion": good,
        **version,
        "source": source,
        "relevantToConflict": relevant,
    }


def entity_versions_json(
    entity: Entity, creators: dict[str, Creator], properties: list[str], relevant_only: bool = False
) -> list[dict]:
    """``/versions``: the entity's history, oldest first, with Central's conflict fields; an entity with
    no history yet has its current version alone. ``relevant_only``: Central's ``?relevantToConflict=true``."""
    rows = list(entity.versions.order_by("version"))
    if not rows:
        creator = _creator(entity, creators)
        source = _source(entity.source_instance_id, creator, entity.created_at, first=True)
        out = [_entry(version_json(entity, creator, properties), source, good=True)]
    else:
        by_number = {r.version: r for r in rows}
        last_good, relevant = _conflict_marks(rows, entity.version)
        out = []
        for row in rows:
            creator = _version_creator(row, entity, creators)
            base, previous = by_number.get(row.base_version or 0), by_number.get(row.version - 1)
            instance_id = row.source_instance_id or (entity.source_instance_id if row.version == 1 else "")
            out.append(
                _entry(
                    version_json(entity, creator, properties, row, current=row.version == entity.version),
                    _source(instance_id, creator, _row_time(entity, row), first=row.version == 1),
                    conflict=row.conflict or None,
                    resolved=row.resolved,
                    diffs=(
                        _diff(row.data_received, base.label, base.data) if base else [],
                        _diff(row.data_received, previous.label, previous.data) if previous else [],
                    ),
                    good=row.version == last_good,
                    relevant=row.version in relevant,
                )
            )
    return [v for v in out if v["relevantToConflict"]] if relevant_only else out


def entities(dataset: str, deleted: bool = False) -> QuerySet[Entity]:
    """The list's entities, newest first as Central lists them: the live ones, or only the deleted ones."""
    return Entity.objects.filter(dataset=dataset, deleted_at__isnull=not deleted).order_by("-created_at", "-pk")


# --- OData and the admin CSV ---------------------------------------------------------------------------


def odata_row(entity: Entity, creators: dict[str, Creator], properties: list[str]) -> dict:
    creator = _creator(entity, creators)
    return {
        "__id": str(entity.uuid),
        "label": entity.label,
        "__system": {
            "createdAt": central_time(entity.created_at),
            "creatorId": str(creator.id),
            "creatorName": creator.name,
            "updates": entity.version - 1,
            "updatedAt": central_time(entity.updated_at) if entity.version > 1 else None,
            "version": entity.version,
            "conflict": entity.conflict or None,
        },
        # Every property of the list, "" when the entity has none (as Central's feed).
        **{name: _text(entity.properties.get(name)) for name in properties},
    }


def _text(value) -> str:
    return "" if value is None else str(value)


def service_document(base: str) -> dict:
    return {
        "@odata.context": f"{base}/$metadata",
        "value": [{"name": "Entities", "kind": "EntitySet", "url": "Entities"}],
    }


def metadata_xml(dataset: str, properties: list[str]) -> str:
    """The EDMX document of the feed, in the layout of Central's (its submissions' $metadata)."""
    columns = "".join(f'\n          <Property Name="{name}" Type="Edm.String"/>' for name in properties)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="org.opendatakit.entity">
      <ComplexType Name="metadata">
        <Property Name="createdAt" Type="Edm.DateTimeOffset"/>
        <Property Name="creatorId" Type="Edm.String"/>
        <Property Name="creatorName" Type="Edm.String"/>
        <Property Name="updates" Type="Edm.Int64"/>
        <Property Name="updatedAt" Type="Edm.DateTimeOffset"/>
        <Property Name="version" Type="Edm.Int64"/>
        <Property Name="conflict" Type="Edm.String"/>
      </ComplexType>
    </Schema>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="org.opendatakit.user.{dataset}">
      <EntityType Name="Entities">
        <Key><PropertyRef Name="__id"/></Key>
        <Property Name="__id" Type="Edm.String"/>
        <Property Name="label" Type="Edm.String"/>
        <Property Name="__system" Type="org.opendatakit.entity.metadata"/>{columns}
      </EntityType>
      <EntityContainer Name="{dataset}">
        <EntitySet Name="Entities" EntityType="org.opendatakit.user.{dataset}.Entities">
          <Annotation Term="Org.OData.Capabilities.V1.ConformanceLevel" EnumMember="Org.OData.Capabilities.V1.ConformanceLevelType/Minimal"/>
          <Annotation Term="Org.OData.Capabilities.V1.BatchSupported" Bool="false"/>
          <Annotation Term="Org.OData.Capabilities.V1.CountRestrictions">
            <Record><PropertyValue Property="Countable" Bool="true"/></Record>
          </Annotation>
        </EntitySet>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"""


def admin_csv(rows: QuerySet[Entity], creators: dict[str, Creator], properties: list[str]) -> bytes:
    """``/datasets/<name>/entities.csv``, Central's export of ``rows`` (``entities()``, maybe filtered):
    ``__id,label,<properties>,__createdAt,__creatorId,__creatorName,__updates,__updatedAt,__version``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    system = ["__createdAt", "__creatorId", "__creatorName", "__updates", "__updatedAt", "__version"]
    writer.writerow(["__id", "label", *properties, *system])
    for entity in rows.iterator():
        row = odata_row(entity, creators, properties)
        meta = row["__system"]
        writer.writerow(
            [
                row["__id"],
                row["label"],
                *(row[name] for name in properties),
                meta["createdAt"],
                meta["creatorId"],
                meta["creatorName"],
                meta["updates"],
                meta["updatedAt"] or "",
                meta["version"],
            ]
        )
    return buffer.getvalue().encode("utf-8")


def content_etag(content: bytes) -> str:
    return hashlib.md5(content).hexdigest()  # noqa: S324 - a change detector, as Central's ETag
