"""Entity updates, versions and conflicts as ODK Central applies them (issue 32.3). Each test replays the
submissions recorded against a real Central (05, 05b, 07) and checks the entity against what Central
answered after each one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from bma.entities.blocks import entity_blocks
from bma.entities.models import Entity, EntityUpdateHeld
from bma.entities.updates import (
    conflict_versions,
    entity_backlog_sweep,
    entity_conflict_resolve,
    entity_server_update,
    entity_updates_apply,
)

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "central_entities"
IDS = json.loads((RECORDED / "ids.json").read_text())
VISIT_FORM = (RECORDED / "forms" / "village_visit.xml").read_text()

pytestmark = pytest.mark.django_db


def _exchanges(filename: str) -> list[dict]:
    return json.loads((RECORDED / filename).read_text())["exchanges"]


def _posted(filename: str, label: str) -> tuple[str, bytes]:
    """(instanceID, submission XML) of a recorded submission."""
    exchange = next(e for e in _exchanges(filename) if e["label"] == label)
    part = next(p for p in exchange["request"]["multipart_parts"] if p["name"] == "xml_submission_file")
    body = part["body"].encode("utf-8")
    instance_id = body.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()
    return instance_id, body


def _central_entity(filename: str, label: str) -> dict:
    return next(e for e in _exchanges(filename) if e["label"] == label)["response"]["body_json"]


def _submit(filename: str, label: str):
    instance_id, body = _posted(filename, label)
    return entity_updates_apply(entity_blocks(VISIT_FORM, body), instance_id)


def _entity(key: str, label: str, district: str, name_ru: str) -> Entity:
    return Entity.objects.create(uuid=IDS[key], label=label, properties={"district": district, "name_ru": name_ru})


def _same_as_central(entity: Entity, central: dict) -> None:
    entity.refresh_from_db()
    current = central["currentVersion"]
    version = entity.versions.get(version=entity.version)
    assert entity.version == current["version"]
    assert (entity.conflict or None) == central["conflict"]
    assert version.data_received == current["dataReceived"]
    assert version.conflicting_properties == current["conflictingProperties"]
    assert (version.base_version, version.trunk_version, version.branch_id or None, version.branch_base_version) == (
        current["baseVersion"],
        current["trunkVersion"],
        current["branchId"],
        current["branchBaseVersion"],
    )
    assert entity.properties["visited"] == current["data"]["visited"]


STEPS_05 = [
    "U1 online update base=1",
    "A1 offline base=2 trunk=2 branch=A",
    "A2 offline base=3 trunk=2 branch=A",
    "B1 offline base=2 trunk=2 branch=B (same base as A1)",
]


def test_online_and_offline_updates_give_centrals_versions_and_a_soft_conflict():
    """U1 online -> v2; A1, A2 one tablet's offline branch -> v3, v4 without conflict; B1 from the same
    base as A1 on another tablet -> v5, soft (it sends visited=yes, which nobody changed since v2)."""
    entity = _entity("E1", "Kyzyl-Bulak", "d1", "Кызыл-Булак")
    for step in STEPS_05:
        report = _submit("05_updates_offline_conflict.json", step)
        assert len(report.applied) == 1 and not report.errors and not report.held
        _same_as_central(entity, _central_entity("05_updates_offline_conflict.json", f"entity after {step}"))
    assert [(v.version, v.conflict) for v in conflict_versions(entity)] == [(2, ""), (3, ""), (4, ""), (5, "soft")]


def test_an_update_from_an_older_base_on_a_property_changed_on_the_server_is_a_hard_conflict():
    entity = _entity("E3", "Jany-Aryk", "d1", "Жаны-Арык")
    entity_server_update(entity, {"visited": "no"})  # Central: PATCH visited=no -> v2
    report = _submit("05b_hard_conflict_and_backlog.json", "offline update from base 1 (trunk=1, branch=B)")
    assert len(report.applied) == 1
    _same_as_central(entity, _central_entity("05b_hard_conflict_and_backlog.json", "entity E3: conflict=hard"))
    assert entity.conflict == "hard" and report.applied[0].conflicting_properties == ["visited"]


def test_a_branch_update_that_arrives_first_is_held_until_the_earlier_one_arrives():
    entity = _entity("E4", "Tash-Kumyr", "d2", "Таш-Кумыр")
    first_sent_second = "branch C, 2nd update (base=2, trunk=1) arrives FIRST"
    report = _submit("05b_hard_conflict_and_backlog.json", first_sent_second)
    assert report.applied == [] and len(report.held) == 1
    entity.refresh_from_db()
    assert entity.version == 1  # Central: "E4 while C2 is held (still v1)"
    report = _submit("05b_hard_conflict_and_backlog.json", "branch C, 1st update (base=1, trunk=1) arrives second")
    assert [v.version for v in report.applied] == [2, 3]
    _same_as_central(entity, _central_entity("05b_hard_conflict_and_backlog.json", "E4 after both (v3)"))
    assert not EntityUpdateHeld.objects.exists()


def test_a_held_update_whose_branch_never_completes_is_applied_by_the_sweep_after_the_wait(settings):
    entity = _entity("E4", "Tash-Kumyr", "d2", "Таш-Кумыр")
    _submit("05b_hard_conflict_and_backlog.json", "branch C, 2nd update (base=2, trunk=1) arrives FIRST")
    assert entity_backlog_sweep().applied == []  # not yet: it waits for its branch
    later = timezone.now() + dt.timedelta(hours=settings.BMA_ENTITY_BACKLOG_HOURS, minutes=1)
    report = entity_backlog_sweep(now=later)
    assert [v.version for v in report.applied] == [2]
    entity.refresh_from_db()
    assert (entity.version, entity.properties["visited"], entity.conflict) == (2, "yes", "")
    assert not EntityUpdateHeld.objects.exists()


def test_a_submission_processed_again_applies_its_update_once():
    entity = _entity("E1", "Kyzyl-Bulak", "d1", "Кызыл-Булак")
    _submit("05_updates_offline_conflict.json", STEPS_05[0])
    assert _submit("05_updates_offline_conflict.json", STEPS_05[0]).applied == []
    entity.refresh_from_db()
    assert entity.version == 2 and entity.conflict == ""


def test_updates_of_unknown_and_deleted_entities_are_recorded_with_centrals_codes():
    _entity("E2", "Ak-Terek", "d2", "Ак-Терек")
    Entity.objects.filter(uuid=IDS["E2"]).update(deleted_at=timezone.now())
    unknown = _submit("07_entity_errors.json", "U update of an unknown entity")
    deleted = _submit("07_entity_errors.json", "U update of the deleted entity E2")
    assert [(e.code, e.problem) for e in unknown.errors + deleted.errors] == [
        (
            "404.8",
            "The entity with UUID (3f128ec2-9275-44ae-b7cc-93e41440caae) specified in the submission does not "
            "exist in the dataset (villages).",
        ),
        ("404.11", "The entity with UUID (37fa696d-a07d-4c05-b460-9379024af0f1) has been deleted."),
    ]
    assert all(e.update and e.instance_id.startswith("uuid:") for e in unknown.errors + deleted.errors)
    again = _submit("07_entity_errors.json", "U update of an unknown entity")  # processed again: the same refusal
    assert again.errors == unknown.errors
    assert Entity.objects.get(uuid=IDS["E2"]).version == 1


def test_resolving_clears_the_conflict_and_refuses_a_stale_look():
    from bma.core.errors import BmaError

    entity = _entity("E1", "Kyzyl-Bulak", "d1", "Кызыл-Булак")
    for step in STEPS_05:
        _submit("05_updates_offline_conflict.json", step)
    with pytest.raises(BmaError):
        entity_conflict_resolve(entity, seen_version=4)
    entity = entity_conflict_resolve(entity, seen_version=5)
    assert entity.conflict == "" and conflict_versions(entity) == []


def test_a_held_update_of_a_village_deleted_meanwhile_is_recorded_as_refused_and_waits_no_longer(settings):
    entity = _entity("E4", "Tash-Kumyr", "d2", "Таш-Кумыр")
    _submit("05b_hard_conflict_and_backlog.json", "branch C, 2nd update (base=2, trunk=1) arrives FIRST")
    Entity.objects.filter(pk=entity.pk).update(deleted_at=timezone.now())
    later = timezone.now() + dt.timedelta(hours=settings.BMA_ENTITY_BACKLOG_HOURS, minutes=1)
    assert [e.code for e in entity_backlog_sweep(now=later).errors] == ["404.11"]
    assert not EntityUpdateHeld.objects.exists()
