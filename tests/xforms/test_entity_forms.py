"""The round's B2 and the B1 reading villages as the ``villages`` entity list and creating an entity per
village typed in (issue 32, items 2 and 4): built with pyxform and ODK Validate, filled in ODK's form
engine, processed into provisional entities that the entity list then serves, and counted exactly as the
same answers sent with the versions that read list files."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile

import pytest

from bma.entities.blocks import entity_blocks, saved_properties
from bma.entities.models import Entity
from bma.entities.services import ENTITIES_VERSION, entity_list_files
from bma.xforms.build import xlsform_build
from bma.xforms.services import b2_publish_for_round
from bma.xforms.workbooks import B1_CSV_VERSION, b1_csv_workbook_bytes, b2_round_workbook_bytes
from tests.conftest import SUBMISSION_FIXTURES
from tests.xforms.test_engine import engine, round_answers  # noqa: F401 - the engine fixture, shared

pytestmark = pytest.mark.django_db
YEARS = (2022, 2023, 2024, 2025)


def test_the_round_b2_and_the_b1_build_and_pass_odk_validate_with_their_entities_sheets(built_forms):
    b2 = xlsform_build(b2_round_workbook_bytes(3, YEARS), "b2_village.xlsx")
    b1 = built_forms["b1_district.xlsx"]
    for built, repeat, picked in ((b2, "ref", "ref_village"), (b1, "hv", "hv_village")):
        # Entities from a repeat need the 2025.1.0 spec (Central refuses them under an older one).
        assert ENTITIES_VERSION.search(built.xml).group(1) == "2025.1.0"
        assert entity_list_files(built.xml, built.media_filenames) == {"villages.csv": "villages"}
        # One entity per row of the repeat, created only when the village was typed in, not picked.
        assert f'<bind nodeset="/data/{repeat}/meta/entity/@create" calculate=" ../../../{picked}  = \'\'"' in built.xml
        assert f'<bind nodeset="/data/{repeat}/meta/entity/label" calculate=" ../../../{picked}_other "' in built.xml
        # The district is saved, so the next form's district filter offers the new village on the tablet.
        assert saved_properties(built.xml) == {f"/data/{repeat}": {"district": f"{repeat}_district"}}
    # The round B2's own village: the entity list, cut by the server's assigned_villages.csv.
    assert {"villages.csv", "assigned_villages.csv"} <= set(b2.media_filenames)
    assert "contains( /data/assigned_village_codes , concat(' ', code, ' '))" in b2.xml
    assert (b2.version, b1.version) == ("20261208003", "2026120701")
    # The versions before: no entities, villages.csv a list file of codes; the same XForms as published.
    for data, version in (
        (b2_round_workbook_bytes(3, YEARS, entity_list=False), "20261207003"),
        (b1_csv_workbook_bytes(), B1_CSV_VERSION),
    ):
        old = xlsform_build(data, "form.xlsx")
        assert old.version == version and not ENTITIES_VERSION.search(old.xml)
        assert entity_list_files(old.xml, old.media_filenames) == {}


def test_a_b2_referring_two_new_villages_creates_two_provisional_entities_the_list_serves_at_version_1(
    engine,  # noqa: F811
    open_round,
    personas,
    client,
    django_capture_on_commit_callbacks,
    tasks_in_process,
):
    from bma.referrals.models import ReferralMatch
    from bma.submissions.auth import collect_token_issue
    from bma.submissions.models import ProcessingState
    from bma.submissions.services import submission_receive

    version, _ = b2_publish_for_round(open_round)
    steps = [s for s in round_answers() if not s[0].startswith("/data/ref[")]
    steps += [["/data/departures/houses_empty", 0], ["/data/departures/elderly_alone", "no"]]
    steps += [
        ["/data/ref[1]/ref_district", "TJ-KT-PAN"],
        ["/data/ref[1]/ref_village_other", "Yangiobod"],
        ["/data/ref[1]/ref_populations", ["ret"]],
        ["add", "/data/ref"],
        ["/data/ref[2]/ref_district", "TJ-SU-ASH"],
        ["/data/ref[2]/ref_village_other", "Kuhistan"],
        ["/data/ref[2]/ref_populations", ["imw"]],
        ["add", "/data/ref"],  # a village already on the list: no entity
        ["/data/ref[3]/ref_district", "TJ-SU-ASH"],
        ["/data/ref[3]/ref_village", "V-ASH-0002"],
        ["/data/ref[3]/ref_populations", ["imw"]],
    ]
    result = engine("b2_village.xlsx", steps, xml=version.xml)
    assert result["status"] == "ready", result["violations"]
    # ODK's engine computes the blocks (create from create_if, the label, the saved district) and its
    # picked village carries the gazetteer code it read from the list.
    xml = result["xml"]
    blocks = entity_blocks(version.xml, xml.encode())
    assert [(b.create, b.label, b.properties) for b in blocks] == [
        (True, "Yangiobod", {"district": "TJ-KT-PAN"}),
        (True, "Kuhistan", {"district": "TJ-SU-ASH"}),
        (False, "", {"district": "TJ-SU-ASH"}),
    ]
    assert "<ref_village_code>V-ASH-0002</ref_village_code>" in xml

    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_receive(payload=xml.encode(), files=[], user=personas.enumerator).submission
    submission.refresh_from_db()
    assert submission.state == ProcessingState.PROCESSED, submission.last_error
    created = Entity.objects.filter(provisional=True, source_instance_id=submission.root_instance_id)
    assert sorted((e.label, e.version, e.properties["district"]) for e in created) == [
        ("Kuhistan", 1, "TJ-SU-ASH"),
        ("Yangiobod", 1, "TJ-KT-PAN"),
    ]
    # Each referral keeps its entity where the referral queue finds it; the picked one names its village.
    by_name = {m.name: m for m in ReferralMatch.objects.filter(village_assessment__submission=submission)}
    assert {by_name[e.label].entity_uuid for e in created} == {e.uuid for e in created}
    assert by_name["V-ASH-0002"].village.code == "V-ASH-0002" and by_name["V-ASH-0002"].entity_uuid is not None

    # The tablet's next look at the form: the manifest's entity list serves both, at version 1.
    token = collect_token_issue(personas.enumerator, "tablet")

    def get(path: str):
        return client.get(f"/collect/key/{token.token}/{path}", headers={"X-OpenRosa-Version": "1.0"})

    manifest = ET.fromstring(get("forms/bma_b2/manifest").content)
    ns = "{http://openrosa.org/xforms/xformsManifest}"
    entry = next(f for f in manifest.findall(f"{ns}mediaFile") if f.findtext(f"{ns}filename") == "villages.csv")
    assert entry.attrib == {"type": "entityList"}
    download = entry.findtext(f"{ns}downloadUrl").split("/collect/key/", 1)[1].split("/", 1)[1]
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(get(download).content.decode()))}
    for entity in created:
        assert rows[str(entity.uuid)]["__version"] == "1" and rows[str(entity.uuid)]["label"] == entity.label


# --- Item 4: the same round with and without entities counts the same --------------------------------------


def _entity_village(code: str) -> Entity:
    return Entity.objects.get(settlement__code=code, deleted_at=None)


def _swap_village(parent: ET.Element, field: str, typed_name: str | None, code: str | None, picked=None) -> None:
    """Rewrite one village answer of a list-file form as the entity form sends it: the entity's UUID with
    the code and label the device read, or (typed in) nothing picked and the name typed."""
    children = list(parent)
    at = next(i for i, c in enumerate(children) if c.tag == field)
    for child in [c for c in children if c.tag in (field, f"{field}_other")]:
        parent.remove(child)
    entity = picked or (_entity_village(code) if code else None)
    new = [ET.Element(field), ET.Element(f"{field}_code"), ET.Element(f"{field}_label")]
    if entity is not None:
        new[0].text, new[2].text = str(entity.uuid), entity.label
        new[1].text = code or ""
    else:
        other = ET.Element(f"{field}_other")
        other.text = typed_name
        new.append(other)
    for offset, element in enumerate(new):
        parent.insert(at + offset, element)


def _entity_row(row: ET.Element, field: str, extra: list[ET.Element] | None = None) -> None:
    """A repeat row's entity block, as pyxform's form and ODK's engine write it."""
    picked = row.findtext(field) or ""
    for element in extra or []:
        row.append(element)
    meta = ET.SubElement(row, "meta")
    block = ET.SubElement(
        meta, "entity", {"dataset": "villages", "create": "false" if picked else "true", "id": str(uuid.uuid4())}
    )
    ET.SubElement(block, "label").text = "" if picked else row.findtext(f"{field}_other")


