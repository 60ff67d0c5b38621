"""ODK Central's read API for the ``villages`` entity list (/v1/projects/1/datasets/...), for pyodk and ruODK.

Each shape is compared key by key, in order, with what a real Central answered (tests/fixtures/
central_entities, recorded from getodk/central-backend 4f5943d1); ids and times differ, their form does not.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bma.entities.models import VILLAGES, Entity
from bma.entities.services import VILLAGE_PROPERTIES, village_entities_sync, village_entity_retire
from bma.geo.models import Settlement
from bma.xforms.models import Form, FormVersion

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "central_entities"
BASE = "/v1/projects/1/datasets"
CENTRAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# Central's answer to a request without credentials or with a wrong token (recorded in 09_errors of the
# submissions recordings, real-2026-12-07).
NOT_AUTHENTICATED = {"message": "Could not authenticate with the provided credentials.", "code": 401.2}

pytestmark = pytest.mark.django_db


def recorded(filename: str, label: str) -> dict:
    exchanges = json.loads((RECORDED / filename).read_text())["exchanges"]
    response = next(e for e in exchanges if e["label"] == label)["response"]
    return response.get("body_json") if response.get("body_json") is not None else response["body"]


def same_shape(ours, theirs, where="body"):
    """Same keys in the same order, nulls where Central has nulls, the same kinds of values, recursively
    (lists: each of ours against Central's first item). An entity's data holds its own list's properties."""
    if where.endswith((".data", ".dataReceived")):
        assert isinstance(ours, dict), where
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict), where
        assert list(ours) == list(theirs), f"{where}: {list(ours)} != {list(theirs)}"
        for key, value in theirs.items():
            same_shape(ours[key], value, f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list), where
        for i, item in enumerate(ours if theirs else []):
            same_shape(item, theirs[0], f"{where}[{i}]")
    elif theirs is None:
        assert ours is None, f"{where}: {ours!r} is not null"
    elif isinstance(theirs, str) and CENTRAL_TIME.match(theirs):
        assert isinstance(ours, str) and CENTRAL_TIME.match(ours), f"{where}: {ours!r}"
    else:
        assert type(ours) is type(theirs), f"{where}: {ours!r} vs {theirs!r}"


@pytest.fixture
def villages(personas):
    """The small gazetteer's villages as entities, and one village a tablet added (provisional)."""
    village_entities_sync()
    tablet = Entity.objects.create(
        dataset=VILLAGES,
        uuid=uuid.uuid4(),
        label="Kyzyl-Bulak",
        properties={"status": "provisional", "district": "TJ-SU-ASH", "name_ru": "Кызыл-Булак"},
        provisional=True,
        source_instance_id="uuid:not-a-stored-submission",
    )
    return tablet


@pytest.fixture
def api(client, personas):
    client.force_login(personas.coordinator)
    return client


def test_entity_list_and_one_entity_have_centrals_keys(api, villages):
    listed = api.get(f"{BASE}/villages/entities").json()
    same_shape(listed, recorded("03_create_from_repeat.json", "entities list"))
    assert len(listed) == Entity.objects.filter(deleted_at__isnull=True).count()
    assert listed[0]["uuid"] == str(villages.uuid)  # newest first, as Central lists them

    one = api.get(f"{BASE}/villages/entities/{villages.uuid}").json()
    theirs = recorded("03_create_from_repeat.json", "entity 1d60e55b-0841-4875-8d39-e3bb702ff460")
    assert list(one) == list(theirs) and list(one["currentVersion"]) == list(theirs["currentVersion"])
    assert one["currentVersion"]["data"] == {
        "district": "TJ-SU-ASH",
        "name_ru": "Кызыл-Булак",
        "status": "provisional",
    }
    assert one["currentVersion"]["dataReceived"]["label"] == "Kyzyl-Bulak"
    assert one["updatedAt"] is None and one["currentVersion"]["version"] == 1

    versions = api.get(f"{BASE}/villages/entities/{villages.uuid}/versions").json()
    theirs = recorded("03_create_from_repeat.json", "versions of E1")
    assert [list(v) for v in versions] == [list(theirs[0])]


