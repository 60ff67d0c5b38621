"""The ``villages`` entity list as ODK Central's API shows it to analysts' tools (pyodk, ruODK).

Shapes follow the responses recorded from a real Central (tests/fixtures/central_entities): the same keys
in the same order, nulls where Central has nulls, times as ``2026-12-07T14:58:41.180Z``. Where this server
keeps less than Central, the fields say so honestly rather than invent:

- one version per entity (its current one): ``baseVersion`` is the previous number, the version's time is
  the entity's last change, and ``dataReceived`` is the whole current data;
- no conflicts are kept, so ``conflict`` is null;
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

from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from bma.entities.models import VILLAGES, Entity
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
        out |= {"entities": live.count(), "lastEntity": central_time(times["newest"]), "conflicts": 0}
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


def _data(entity: Entity, properties: list[str]) -> dict:
    return {name: entity.properties[name] for name in properties if name in entity.properties}


def _version_time(entity: Entity) -> dt.datetime:
    return entity.created_at if entity.version == 1 else entity.updated_at


def version_json(entity: Entity, creator: Creator, properties: list[str] | None) -> dict:
    """The entity's current version; with ``properties``, its data (Central adds it on a single GET)."""
    out = {"current": True, "label": entity.label, "creatorId": creator.id, "userAgent": ""}
    if properties is not None:
        out["data"] = _data(entity, properties)
    out["version"] = entity.version
    out["baseVersion"] = entity.version - 1 if entity.version > 1 else None
    if properties is not None:
        out["dataReceived"] = {"label": entity.label, **_data(entity, properties)}
    return out | {
        "conflictingProperties": None,
        "createdAt": central_time(_version_time(entity)),
        "branchId": None,
        "trunkVersion": None,
        "branchBaseVersion": None,
    }


def entity_json(entity: Entity, creators: dict[str, Creator], properties: list[str] | None = None) -> dict:
    """An entity as Central lists it; with ``properties`` (a single GET), its current version's data too."""
    creator = _creator(entity, creators)
    return {
        "uuid": str(entity.uuid),
        "creatorId": creator.id,
        "conflict": None,
        "createdAt": central_time(entity.created_at),
        "updatedAt": central_time(entity.updated_at) if entity.version > 1 else None,
        "deletedAt": central_time(entity.deleted_at),
        "currentVersion": version_json(entity, creator, properties),
    }


def entity_versions_json(entity: Entity, creators: dict[str, Creator], properties: list[str]) -> list[dict]:
    """``/versions``: the current version only (earlier ones are not kept here), with its source."""
    creator = _creator(entity, creators)
    version = version_json(entity, creator, properties)
    source = {
        "event": {
            "actorId": creator.id,
            "action": "submission.create" if entity.source_instance_id else "entity.create",
            "details": {"instanceId": entity.source_instance_id} if entity.source_instance_id else {},
            "loggedAt": central_time(entity.created_at),
        },
        "submission": {"instanceId": entity.source_instance_id, "submitterId": creator.id}
        if entity.source_instance_id
        else None,
    }
    return [
        {
            "conflict": None,
            "resolved": False,
            "baseDiff": [],
            "serverDiff": [],
            "lastGoodVersion": True,
            **version,
            "source": source,
            "relevantToConflict": False,
        }
    ]


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
            "conflict": None,
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