def as_entity_form(xml: str, version: str, provisional: dict[str, Entity]) -> bytes:
    """The same answers sent with the entity version: villages by entity, typed ones creating entities.
    ``provisional``: villages the tablet created earlier, which it now picks instead of typing them."""
    root = ET.fromstring(xml)
    root.set("version", version)
    district = root.findtext("district")
    if root.find("village") is not None:
        answer, typed = root.findtext("village"), root.findtext("village_other")
        picked = provisional.get(typed or "")
        _swap_village(root, "village", typed, None if answer == "other" else answer, picked)
        root.insert(0, ET.Element("assigned_village_codes"))
    for row in root.findall("ref"):
        answer = row.findtext("ref_village")
        _swap_village(row, "ref_village", row.findtext("ref_village_other"), None if answer == "other" else answer)
        _entity_row(row, "ref_village")
    for row in root.findall("hv"):
        answer = row.findtext("hv_village")
        _swap_village(row, "hv_village", row.findtext("hv_village_other"), None if answer == "other" else answer)
        hv_district = ET.Element("hv_district")
        hv_district.text = district
        _entity_row(row, "hv_village", [hv_district])
    return ET.tostring(root, encoding="utf-8")


def _b2(instance_id: str, village: str, typed: str = "", referrals: list[tuple[str, str, str]] = ()) -> str:
    """The round B2 fixture about another village or a typed one, with referrals (district, code, typed)."""
    xml = (SUBMISSION_FIXTURES / "b2_round_20261207002.xml").read_text(encoding="utf-8")
    xml = xml.replace("uuid:5b0d3c1e-8f7a-4d2b-9a61-0c4e2f7d1a20", instance_id)
    chosen = f"<village>{village}</village>" + (f"<village_other>{typed}</village_other>" if typed else "")
    xml = xml.replace("<village>V-ASH-0001</village>", chosen)
    refs = "".join(
        f"<ref><ref_district>{d}</ref_district><ref_village>{code or 'other'}</ref_village>"
        + (f"<ref_village_other>{name}</ref_village_other>" if not code else "")
        + "<ref_populations>ret</ref_populations><ref_estimate>50</ref_estimate></ref>"
        for d, code, name in referrals
    )
    start, end = xml.index("<ref_any>"), xml.index("<meta>")
    return xml[:start] + f"<ref_any>{'yes' if referrals else 'no'}</ref_any>{refs}" + xml[end:]