def test_an_updated_entity_has_its_update_time_and_base_version(api, villages):
    entity = Entity.objects.filter(provisional=False).first()
    entity.label, entity.version = "Renamed", 2
    entity.save()
    one = api.get(f"{BASE}/villages/entities/{entity.uuid}").json()
    same_shape(
        {k: v for k, v in one.items()},
        recorded("05_updates_offline_conflict.json", "entity after U1 online update base=1"),
    )
    assert one["currentVersion"]["baseVersion"] == 1 and CENTRAL_TIME.match(one["updatedAt"])


def test_deleted_entities_are_listed_only_when_asked(api, villages, personas):
    gone = village_entity_retire(Settlement.objects.order_by("pk").first())
    assert api.get(f"{BASE}/villages/entities/{gone.uuid}").status_code == 404
    assert api.get(f"{BASE}/villages/entities/{gone.uuid}").json() == {
        "message": "Could not find the resource you were looking for.",
        "code": 404.1,
    }
    listed = [e["uuid"] for e in api.get(f"{BASE}/villages/entities").json()]
    deleted = api.get(f"{BASE}/villages/entities?deleted=true").json()
    assert str(gone.uuid) not in listed
    assert [e["uuid"] for e in deleted] == [str(gone.uuid)]
    same_shape(deleted, recorded("06_delete_and_integrity.json", "deleted entities list"))


def test_entity_lists_and_their_properties(api, villages):
    same_shape(api.get(BASE).json(), recorded("01_publish_forms_and_dataset.json", "dataset list"))
    extended = api.get(BASE, HTTP_X_EXTENDED_METADATA="true").json()
    same_shape(
        [{**extended[0], "lastEntity": None}],
        recorded("01_publish_forms_and_dataset.json", "dataset list (extended)"),
    )
    assert extended[0]["entities"] == Entity.objects.filter(deleted_at__isnull=True).count()

    detail = api.get(f"{BASE}/villages").json()
    theirs = recorded("01_publish_forms_and_dataset.json", "dataset villages (properties, linkedForms, sourceForms)")
    assert list(detail) == list(theirs)
    assert [p["name"] for p in detail["properties"]] == VILLAGE_PROPERTIES  # the tablet's were among them
    same_shape(detail["properties"][0], {**theirs["properties"][0], "forms": []})
    assert api.get("/v1/projects/1/datasets/households").status_code == 404
    assert api.get("/v1/projects/2/datasets").status_code == 404


