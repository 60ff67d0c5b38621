"""What ODK Collect sees: authentication, the form list, form download, manifest and media files."""

import hashlib
import re
import xml.etree.ElementTree as ET

import pytest
import requests
from requests.auth import HTTPDigestAuth

from bma.submissions.auth import collect_token_issue, collect_token_revoke
from bma.xforms.models import Form, FormState, ListFile
from tests.submissions.conftest import FORM_ID, VILLAGES_CSV

NS = {"x": "http://openrosa.org/xforms/xformsList", "m": "http://openrosa.org/xforms/xformsManifest"}
PASSWORD = "pass-for-tests-1"


def form_entries(body: bytes) -> dict[str, dict[str, str]]:
    root = ET.fromstring(body)
    assert root.tag == "{http://openrosa.org/xforms/xformsList}xforms"
    return {
        e.findtext("x:formID", namespaces=NS): {c.tag.split("}")[1]: c.text for c in e}
        for e in root.findall("x:xform", NS)
    }


@pytest.mark.django_db
def test_form_list_without_credentials_gets_a_digest_challenge_and_no_basic_over_http(client, b2_form):
    response = client.get("/collect/formList?deviceID=collect:abc")
    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Digest realm="BMA"') and 'qop="auth"' in challenge and "nonce=" in challenge
    assert "Basic" not in challenge
    assert response["X-OpenRosa-Version"] == "1.0"


