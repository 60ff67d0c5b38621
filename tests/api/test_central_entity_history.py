"""Central's read API over the entity history (issue 32.5): /versions, the entity's conflict and the OData
feed's ``__system/conflict``. The updates recorded against a real Central (05, 05b) are replayed through
this server's update logic; then what the API answers is compared with what Central answered: the same
keys in the same order, and the same versions, branches, diffs and conflict marks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bma.entities.blocks import entity_blocks
from bma.entities.models import Entity
from bma.entities.updates import entity_conflict_resolve, entity_server_update, entity_updates_apply
from tests.api.test_central_entities import BASE, recorded, same_shape

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "central_entities"
IDS = json.loads((RECORDED / "ids.json").read_text())
VISIT_FORM = (RECORDED / "forms" / "village_visit.xml").read_text()
STEPS_05 = [
    "U1 online update base=1",
    "A1 offline base=2 trunk=2 branch=A",
    "A2 offline base=3 trunk=2 branch=A",
    "B1 offline base=2 trunk=2 branch=B (same base as A1)",
]
# What Central computes for each version (the values, not only the keys).
MARKS = (
    "version",
    "baseVersion",
    "trunkVersion",
    "branchId",
    "branchBaseVersion",
    "current",
    "conflict",
    "resolved",
    "conflictingProperties",
    "baseDiff",
    "serverDiff",
    "lastGoodVersion",
    "relevantToConflict",
    "dataReceived",
    "data",
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, personas):
    client.force_login(personas.coordinator)
    return client


def _submit(filename: str, label: str):
    exchanges = json.loads((RECORDED / filename).read_text())["exchanges"]
    exchange = next(e for e in exchanges if e["label"] == label)
    part = next(p for p in exchange["request"]["multipart_parts"] if p["name"] == "xml_submission_file")
    body = part["body"].encode("utf-8")
    instance_id = body.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()
    report = entity_updates_apply(entity_blocks(VISIT_FORM, body), instance_id)
    assert not report.errors
    return report


def _entity(key: str, label: str, district: str, name_ru: str) -> Entity:
    return Entity.objects.create(uuid=IDS[key], label=label, properties={"district": district, "name_ru": name_ru})


def _marks(versions: list[dict]) -> list[dict]:
    return [{k: v[k] for k in MARKS} for v in versions]


def _same_versions(ours: list[dict], theirs: list[dict]) -> None:
    assert len(ours) == len(theirs)
    for i, (mine, central) in enumerate(zip(ours, theirs, strict=True)):
        # The source is Central's audit event in full (actors, acteeId...): here its gist, checked apart.
        same_shape(
            {k: v for k, v in mine.items() if k != "source"},
            {k: v for k, v in central.items() if k != "source"},
            f"[{i}]",
        )
        assert list(mine) == list(central)
    assert _marks(ours) == _marks(theirs)


def test_versions_of_an_entity_updated_online_and_offline_are_centrals(api):
    """U1 online, A1 and A2 one tablet's offline branch, B1 another tablet's from the same base: Central's
    five versions, the soft conflict on v5, the last good version v4, relevant v2, v4 and v5."""
    entity = _entity("E1", "Kyzyl-Bulak", "d1", "Кызыл-Булак")
    for step in STEPS_05:
        _submit("05_updates_offline_conflict.json", step)
    url = f"{BASE}/villages/entities/{entity.uuid}"

    versions = api.get(f"{url}/versions").json()
    _same_versions(versions, recorded("05_updates_offline_conflict.json", "versions list (with conflict fields)"))
    assert versions[1]["source"]["submission"]["instanceId"].startswith("uuid:")
    relevant = api.get(f"{url}/versions", {"relevantToConflict": "true"}).json()
    _same_versions(relevant, recorded("05_updates_offline_conflict.json", "versions relevantToConflict"))

    one = api.get(url).json()
    theirs = recorded(
        "05_updates_offline_conflict.json", "entity after B1 offline base=2 trunk=2 branch=B (same base as A1)"
    )
    same_shape(one, theirs)
    assert one["conflict"] == "soft"
    assert {
        k: one["currentVersion"][k]
        for k in (
            "version",
            "baseVersion",
            "branchId",
            "trunkVersion",
            "branchBaseVersion",
            "conflictingProperties",
            "dataReceived",
        )
    } == {
        k: theirs["currentVersion"][k]
        for k in (
            "version",
            "baseVersion",
            "branchId",
            "trunkVersion",
            "branchBaseVersion",
            "conflictingProperties",
            "dataReceived",
        )
    }
    listed = next(e for e in api.get(f"{BASE}/villages/entities").json() if e["uuid"] == str(entity.uuid))
    assert listed["conflict"] == "soft" and listed["currentVersion"]["branchId"] == theirs["currentVersion"]["branchId"]

    # The feed: the conflict in __system, and its $filter as pyodk and ruODK send it.
    feed = f"{BASE}/villages.svc/Entities"
    conflicted = api.get(feed, {"$filter": "__system/conflict ne null"}).json()
    central_feed = recorded("05_updates_offline_conflict.json", "OData conflict filter")

    # The columns after __system are each list's own properties: the system part is compared.
    def system_part(body):
        return {**body, "value": [{k: row[k] for k in ("__id", "label", "__system")} for row in body["value"]]}

    same_shape(system_part(conflicted), system_part(central_feed))
    assert [r["__id"] for r in conflicted["value"]] == [str(entity.uuid)]
    assert conflicted["value"][0]["__system"] == {
        **central_feed["value"][0]["__system"],
        "createdAt": conflicted["value"][0]["__system"]["createdAt"],
        "updatedAt": conflicted["value"][0]["__system"]["updatedAt"],
        "creatorId": "0",
        "creatorName": "gazetteer",
    }
    assert [r["__id"] for r in api.get(feed, {"$filter": "__system/conflict eq 'soft'"}).json()["value"]] == [
        str(entity.uuid)
    ]
    assert api.get(feed, {"$filter": "__system/conflict eq 'hard'"}).json()["value"] == []
    unflagged = api.get(feed, {"$filter": "__system/conflict eq null"}).json()["value"]
    assert str(entity.uuid) not in [r["__id"] for r in unflagged]
    datasets = api.get(f"{BASE}", headers={"X-Extended-Metadata": "true"}).json()
    assert next(d for d in datasets if d["name"] == "villages")["conflicts"] == 1

    # Resolved (the referral queue's Resolve, Central's ?resolve=true): no conflict, the versions say so.
    entity_conflict_resolve(entity)
    assert api.get(url).json()["conflict"] is None
    assert api.get(feed, {"$filter": "__system/conflict ne null"}).json()["value"] == []
    after = api.get(f"{url}/versions").json()
    assert [(v["conflict"], v["resolved"]) for v in after][-1] == ("soft", True)
    assert [v["lastGoodVersion"] for v in after] == [False, False, False, False, True]
    assert not any(v["relevantToConflict"] for v in after)


def test_a_hard_conflict_after_a_server_change_has_centrals_versions(api):
    """E3: the server changes visited (v2), a tablet that had v1 sends visited=yes (v3, hard)."""
    entity = _entity("E3", "Jany-Aryk", "d1", "Жаны-Арык")
    entity_server_update(entity, {"visited": "no"})
    _submit("05b_hard_conflict_and_backlog.json", "offline update from base 1 (trunk=1, branch=B)")
    versions = api.get(f"{BASE}/villages/entities/{entity.uuid}/versions").json()
    theirs = recorded("05b_hard_conflict_and_backlog.json", "E3 versions")
    _same_versions(versions, theirs)
    assert versions[1]["source"] == theirs[1]["source"] == {}  # made on the server, not by a submission
    assert api.get(f"{BASE}/villages/entities/{entity.uuid}").json()["conflict"] == "hard"


def test_an_offline_branch_without_conflict_has_centrals_versions(api):
    """E4: one tablet's two offline updates, the second arriving first (held), end without a conflict."""
    entity = _entity("E4", "Tash-Kumyr", "d2", "Таш-Кумыр")
    assert _submit("05b_hard_conflict_and_backlog.json", "branch C, 2nd update (base=2, trunk=1) arrives FIRST").held
    _submit("05b_hard_conflict_and_backlog.json", "branch C, 1st update (base=1, trunk=1) arrives second")
    versions = api.get(f"{BASE}/villages/entities/{entity.uuid}/versions").json()
    _same_versions(versions, recorded("05b_hard_conflict_and_backlog.json", "E4 versions"))
    assert api.get(f"{BASE}/villages/entities/{entity.uuid}").json()["conflict"] is None
