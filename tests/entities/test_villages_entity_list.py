"""The gazetteer's villages served as the ODK entity list ``villages``, shaped as ODK Central serves it.

The expected shapes are the responses recorded from a real Central
(shared/fixtures/odk-central-api/entities-2026-12-07): the manifest entry, the list's CSV with its
ETag and 304, and the integrity answer.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

import pytest
from django.utils import timezone

from bma.entities.models import VILLAGES, Entity
from bma.entities.services import (
    FORM_PROPERTIES,
    VILLAGE_PROPERTIES,
    entity_list_files,
    village_entities_sync,
    village_entity_retire,
)
from bma.submissions.auth import collect_token_issue
from bma.xforms.distribution import forms_for_devices
from bma.xforms.models import Form, FormVersion
from tests import factories

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "central_entities"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"


def _recorded(filename: str, label: str) -> dict:
    # The recorder's placeholder for the app user's token is not XML: a plain word in its place.
    text = (RECORDED / filename).read_text().replace("<APP_USER_TOKEN>", "TOKEN")
    exchanges = json.loads(text)["exchanges"]
    return next(e for e in exchanges if e["label"] == label)


def _header(exchange: dict, name: str) -> str | None:
    return next((v for k, v in exchange["response"]["headers"] if k.lower() == name.lower()), None)


def _publish(xml: str, form_id: str, media: list[str]) -> FormVersion:
    form = Form.objects.create(xml_form_id=form_id, title=form_id)
    return FormVersion.objects.create(
        form=form,
        version="2026120701",
        xlsform=b"",
        xlsform_sha256="",
        xml=xml,
        xml_md5="0" * 32,
        media_filenames=media,
        published_at=timezone.now(),
    )


@pytest.fixture
def device(personas, client):
    """The enumerator's tablet (token URL) and the entity form pyxform built for the recording (U)."""
    _publish((RECORDED / "forms" / "village_visit.xml").read_text(), "village_visit", ["villages.csv"])
    token = collect_token_issue(personas.enumerator, "tablet")
    base = f"/collect/key/{token.token}/"

    def get(path: str, **headers):
        return client.get(base + path, headers={"X-OpenRosa-Version": "1.0", **headers})

    return get


def _manifest(get) -> ET.Element:
    response = get("forms/village_visit/manifest")
    assert response.status_code == 200
    return ET.fromstring(response.content)


@pytest.mark.django_db
def test_every_village_is_an_entity_with_a_stable_uuid(geo):
    entities = Entity.objects.filter(dataset=VILLAGES)
    assert {e.settlement.code for e in entities} == {"V-ASH-0001", "V-ASH-0002", "V-ASH-0003", "V-PAN-0001"}
    oshoba = entities.get(settlement=geo.oshoba_village)
    assert (oshoba.version, oshoba.label) == (1, "Oshoba (Ошоба)")
    assert oshoba.properties == {
        "code": "V-ASH-0001",
        "district": "TJ-SU-ASH",
        "jamoat": "TJ-SU-ASH-OSH",
        "name_ru": "Ошоба",
        "name_tg": "Ошоба",
        "status": "official",
    }
    # Running the full sync again changes nothing: no version moves without a change.
    assert village_entities_sync() == {"created": 0, "updated": 0, "deleted": 0}
    assert Entity.objects.get(pk=oshoba.pk).uuid == oshoba.uuid


@pytest.mark.django_db
def test_a_gazetteer_change_bumps_the_version_and_a_save_without_change_does_not(geo):
    entity = Entity.objects.get(settlement=geo.shaydon)
    factories.make_village("V-ASH-0002", geo.asht, "Shaydon", name_tg="Шайдон", name_ru="Шайдан")
    entity.refresh_from_db()
    assert entity.version == 1
    factories.make_village("V-ASH-0002", geo.asht, "Shaydon", name_tg="Шайдон", name_ru="Шайдон-2")
    entity.refresh_from_db()
    assert (entity.version, entity.properties["name_ru"]) == (2, "Шайдон-2")
    factories.make_village("V-ASH-0002", geo.oshoba, "Shaydon Bolo", name_tg="Шайдон", name_ru="Шайдон-2")
    entity.refresh_from_db()
    assert (entity.version, entity.label, entity.properties["jamoat"]) == (3, "Shaydon Bolo (Шайдон)", "TJ-SU-ASH-OSH")