@pytest.mark.django_db
def test_a_forged_forwarded_proto_header_does_not_open_basic_over_plain_http(client, b2_form, personas, settings):
    import base64

    auth = "Basic " + base64.b64encode(f"enumerator:{PASSWORD}".encode()).decode()
    forged = client.get("/collect/formList", HTTP_X_FORWARDED_PROTO="https", HTTP_AUTHORIZATION=auth)
    assert forged.status_code == 401 and "Basic" not in forged["WWW-Authenticate"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BMA_BEHIND_TLS_PROXY=1
    proxied = client.get("/collect/formList", HTTP_X_FORWARDED_PROTO="https", HTTP_AUTHORIZATION=auth)
    assert proxied.status_code == 200


@pytest.mark.django_db
def test_basic_is_offered_and_accepted_over_https(client, b2_form, personas):
    challenge = client.get("/collect/formList", secure=True)["WWW-Authenticate"]
    assert 'Basic realm="BMA"' in challenge
    import base64

    auth = "Basic " + base64.b64encode(f"enumerator:{PASSWORD}".encode()).decode()
    response = client.get("/collect/formList", secure=True, HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200 and FORM_ID in form_entries(response.content)


@pytest.mark.django_db(transaction=True)
def test_collect_style_digest_login_lists_downloads_and_fetches_the_village_list(live_server, b2_form, personas):
    session = requests.Session()
    session.auth = HTTPDigestAuth("enumerator", PASSWORD)
    session.headers["X-OpenRosa-Version"] = "1.0"

    listing = session.get(f"{live_server.url}/collect/formList", params={"deviceID": "collect:xyz"})
    assert listing.status_code == 200
    assert listing.headers["Content-Type"].startswith("text/xml")
    assert listing.headers["X-OpenRosa-Version"] == "1.0"
    entry = form_entries(listing.content)[FORM_ID]

    form = session.get(entry["downloadUrl"], params={"deviceID": "collect:xyz"})
    assert entry["hash"] == "md5:" + hashlib.md5(form.content).hexdigest()

    manifest = ET.fromstring(session.get(entry["manifestUrl"], params={"deviceID": "collect:xyz"}).content)
    media = manifest.find("m:mediaFile", NS)
    assert media.findtext("m:filename", namespaces=NS) == "villages.csv"
    csv = session.get(media.findtext("m:downloadUrl", namespaces=NS), params={"deviceID": "collect:xyz"})
    assert csv.content == VILLAGES_CSV
    assert media.findtext("m:hash", namespaces=NS) == "md5:" + hashlib.md5(VILLAGES_CSV).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_wrong_password_is_challenged_again(live_server, b2_form, personas):
    response = requests.get(f"{live_server.url}/collect/formList", auth=HTTPDigestAuth("enumerator", "wrong"))
    assert response.status_code == 401


@pytest.mark.django_db
def test_new_villages_change_the_media_hash_so_devices_refresh(client, b2_form, personas):
    client.force_login(personas.enumerator)
    entry = form_entries(client.get("/collect/formList").content)[FORM_ID]
    before = client.get(entry["manifestUrl"]).content
    ListFile.objects.filter(filename="villages.csv").update(content=VILLAGES_CSV + b"V-ASH-0009,Shodoba,TJ-SU-ASH\n")
    after = client.get(entry["manifestUrl"]).content
    hashes = [re.search(rb"<hash>(.*?)</hash>", doc).group(1) for doc in (before, after)]
    assert hashes[0] != hashes[1]
    assert form_entries(client.get("/collect/formList").content)[FORM_ID]["hash"] == entry["hash"]


@pytest.mark.django_db
def test_form_list_shows_only_what_the_user_may_fill(client, b2_form, personas):
    client.force_login(personas.outsider)  # no assignment in the open round
    assert form_entries(client.get("/collect/formList").content) == {}

    client.force_login(personas.enumerator)
    assert set(form_entries(client.get("/collect/formList?formID=nope").content)) == set()
    assert set(form_entries(client.get(f"/collect/formList?formID={FORM_ID}").content)) == {FORM_ID}

    Form.objects.filter(xml_form_id=FORM_ID).update(state=FormState.CLOSING)
    assert form_entries(client.get("/collect/formList").content) == {}


@pytest.mark.django_db
def test_device_token_in_the_path_works_until_revoked(client, b2_form, personas):
    token = collect_token_issue(personas.enumerator, "tablet 7")
    response = client.get(f"/collect/key/{token.token}/formList?deviceID=x")
    entry = form_entries(response.content)[FORM_ID]
    assert entry["downloadUrl"].startswith(f"http://testserver/collect/key/{token.token}/forms/")
    assert client.get(entry["downloadUrl"]).status_code == 200

    collect_token_revoke(token)
    response = client.get(f"/collect/key/{token.token}/formList")
    assert response.status_code == 403
    assert b"Ask your supervisor for a new QR code" in response.content


@pytest.mark.django_db
def test_enumerator_credentials_open_nothing_but_collect(client, personas):
    client.force_login(personas.enumerator)
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/villages/").status_code == 403


@pytest.mark.django_db
def test_each_round_gets_its_own_b2_and_never_another_rounds(client, personas, published_forms):
    import base64
    import datetime as dt

    from bma.xforms.services import b2_publish_for_round, list_files_refresh
    from tests import factories

    list_files_refresh(personas.round)  # as publish_forms leaves it: a form is listed with its files
    auth = "Basic " + base64.b64encode(f"enumerator:{PASSWORD}".encode()).decode()

    def listed_b2():
        response = client.get("/collect/formList", secure=True, HTTP_AUTHORIZATION=auth)
        download = client.get("/collect/forms/bma_b2/form.xml", secure=True, HTTP_AUTHORIZATION=auth)
        return form_entries(response.content)["bma_b2"]["version"], download.content.decode()

    assert listed_b2()[0] == "2026112202"  # no round version yet: the shared one
    next_round = factories.make_round(
        number=3, state="planned", reference_start=dt.date(2022, 1, 1), reference_end=dt.date(2025, 12, 31)
    )
    b2_publish_for_round(next_round)  # published later, for a round the enumerator is not in
    assert listed_b2()[0] == "2026112202"
    own, _ = b2_publish_for_round(personas.round)
    version, xml = listed_b2()
    assert version == own.version and "imw_y2023" in xml and "imw_y2025" not in xml


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "value"),
    [
        ("/collect/formList?deviceID=", "collect%00x"),
        ("/collect/formList?formID=", "b2%00"),
        ("/collect/submission?deviceID=", "collect%00x"),
        ("/collect/submission?deviceID=", "x" * 256),
    ],
)
def test_a_hostile_device_or_form_id_is_a_400_openrosa_message(client, b2_form, personas, url, value):
    client.force_login(personas.enumerator)
    response = client.head(url + value) if "submission" in url else client.get(url + value)
    assert response.status_code == 400
    if "submission" not in url:
        assert b"<OpenRosaResponse" in response.content and b"NUL character" in response.content
    assert response["X-OpenRosa-Version"] == "1.0"