def test_the_odata_feed_pages_counts_and_filters(api, villages):
    feed = api.get(f"{BASE}/villages.svc/Entities")
    assert feed["OData-Version"] == "4.0"
    body = feed.json()
    theirs = recorded("03_create_from_repeat.json", "OData Entities")
    assert list(body) == list(theirs)
    row = body["value"][0]
    assert list(row)[:3] == ["__id", "label", "__system"] and list(row)[3:] == VILLAGE_PROPERTIES
    assert list(row["__system"]) == list(theirs["value"][0]["__system"])
    assert row["__system"]["creatorId"] == "0" and row["__system"]["creatorName"] == "gazetteer"
    assert body["@odata.context"] == "http://testserver/v1/projects/1/datasets/villages.svc/$metadata#Entities"
    total = len(body["value"])

    first = api.get(f"{BASE}/villages.svc/Entities", {"$top": 2, "$count": "true"}).json()
    assert list(first) == ["value", "@odata.context", "@odata.nextLink", "@odata.count"]
    assert len(first["value"]) == 2 and first["@odata.count"] == total
    following = api.get(first["@odata.nextLink"].removeprefix("http://testserver")).json()
    assert following["value"][0]["__id"] == body["value"][2]["__id"]
    skipped = api.get(f"{BASE}/villages.svc/Entities", {"$skip": total - 1}).json()
    assert [r["__id"] for r in skipped["value"]] == [body["value"][-1]["__id"]]

    newest = Entity.objects.order_by("-created_at", "-pk").first()
    since = newest.created_at - dt.timedelta(microseconds=1)
    since_text = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    after = api.get(f"{BASE}/villages.svc/Entities", {"$filter": f"__system/createdAt gt {since_text}"}).json()
    assert [r["__id"] for r in after["value"]] == [str(newest.uuid)]
    tablet = api.get(f"{BASE}/villages.svc/Entities", {"$filter": "status eq 'provisional'"}).json()
    assert [r["__id"] for r in tablet["value"]] == [str(villages.uuid)]
    untouched = api.get(f"{BASE}/villages.svc/Entities", {"$filter": "__system/updatedAt eq null"}).json()
    assert len(untouched["value"]) == total
    assert api.get(f"{BASE}/villages.svc/Entities", {"$filter": "__system/conflict ne null"}).json()["value"] == []
    label = api.get(f"{BASE}/villages.svc/Entities", {"$filter": "label eq 'Kyzyl-Bulak' and not (status eq 'x')"})
    assert [r["label"] for r in label.json()["value"]] == ["Kyzyl-Bulak"]


def test_odata_refusals_are_centrals(api, villages):
    unparsed = api.get(f"{BASE}/villages.svc/Entities", {"$filter": "__system/createdAt gtt 2026-01-01"})
    assert unparsed.status_code == 400 and unparsed.json()["code"] == 400.18
    unknown = api.get(f"{BASE}/villages.svc/Entities", {"$filter": "households gt 3"})
    assert unknown.status_code == 501
    assert unknown.json() == {
        "message": "The given OData filter expression references fields not supported by this server: households at 0",
        "code": 501.5,
        "details": {"at": 0, "text": "households"},
    }
    assert api.get(f"{BASE}/villages.svc/Entities", {"$top": "many"}).json()["code"] == 400.11


def test_service_document_and_metadata(api, villages):
    service = api.get(f"{BASE}/villages.svc")
    assert service["Content-Type"] == "application/json; charset=utf-8; odata.metadata=minimal"
    assert service.json() == {
        "@odata.context": "http://testserver/v1/projects/1/datasets/villages.svc/$metadata",
        "value": [{"name": "Entities", "kind": "EntitySet", "url": "Entities"}],
    }
    metadata = api.get(f"{BASE}/villages.svc/$metadata")
    assert metadata["Content-Type"] == "application/xml"
    names = [
        p.get("Name") for p in ET.fromstring(metadata.content).iter("{http://docs.oasis-open.org/odata/ns/edm}Property")
    ]
    assert names[-len(VILLAGE_PROPERTIES) - 3 :] == ["__id", "label", "__system", *VILLAGE_PROPERTIES]


def test_admin_csv_has_centrals_columns(api, villages, personas):
    response = api.get(f"{BASE}/villages/entities.csv")
    theirs = recorded("03_create_from_repeat.json", "entities.csv (admin)")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    their_header = theirs.splitlines()[0].split(",")
    assert header[:2] == their_header[:2] and header[-6:] == their_header[-6:]
    assert header[2:-6] == VILLAGE_PROPERTIES
    assert rows[0][0] == str(villages.uuid) and CENTRAL_TIME.match(rows[0][-6])
    assert response.content.endswith(b"\n") and b"\r\n" not in response.content
    assert response["Content-Disposition"] == "attachment; filename=\"villages.csv\"; filename*=UTF-8''villages.csv"
    assert api.get(f"{BASE}/villages/entities.csv", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    filtered = api.get(f"{BASE}/villages/entities.csv", {"$filter": "status eq 'provisional'"}).content.decode()
    assert [row[0] for row in csv.reader(io.StringIO(filtered))][1:] == [str(villages.uuid)]


def test_refused_without_credentials_or_a_review_role(client, villages, personas):
    url = f"{BASE}/villages/entities"
    for path in (url, f"{BASE}/villages.svc/Entities", f"{BASE}/villages/entities.csv", BASE):
        response = client.get(path)
        assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED), path
    assert client.get(url, HTTP_AUTHORIZATION="Bearer not-a-token").json() == NOT_AUTHENTICATED
    client.force_login(personas.enumerator)
    assert client.get(url).json() == {
        "message": "The authenticated actor does not have rights to perform that action.",
        "code": 403.1,
    }