def _round_answers() -> list[tuple[str, str]]:
    """(form, xml) of one round as sent with list files: two gazetteer villages, one of them naming two
    villages nobody knew and one it knew; one village typed in (Kuhistan, referred the same day) and a B1
    nominating a known village and a new one."""
    b1 = (SUBMISSION_FIXTURES / "b1_2026112202.xml").read_text(encoding="utf-8")
    return [
        (
            "b2",
            _b2(
                "uuid:fig-1",
                "V-ASH-0001",
                referrals=[
                    ("TJ-KT-PAN", "", "Yangiobod"),
                    ("TJ-SU-ASH", "", "Kuhistan"),
                    ("TJ-SU-ASH", "V-ASH-0003", ""),
                ],
            ),
        ),
        ("b2", _b2("uuid:fig-2", "V-ASH-0002")),
        ("b2", _b2("uuid:fig-3", "other", typed="Kuhistan")),
        ("b1", b1),
    ]


def _outcome(round_) -> str:
    from bma.exports.dataset import write_csv_zip
    from bma.exports.report import round_figures
    from bma.geo.models import Settlement

    out = io.BytesIO()
    write_csv_zip(out, round_)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    tables = {}
    for name in archive.namelist():
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8-sig", newline="")))
        for row in rows:
            row.pop("form_version", None)  # the one thing that differs: which version was filled
        tables[name] = rows
    text = json.dumps({"tables": tables, "figures": round_figures(round_, True)}, sort_keys=True, default=str)
    # A village added from a typed name gets a random code (P-<district>-<8 hex>): compare its name.
    names = dict(Settlement.objects.filter(code__startswith="P-").values_list("code", "name_en"))
    return re.sub(r"P-[A-Z-]+-[0-9A-F]{8}", lambda m: f"new village {names.get(m.group(0), '?')}", text)


def _collection_forget() -> None:
    """Back to before the round was collected: no submissions, assessments, matches, plan or added
    villages (the entities tablets created stay: they are counted nowhere)."""
    from bma.assessments import models as am
    from bma.geo.models import Settlement
    from bma.referrals.models import ReferralMatch, VisitPlanEntry
    from bma.submissions.models import Submission

    ReferralMatch.objects.all().delete()
    VisitPlanEntry.objects.all().delete()
    am.VillageAssessment.objects.all().delete()
    am.DistrictAssessment.objects.all().delete()
    Submission.objects.all().delete()
    Settlement.objects.filter(code__startswith="P-").delete()