def test_the_location_lists_are_cut_to_each_users_assignment_and_hashed_as_served(client, b2_form, personas):
    from bma.xforms.openrosa import md5_hash
    from bma.xforms.services import list_files_refresh

    list_files_refresh(personas.round)
    version = b2_form
    version.media_filenames = [*version.media_filenames, "assigned_villages.csv", "assigned_districts.csv"]
    version.save(update_fields=["media_filenames"])

    def manifest_and_files(user):
        client.force_login(user)
        entry = form_entries(client.get("/collect/formList").content)[FORM_ID]
        manifest = ET.fromstring(client.get(entry["manifestUrl"]).content)
        files = {}
        for media in manifest.iterfind("m:mediaFile", NS):
            name = media.findtext("m:filename", namespaces=NS)
            body = client.get(media.findtext("m:downloadUrl", namespaces=NS)).content
            assert media.findtext("m:hash", namespaces=NS) == md5_hash(body), name  # Collect's change check
            files[name] = (media.findtext("m:hash", namespaces=NS), body.decode())
        return files

    enumerator = manifest_and_files(personas.enumerator)  # Asht only
    coordinator = manifest_and_files(personas.coordinator)

    assert "V-ASH-0002" in enumerator["assigned_villages.csv"][1]
    assert "V-PAN-0001" not in enumerator["assigned_villages.csv"][1]
    assert "TJ-SU-KHU" not in enumerator["assigned_districts.csv"][1]
    assert "V-PAN-0001" in coordinator["assigned_villages.csv"][1]
    assert enumerator["assigned_villages.csv"][0] != coordinator["assigned_villages.csv"][0]
    # The referral lists stay whole: informants name villages anywhere.
    assert enumerator["villages.csv"] == coordinator["villages.csv"]


@pytest.mark.django_db
def test_place_names_in_the_lists_come_in_the_enumerators_language_with_the_same_codes(client, b2_form, personas):
    """The device's language (Accept-Language) unless the enumerator chose one; the manifest hashes
    exactly the bytes each device is served, so a change of language makes Collect fetch the list again."""
    import csv
    import io

    from bma.core.languages import user_language_set
    from bma.xforms.openrosa import md5_hash
    from bma.xforms.services import list_files_refresh

    list_files_refresh(personas.round)
    b2_form.media_filenames = [*b2_form.media_filenames, "assigned_districts.csv"]
    b2_form.save(update_fields=["media_filenames"])
    client.force_login(personas.enumerator)

    def lists(**headers) -> dict[str, dict[str, str]]:
        entry = form_entries(client.get("/collect/formList", **headers).content)[FORM_ID]
        manifest = ET.fromstring(client.get(entry["manifestUrl"], **headers).content)
        served = {}
        for media in manifest.iterfind("m:mediaFile", NS):
            response = client.get(media.findtext("m:downloadUrl", namespaces=NS), **headers)
            assert media.findtext("m:hash", namespaces=NS) == md5_hash(response.content)
            rows = list(csv.DictReader(io.StringIO(response.content.decode())))
            assert not [c for c in rows[0] if c.startswith("label_")]  # devices read `label` only
            served[media.findtext("m:filename", namespaces=NS)] = {r["name"]: r["label"] for r in rows}
        return served

    english = lists()
    tajik = lists(HTTP_ACCEPT_LANGUAGE="tg")
    user_language_set(personas.enumerator, "ru")
    russian = lists(HTTP_ACCEPT_LANGUAGE="tg")  # the enumerator's own choice wins over the device's

    assert english["villages.csv"]["V-ASH-0002"] == "Shaydon (Шайдон)"
    assert tajik["villages.csv"]["V-ASH-0002"] == "Шайдон"
    assert russian["villages.csv"]["V-ASH-0002"] == "Шайдан"
    assert russian["assigned_districts.csv"] == {"TJ-SU-ASH": "Аштский район"}
    assert tajik["villages.csv"]["other"] == "Дар рӯйхат нест"
    assert set(english["villages.csv"]) == set(tajik["villages.csv"]) == set(russian["villages.csv"])


@pytest.mark.django_db
def test_a_place_with_no_russian_name_is_listed_under_its_english_name(client, b2_form, personas):
    from bma.geo.models import Settlement
    from bma.xforms.distribution import list_file_content_for
    from bma.xforms.services import list_files_refresh

    Settlement.objects.filter(code="V-ASH-0003").update(name_ru="")
    list_files_refresh(personas.round)

    served = list_file_content_for(personas.round, "villages.csv", personas.enumerator, "ru").decode()

    assert "V-ASH-0003,Buston,TJ-SU-ASH" in served
    assert "V-ASH-0001,Ошоба,TJ-SU-ASH" in served