def test_bearer_from_a_session_login_and_basic_over_https(client, villages, personas):
    url = f"{BASE}/villages/entities"
    login = client.post(
        "/v1/sessions", {"email": "supervisor", "password": "pass-for-tests-1"}, content_type="application/json"
    )
    assert list(login.json()) == list(recorded("01_publish_forms_and_dataset.json", "login"))
    token = login.json()["token"]
    assert token == Token.objects.get(user=personas.supervisor).key
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert client.get("/v1/users/current", HTTP_AUTHORIZATION=f"Bearer {token}").json()["id"] == personas.supervisor.pk
    personas.supervisor.email = "supervisor@example.org"  # Central logs in by e-mail: pyodk's config has one
    personas.supervisor.save()
    by_email = {"email": "Supervisor@example.org", "password": "pass-for-tests-1"}
    assert client.post("/v1/sessions", by_email, content_type="application/json").json()["token"] == token
    wrong = client.post("/v1/sessions", {"email": "supervisor", "password": "no"}, content_type="application/json")
    assert (wrong.status_code, wrong.json()) == (401, NOT_AUTHENTICATED)

    basic = "Basic " + base64.b64encode(b"supervisor:pass-for-tests-1").decode()
    assert client.get(url, HTTP_AUTHORIZATION=basic, secure=True).status_code == 200
    plain = client.get(url, HTTP_AUTHORIZATION=basic)
    assert (plain.status_code, plain.json()["code"]) == (401, 401.3)
    bad = "Basic " + base64.b64encode(b"supervisor:wrong").decode()
    assert client.get(url, HTTP_AUTHORIZATION=bad, secure=True).json() == NOT_AUTHENTICATED


def test_pyodk_reads_the_list(live_server, transactional_db, villages, personas, tmp_path):
    """The official client, against this server as it would be against Central."""
    from pyodk.client import Client

    config = tmp_path / "pyodk_config.toml"
    config.write_text(
        f'[central]\nbase_url = "{live_server.url}"\nusername = "coordinator"\n'
        'password = "pass-for-tests-1"\ndefault_project_id = 1\n'
    )
    with Client(config_path=config, cache_path=tmp_path / "cache.toml") as odk:
        assert [el.name for el in odk.entity_lists.list()] == ["villages"]
        listed = odk.entities.list(entity_list_name="villages")
        assert {e.uuid for e in listed} == {str(u) for u in Entity.objects.values_list("uuid", flat=True)}
        table = odk.entities.get_table(entity_list_name="villages", top=1, count=True)
        assert table["@odata.count"] == len(listed) and len(table["value"]) == 1


def test_a_tablet_made_entity_names_the_enumerator_who_sent_it(api, receive, personas):
    submission = receive("b2_2026112202.xml")
    entity = Entity.objects.create(
        dataset=VILLAGES, label="Jany-Aryk", provisional=True, source_instance_id=submission.root_instance_id
    )
    one = api.get(f"{BASE}/villages/entities/{entity.uuid}").json()
    assert one["creatorId"] == one["currentVersion"]["creatorId"] == personas.enumerator.pk
    row = api.get(f"{BASE}/villages.svc/Entities", {"$filter": f"__id eq '{entity.uuid}'"}).json()["value"][0]
    assert (row["__system"]["creatorId"], row["__system"]["creatorName"]) == (str(personas.enumerator.pk), "enumerator")
    source = api.get(f"{BASE}/villages/entities/{entity.uuid}/versions").json()[0]["source"]
    assert source["submission"]["instanceId"] == submission.root_instance_id