def test_one_round_collected_with_and_without_entities_gives_identical_dataset_and_figures(
    personas, published_forms, django_capture_on_commit_callbacks, tasks_in_process
):
    from bma.assessments import models as am
    from bma.submissions.models import ProcessingState, Submission
    from bma.submissions.services import submission_receive

    b2_publish_for_round(personas.round, entity_list=False)
    b2_publish_for_round(personas.round)

    def outcome() -> str:
        failed = Submission.objects.exclude(state=ProcessingState.PROCESSED).values_list("last_error", flat=True)
        assert not list(failed)
        am.VillageAssessment.objects.update(review_state=am.ReviewState.APPROVED)
        return _outcome(personas.round)

    def send(payload: bytes) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            submission_receive(payload=payload, files=[], user=personas.enumerator)

    answers = _round_answers()
    for _, xml in answers:
        send(xml.encode())
    with_lists = outcome()
    assert "new village Kuhistan" in with_lists  # the typed-in village, counted once it was matched
    _collection_forget()

    payloads = []
    for form, xml in answers:
        # The tablet that referred Kuhistan picks it from the list when it gets there: its own entity.
        made = {e.label: e for e in Entity.objects.filter(provisional=True)}
        payloads.append(as_entity_form(xml, "20261208002" if form == "b2" else "2026120701", made))
        send(payloads[-1])
    assert b"<village_label>Kuhistan</village_label>" in payloads[2]
    # Yangiobod in Panj and Kuhistan referred by the B2, Yangiobod in Asht nominated by the B1.
    assert Entity.objects.filter(provisional=True).count() == 3
    assert set(am.VillageAssessment.objects.values_list("form_version", flat=True)) == {"20261208002"}
    assert set(am.DistrictAssessment.objects.values_list("form_version", flat=True)) == {"2026120701"}
    assert outcome() == with_lists


def test_the_gazetteer_sync_keeps_the_villages_tablets_created(geo):
    """A village a tablet created has no gazetteer village yet: the sync (run with every list refresh) must
    not take it for a village gone from the gazetteer and delete it from the tablets' list."""
    from bma.entities.blocks import EntityBlock
    from bma.entities.services import provisional_entities_create, village_entities_sync

    block = EntityBlock("villages", str(uuid.uuid4()), True, False, "Kuhistan", {"district": "TJ-SU-ASH"}, row=1)
    (made,), _ = provisional_entities_create([block], "uuid:sync")
    assert village_entities_sync()["deleted"] == 0
    made.refresh_from_db()
    assert made.deleted_at is None and made.provisional


def test_the_mapper_reads_entity_answers_by_the_servers_record_not_the_devices():
    from bma.assessments.instance_tree import xml_tree
    from bma.assessments.mappers import MAPPERS, EntityVillage

    mapper = MAPPERS["bma_b1"]
    tree = xml_tree((SUBMISSION_FIXTURES / "b1_2026120701.xml").read_bytes(), mapper.repeats)
    picked = "2f1c6d0e-5b7a-4c1e-9d3f-8a6b4e2c7d10"

    def nominations(entities):
        return [(n.village_code, n.name_typed, n.entity) for n in mapper.map(tree, entities=entities).nominations]

    # Not an entity of this server: the code the device read (the store checks it against the gazetteer).
    assert nominations({}) == [("V-ASH-0002", "", picked), ("", "Yangiobod", "")]
    # The server's record wins over the device's copy of the list (a village merged since, say).
    assert nominations({picked: EntityVillage("V-ASH-0003", "Buston")})[0] == ("V-ASH-0003", "", picked)
    # A village a tablet created, not linked yet: a typed-in name, as "Not on the list" was.
    assert nominations({picked: EntityVillage("", "Kuhistan")})[0] == ("", "Kuhistan", picked)


def test_an_entity_merged_into_a_village_reads_as_that_village(geo):
    from bma.assessments.services import entity_villages
    from bma.entities.services import village_entity_retire

    shaydon = _entity_village("V-ASH-0002")
    village_entity_retire(geo.shaydon, merged_into=geo.oshoba_village)
    tree = {"village": str(shaydon.uuid), "ref": [{"ref_village": "V-ASH-0003"}]}
    assert {k: v.code for k, v in entity_villages(tree).items()} == {str(shaydon.uuid): "V-ASH-0001"}