@pytest.mark.django_db
def test_the_manifest_lists_villages_as_an_entity_list_as_central_does(device):
    recorded = ET.fromstring(_recorded("02_openrosa_formlist_manifest_csv.json", "manifest of U")["response"]["body"])
    (want,) = recorded.findall(f"{MANIFEST_NS}mediaFile")
    (got,) = _manifest(device).findall(f"{MANIFEST_NS}mediaFile")
    assert got.attrib == want.attrib == {"type": "entityList"}
    assert [c.tag for c in got] == [c.tag for c in want]
    assert got.findtext(f"{MANIFEST_NS}filename") == "villages.csv"
    assert got.findtext(f"{MANIFEST_NS}integrityUrl").endswith("/datasets/villages/integrity")
    # Collect fetches the list from downloadUrl and checks it against the hash: Central's hash is the ETag.
    download = got.findtext(f"{MANIFEST_NS}downloadUrl").split("/collect/key/", 1)[1].split("/", 1)[1]
    response = device(download)
    assert got.findtext(f"{MANIFEST_NS}hash") == "md5:" + response["ETag"].strip('"')


@pytest.mark.django_db
def test_the_list_csv_has_centrals_columns_headers_and_rows(device, geo):
    recorded = _recorded("06_delete_and_integrity.json", "CSV before delete")
    response = device("forms/village_visit/media/villages.csv")
    assert response.status_code == 200
    for name in ("Content-Type", "Content-Disposition", "Cache-Control"):
        assert response[name] == _header(recorded, name), name
    body = response.content
    assert not body.startswith(b"\xef\xbb\xbf") and b"\r" not in body and body.endswith(b"\n")
    rows = list(csv.reader(io.StringIO(body.decode())))
    want_header = recorded["response"]["body"].split("\n", 1)[0].split(",")
    assert rows[0][:3] == want_header[:3] == ["name", "label", "__version"]
    assert rows[0][3:] == [*VILLAGE_PROPERTIES, *FORM_PROPERTIES, "planned"]
    # Newest entity first, as Central orders them; name is the entity UUID.
    expected = list(Entity.objects.filter(deleted_at__isnull=True).order_by("-created_at", "-pk"))
    assert [r[0] for r in rows[1:]] == [str(e.uuid) for e in expected]
    panj = next(r for r in rows[1:] if r[0] == str(Entity.objects.get(settlement=geo.panj_centre).uuid))
    assert panj == [
        panj[0],
        "Panj (Панҷ)",
        "1",
        "V-PAN-0001",
        "TJ-KT-PAN",
        "",
        "Пяндж",
        "Панҷ",
        "official",
        "",
        "",
        "no",
    ]


