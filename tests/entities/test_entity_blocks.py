"""Entity blocks read from submissions as ODK Central reads them, and the provisional entities they create
(issue 32.2, server side). Submissions and forms are those recorded against a real Central."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from bma.entities.blocks import entity_blocks, saved_properties
from bma.entities.lists import entity_list_csv
from bma.entities.models import Entity
from bma.entities.services import entity_integrity, provisional_entities_create
from tests import factories

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "central_entities"
IDS = json.loads((RECORDED / "ids.json").read_text())


def _form(name: str) -> str:
    return (RECORDED / "forms" / f"{name}.xml").read_text()


def _submission(label: str) -> bytes:
    exchanges = json.loads((RECORDED / "03_create_from_repeat.json").read_text())["exchanges"]
    exchange = next(e for e in exchanges if e["label"] == label)
    part = next(p for p in exchange["request"]["multipart_parts"] if p["name"] == "xml_submission_file")
    return part["body"].encode("utf-8")


REPEAT = "R submission: 2 villages in one submission (repeat)"
SINGLE = "R1 submission: one village (2024.1.0)"
VISIT = (
    '<data id="village_visit" version="2026120701"><village>{id}</village><visited>yes</visited><meta>'
    "<instanceID>uuid:x</instanceID>"
    '<entity dataset="villages" update="1" baseVersion="2" trunkVersion="2" branchId="B" id="{id}"/></meta></data>'
)


def test_the_saveto_binds_say_which_fields_each_block_saves():
    assert saved_properties(_form("village_reg")) == {"/data/ref": {"district": "district", "name_ru": "name_ru"}}
    assert saved_properties(_form("village_reg1")) == {"/data": {"district": "district", "name_ru": "name_ru"}}
    assert saved_properties(_form("village_visit")) == {"/data": {"visited": "visited"}}


def test_a_repeat_gives_one_block_per_row_with_that_rows_properties():
    blocks = entity_blocks(_form("village_reg"), _submission(REPEAT))
    assert [(b.id, b.label, b.properties, b.create, b.update, b.row) for b in blocks] == [
        (IDS["E1"], "Kyzyl-Bulak", {"district": "d1", "name_ru": "Кызыл-Булак"}, True, False, 1),
        (IDS["E2"], "Ak-Terek", {"district": "d2", "name_ru": "Ак-Терек"}, True, False, 2),
    ]
    assert {b.dataset for b in blocks} == {"villages"}


def test_a_single_block_and_an_update_block_are_read_too():
    (single,) = entity_blocks(_form("village_reg1"), _submission(SINGLE))
    assert (single.id, single.label, single.properties) == (
        IDS["E3"],
        "Jany-Aryk",
        {"district": "d1", "name_ru": "Жаны-Арык"},
    )
    (update,) = entity_blocks(_form("village_visit"), VISIT.format(id=IDS["E1"]).encode())
    assert (update.update, update.create, update.properties) == (True, False, {"visited": "yes"})
    assert (update.base_version, update.trunk_version, update.branch_id) == ("2", "2", "B")


@pytest.mark.django_db
def test_a_b2_referring_two_villages_makes_two_provisional_entities_served_at_version_1():
    blocks = entity_blocks(_form("village_reg"), _submission(REPEAT))
    created, errors = provisional_entities_create(blocks, "uuid:9e63f7f7")
    assert errors == []
    assert {str(e.uuid) for e in created} == {IDS["E1"], IDS["E2"]}
    assert all(e.provisional and e.settlement_id is None and e.version == 1 for e in created)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(entity_list_csv().decode()))}
    assert rows[IDS["E1"]]["__version"] == "1" and rows[IDS["E1"]]["status"] == "provisional"
    assert rows[IDS["E2"]]["label"] == "Ak-Terek" and rows[IDS["E2"]]["district"] == "d2"
    assert entity_integrity("villages", None) == [(IDS["E1"], False), (IDS["E2"], False)]
    # The same submission processed again (an edit, a reprocessing) creates nothing twice.
    again, errors = provisional_entities_create(blocks, "uuid:9e63f7f7")
    assert errors == [] and sorted(e.pk for e in again) == sorted(e.pk for e in created)
    assert Entity.objects.count() == 2


@pytest.mark.django_db
def test_one_bad_row_creates_none_as_central_does():
    good, bad = entity_blocks(_form("village_reg"), _submission(REPEAT))
    created, errors = provisional_entities_create([good, replace(bad, label="")], "uuid:1")
    # Central's codes: the empty label (400.2) on its row, the good row refused with it (400.43).
    assert created == [] and [(e.row, e.code) for e in errors] == [(1, "400.43"), (2, "400.2")]
    assert errors[1].problem == "Required parameter label missing."
    assert not Entity.objects.exists()
    provisional_entities_create([good], "uuid:2")
    created, errors = provisional_entities_create([good], "uuid:3")  # another submission, the same id
    assert created == [] and [(e.code, e.entity_id) for e in errors] == [("409.3", IDS["E1"])]


@pytest.mark.django_db
def test_processing_a_received_submission_creates_its_entities_and_counts_no_village(personas):
    """The whole server path: Collect's upload is stored, the worker processes it, the two referred
    villages are provisional entities on the list, and the gazetteer (what is counted) is unchanged."""
    from django.utils import timezone

    from bma.geo.models import Settlement
    from bma.pipeline.services import submission_process
    from bma.submissions.models import ProcessingState
    from bma.submissions.services import submission_receive
    from bma.xforms.models import Form, FormVersion

    form = Form.objects.create(xml_form_id="village_reg", title="Village registration (repeat)")
    FormVersion.objects.create(
        form=form,
        version="2026120701",
        xlsform=b"",
        xlsform_sha256="",
        xml=_form("village_reg"),
        xml_md5="0" * 32,
        published_at=timezone.now(),
    )
    villages = Settlement.objects.count()
    received = submission_receive(payload=_submission(REPEAT), files=[], user=personas.enumerator).submission
    submission_process(received.pk)
    received.refresh_from_db()
    assert received.state == ProcessingState.PROCESSED, received.last_error
    entities = Entity.objects.filter(provisional=True)
    assert {(str(e.uuid), e.label, e.version) for e in entities} == {
        (IDS["E1"], "Kyzyl-Bulak", 1),
        (IDS["E2"], "Ak-Terek", 1),
    }
    assert {e.source_instance_id for e in entities} == {received.root_instance_id}
    assert Settlement.objects.count() == villages


@pytest.mark.django_db
def test_a_referral_confirmed_as_new_village_keeps_the_tablets_entity_at_version_2(geo):
    """The village is confirmed as new: its gazetteer entry is made after the tablet's entity, whose id
    the tablets hold. That entity becomes the village's (version 2, the gazetteer's label); the entity the
    new village got is a duplicate, retired, and the integrity URL says so."""
    from bma.entities.services import provisional_entity_link

    (created,), _ = provisional_entities_create(entity_blocks(_form("village_reg1"), _submission(SINGLE)), "uuid:r1")
    village = factories.make_village("P-TJ-SU-ASH-0001", geo.asht, "Jany-Aryk", name_tg="Ҷонӣ-Арик")
    duplicate = Entity.objects.get(settlement=village)
    kept = provisional_entity_link(created, village)
    assert kept.pk == created.pk
    kept.refresh_from_db()
    assert (kept.version, kept.label, kept.settlement, kept.provisional) == (2, "Jany-Aryk (Ҷонӣ-Арик)", village, False)
    assert kept.properties["code"] == "P-TJ-SU-ASH-0001"
    assert dict(entity_integrity("villages", [kept.uuid, duplicate.uuid])) == {
        str(kept.uuid): False,
        str(duplicate.uuid): True,
    }
    rows = list(csv.DictReader(io.StringIO(entity_list_csv().decode())))
    assert [r["name"] for r in rows if r["code"] == "P-TJ-SU-ASH-0001"] == [str(kept.uuid)]
    # Saving the village again (the gazetteer changes) keeps its one entity.
    factories.make_village("P-TJ-SU-ASH-0001", geo.asht, "Jany-Aryk", name_tg="Ҷонӣ-Арик", name_ru="Жаны-Арык")
    assert Entity.objects.filter(settlement=village, deleted_at__isnull=True).get().pk == kept.pk


@pytest.mark.django_db
def test_a_referral_linked_to_a_known_village_retires_the_tablets_entity(geo):
    from bma.entities.services import provisional_entity_link

    (created,), _ = provisional_entities_create(entity_blocks(_form("village_reg1"), _submission(SINGLE)), "uuid:r1")
    own = Entity.objects.get(settlement=geo.shaydon)
    assert provisional_entity_link(created, geo.shaydon).pk == own.pk
    created.refresh_from_db()
    assert (created.version, created.label, created.merged_into) == (2, "Shaydon (Шайдон)", geo.shaydon)
    assert dict(entity_integrity("villages", [created.uuid, own.uuid])) == {
        str(created.uuid): True,
        str(own.uuid): False,
    }
    assert str(created.uuid) not in entity_list_csv().decode()