def test_orderby_as_ruodk_writes_it(api, villages):
    oldest_first = api.get(
        f"{BASE}/villages.svc/Entities", {"$orderby": "__system/createdAt ASC, __system/conflict DESC"}
    )
    ids = [r["__id"] for r in oldest_first.json()["value"]]
    newest_first = [r["__id"] for r in api.get(f"{BASE}/villages.svc/Entities").json()["value"]]
    assert ids == newest_first[::-1]
    assert api.get(f"{BASE}/villages.svc/Entities", {"$orderby": "__system/creatorId"}).status_code == 501


def test_guessing_passwords_locks_the_login_as_everywhere(client, villages, personas, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/v1/sessions", {"email": "coordinator", "password": "wrong"}, content_type="application/json")
    right = {"email": "coordinator", "password": "pass-for-tests-1"}
    locked = client.post("/v1/sessions", right, content_type="application/json")
    assert locked.status_code == 429 and "Too many failed logins" in locked.json()["message"]
    basic = "Basic " + base64.b64encode(b"coordinator:pass-for-tests-1").decode()
    assert client.get(f"{BASE}/villages/entities", HTTP_AUTHORIZATION=basic, secure=True).status_code == 429


def test_odd_requests_get_centrals_error_form(api, villages):
    nul = api.get(f"{BASE}/villages.svc/Entities", {"$filter": "label eq 'a\x00'"})
    assert nul.status_code == 400 and set(nul.json()) == {"message", "code"}
    assert api.post(f"{BASE}/villages/entities").status_code == 405  # read-only
    assert api.get(f"{BASE}/villages/entities/not-a-uuid").json()["code"] == 404.1
    assert api.get("/v1/projects/1/forms").json()["code"] == 404.0  # no such route here: JSON, not a page


def test_a_reader_asking_in_russian_gets_centrals_refusal_in_russian(client, villages):
    response = client.get(f"{BASE}/villages/entities", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json() == {"message": "Не удалось войти с указанными учётными данными.", "code": 401.2}


def test_the_forms_around_the_list_as_central_names_them(api, villages):
    """The three forms recorded at Central, published here: the same linked and source forms and the
    properties each source form saves."""
    for form_id, media in (("village_reg", []), ("village_reg1", []), ("village_visit", ["villages.csv"])):
        xml = (RECORDED / "forms" / f"{form_id}.xml").read_text()
        title = re.search(r"<h:title>([^<]+)</h:title>", xml).group(1)
        form = Form.objects.create(xml_form_id=form_id, title=title)
        FormVersion.objects.create(
            form=form,
            version="2026120701",
            xlsform=b"",
            xlsform_sha256="",
            xml=xml,
            xml_md5="0" * 32,
            media_filenames=media,
            published_at=timezone.now(),
        )
    detail = api.get(f"{BASE}/villages").json()
    theirs = recorded("01_publish_forms_and_dataset.json", "dataset villages (properties, linkedForms, sourceForms)")
    assert detail["linkedForms"] == theirs["linkedForms"]
    assert sorted(detail["sourceForms"], key=str) == sorted(theirs["sourceForms"], key=str)
    ours = {p["name"]: sorted(f["xmlFormId"] for f in p["forms"]) for p in detail["properties"]}
    for prop in theirs["properties"]:
        assert ours[prop["name"]] == sorted(f["xmlFormId"] for f in prop["forms"]), prop["name"]
    assert "visited" in api.get(f"{BASE}/villages.svc/Entities", {"$top": 1}).json()["value"][0]