@pytest.mark.django_db
def test_the_list_answers_304_to_the_etag_it_gave_and_200_once_it_changed(device, geo):
    recorded = _recorded("02_openrosa_formlist_manifest_csv.json", "same with If-None-Match = ETag")
    first = device("forms/village_visit/media/villages.csv")
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34  # strong, quoted md5 as Central's
    again = device("forms/village_visit/media/villages.csv", **{"If-None-Match": etag})
    assert again.status_code == recorded["response"]["status"] == 304
    assert again.content == b"" and again["ETag"] == etag
    assert again["Cache-Control"] == _header(recorded, "Cache-Control")
    factories.make_village("V-ASH-0009", geo.asht, "Navobod")
    changed = device("forms/village_visit/media/villages.csv", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert b"Navobod" in changed.content.split(b"\n")[1]  # the new village comes first


@pytest.mark.django_db
@pytest.mark.parametrize("syntax", ["comma", "repeated"])
def test_integrity_reports_a_merged_village_deleted_in_centrals_exact_shape(device, geo, syntax):
    """Central answers ``?id=a,b`` (and crashes with 500 on ``?id=a&id=b``): both get its 200 answer."""
    ids = json.loads((RECORDED / "ids.json").read_text())
    recorded = _recorded("06_delete_and_integrity.json", "integrity ?id=E1,E2 (comma separated)")
    e1, e2 = ids["E1"], ids["E2"]
    # The recorded ids on two of our villages, so the answer can be compared byte for byte.
    Entity.objects.filter(settlement=geo.shaydon).update(uuid=uuid.UUID(e1))
    Entity.objects.filter(settlement=geo.buston_asht).update(uuid=uuid.UUID(e2))
    assert Entity.objects.get(uuid=e1).pk < Entity.objects.get(uuid=e2).pk
    village_entity_retire(geo.buston_asht, merged_into=geo.shaydon)

    query = f"id={e1},{e2}" if syntax == "comma" else f"id={e1}&id={e2}"
    response = device(f"datasets/villages/integrity?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == _header(recorded, "Content-Type")
    assert response.content.decode() == recorded["response"]["body"]


@pytest.mark.django_db
def test_integrity_leaves_out_unknown_ids_and_lists_everything_without_ids(device, geo):
    unknown = _recorded("06_delete_and_integrity.json", "integrity for an unknown id")
    response = device(f"datasets/villages/integrity?id={uuid.uuid4()},not-a-uuid")
    assert response.content.decode() == unknown["response"]["body"]
    Settlement = type(geo.panj_centre)
    gone = Entity.objects.get(settlement=geo.panj_centre)
    Settlement.objects.filter(pk=geo.panj_centre.pk).delete()  # leaves the gazetteer
    listed = ET.fromstring(device("datasets/villages/integrity").content)
    deleted = {e.get("id"): e.findtext("deleted") for e in listed.iter("entity")}
    assert deleted == {str(e.uuid): ("true" if e.pk == gone.pk else "false") for e in Entity.objects.all()}
    assert len(deleted) == 4
    assert device("datasets/households/integrity").status_code == 404


@pytest.mark.django_db
def test_a_retired_village_leaves_the_list_and_is_not_recreated(device, geo):
    entity = village_entity_retire(geo.shaydon)
    assert entity.deleted_at is not None and entity.merged_into is None
    assert str(entity.uuid).encode() not in device("forms/village_visit/media/villages.csv").content
    # The village is saved again (an import, the admin): its entity stays deleted, none is added.
    factories.make_village("V-ASH-0002", geo.asht, "Shaydon renamed")
    village_entities_sync()
    assert list(Entity.objects.filter(settlement=geo.shaydon)) == [entity]
    assert Entity.objects.get(pk=entity.pk).deleted_at is not None


@pytest.mark.django_db
def test_integrity_needs_a_login_as_every_openrosa_url(personas, client):
    assert client.get("/collect/datasets/villages/integrity").status_code == 401


@pytest.mark.django_db
def test_a_form_without_entities_keeps_its_plain_list_file(device, personas):
    """A B2 built without an entities sheet reads villages.csv as before: codes, no type, no integrityUrl."""
    plain = (
        '<h:html><h:head><model><instance id="villages" src="jr://file-csv/villages.csv"/></model></h:head></h:html>'
    )
    assert entity_list_files(plain, ["villages.csv"]) == {}
    entity_xml = (RECORDED / "forms" / "village_visit.xml").read_text()
    assert entity_list_files(entity_xml, ["villages.csv", "other.csv"]) == {"villages.csv": "villages"}
    _publish(plain, "plain_form", ["villages.csv"])
    # The plain form needs its list file; the entity form is listed without one.
    assert [f.xml_form_id for f, _v in forms_for_devices(round=personas.round)] == ["village_visit"]
    from bma.xforms.services import list_files_refresh

    list_files_refresh(personas.round)
    assert [f.xml_form_id for f, _v in forms_for_devices(round=personas.round)] == ["plain_form", "village_visit"]
    manifest = ET.fromstring(device("forms/plain_form/manifest").content)
    (entry,) = manifest.findall(f"{MANIFEST_NS}mediaFile")
    assert entry.attrib == {} and entry.find(f"{MANIFEST_NS}integrityUrl") is None
    rows = list(csv.reader(io.StringIO(device("forms/plain_form/media/villages.csv").content.decode())))
    assert "V-ASH-0001" in {r[0] for r in rows[1:]}


@pytest.mark.django_db
def test_the_list_is_built_once_and_a_change_is_served_at_once(device, geo, personas):
    """The CSV is kept in the cache under a fingerprint of the entities and the round's plan: asked
    again, it is not rebuilt; any change (a village renamed, an entity updated by a queryset, a village
    planned) is in the very next download, and the manifest's hash follows it."""
    from bma.entities import lists
    from bma.referrals.models import PlanReason
    from bma.referrals.services import plan_add

    def download():
        return device("forms/village_visit/media/villages.csv")

    first = download()
    with mock.patch.object(lists, "entity_list_csv", wraps=lists.entity_list_csv) as build:
        again = download()
        manifest_hash = _manifest(device).find(f"{MANIFEST_NS}mediaFile").findtext(f"{MANIFEST_NS}hash")
        assert not build.called
        assert again.content == first.content and manifest_hash == "md5:" + first["ETag"].strip('"')

        factories.make_village("V-ASH-0002", geo.asht, "Shaydon Nav", name_tg="Шайдон")
        renamed = download()
        assert b"Shaydon Nav" in renamed.content and renamed["ETag"] != first["ETag"]
        # A queryset update (no signal, no save): the version it writes changes the list's fingerprint.
        Entity.objects.filter(settlement=geo.oshoba_village).update(label="Oshoba Bolo", version=2)
        assert b"Oshoba Bolo" in download().content
        assert build.call_count == 2

    def planned(content: bytes) -> dict[str, str]:
        return {r["code"]: r["planned"] for r in csv.DictReader(io.StringIO(content.decode()))}

    assert planned(download().content)["V-ASH-0001"] == "no"
    plan_add(personas.round.pk, geo.oshoba_village, PlanReason.CARRIED_OVER)
    assert planned(download().content) == {
        "V-ASH-0001": "yes",
        "V-ASH-0002": "no",
        "V-ASH-0003": "no",
        "V-PAN-0001": "no",
    }
