"""A form version reaches devices with every list file it reads, whichever path opened its round."""

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
import requests
from django.urls import reverse

from bma.rounds.models import Round, RoundState
from bma.submissions.auth import collect_token_issue
from bma.submissions.models import ProcessingState, Submission
from bma.xforms.distribution import current_version, forms_for_devices
from bma.xforms.models import Form, FormKind, FormVersion, ListFile
from bma.xforms.services import list_files_refresh
from bma.xforms.workbooks import b2_round_version
from tests import factories
from tests.conftest import REPO_ROOT
from tests.support import require
from tests.xforms.test_engine import entity_answers, round_answers

ENGINE = REPO_ROOT / "tools" / "odk_engine" / "fill.mjs"
OPENROSA = {"X-OpenRosa-Version": "1.0"}


def _version(form, version, media, days_ago=0):
    from django.utils import timezone

    return FormVersion.objects.create(
        form=form,
        version=version,
        xlsform=b"",
        xlsform_sha256="",
        xml=f"<h:html><!-- {version} --></h:html>",
        xml_md5=hashlib.md5(version.encode()).hexdigest(),
        media_filenames=media,
        published_at=timezone.now() - timezone.timedelta(days=days_ago),
    )


@pytest.mark.django_db
def test_a_version_whose_list_files_are_missing_is_not_offered_the_last_complete_one_is(open_round):
    """The round's own B2 is published, its villages.csv not yet built: devices keep the shared B2
    whose files are all there, and get the round's as soon as its files are."""
    form = Form.objects.create(xml_form_id="bma_b2", title="B2", kind=FormKind.B2)
    shared = _version(form, "2026112202", ["districts.csv"], days_ago=3)
    own = _version(form, b2_round_version(open_round.number), ["districts.csv", "villages.csv"])
    ListFile.objects.create(round=None, filename="districts.csv", content=b"name\n", md5="x")

    assert forms_for_devices(round=open_round) == [(form, shared)]
    assert current_version("bma_b2", open_round) == shared
    # Another round's copy of the file does not make this round's version complete.
    other = factories.make_round(number=5)
    ListFile.objects.create(round=other, filename="villages.csv", content=b"name\n", md5="y")
    assert current_version("bma_b2", open_round) == shared

    ListFile.objects.create(round=open_round, filename="villages.csv", content=b"name\n", md5="z")
    assert forms_for_devices(round=open_round) == [(form, own)]
    assert current_version("bma_b2", open_round) == own


@pytest.mark.django_db
def test_a_form_with_no_complete_version_is_not_listed_and_not_served(open_round):
    form = Form.objects.create(xml_form_id="bma_b2", title="B2", kind=FormKind.B2)
    _version(form, b2_round_version(open_round.number), ["villages.csv"])
    assert forms_for_devices(round=open_round) == []
    assert current_version("bma_b2", open_round) is None


# --- The whole path, as in the field: admin -> worker -> Collect's engine -> worker -> next refresh ---


def _wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    return condition()


def _get(url: str) -> requests.Response:
    response = requests.get(url, headers=OPENROSA, params={"deviceID": "engine-test"}, timeout=30)
    assert response.status_code == 200, (url, response.status_code, response.text[:500])
    return response


def _form_list_entry(base: str, form_id: str) -> dict | None:
    root = ET.fromstring(_get(f"{base}formList").content)
    for xform in root.findall(".//{*}xform"):
        entry = {child.tag.split("}")[1]: (child.text or "") for child in xform}
        if entry.get("formID") == form_id:
            return entry
    return None


def _manifest(url: str) -> dict[str, dict]:
    root = ET.fromstring(_get(url).content)
    files = {}
    for media in root.findall(".//{*}mediaFile"):
        entry = {child.tag.split("}")[1]: (child.text or "") for child in media}
        files[entry["filename"]] = entry
    return files


def _fetch_media(manifest: dict[str, dict]) -> dict[str, bytes]:
    """Every file the manifest lists, checked against the hash it gives, as Collect checks it."""
    served = {}
    for filename, entry in manifest.items():
        content = _get(entry["downloadUrl"]).content
        assert entry["hash"] == "md5:" + hashlib.md5(content).hexdigest(), filename
        served[filename] = content
    return served


def _rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


@pytest.mark.node
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_round_opened_in_the_admin_reaches_collect_with_its_village_lists_and_grows_them(
    celery_worker_process, live_server, personas, client, tmp_path
):
    require(shutil.which("java") is not None, "ODK Validate needs Java (the worker builds the round's B2)")
    require(shutil.which("node") is not None, "Node 20 is needed for ODK's form engine")
    require((REPO_ROOT / "node_modules" / "@getodk" / "xforms-engine").exists(), "run `make node` (npm ci)")
    # Round 1 was collected and closed (its files were built then); round 2 is planned.
    first = factories.make_round(number=1, state=RoundState.CLOSED)
    list_files_refresh(first)
    Round.objects.filter(pk=personas.round.pk).update(state=RoundState.PLANNED)
    second = personas.round

    # A coordinator opens round 2 in the admin; the worker publishes what it needs.
    client.force_login(personas.coordinator)
    response = client.post(
        reverse("admin:rounds_round_changelist"), {"action": "open_rounds", "_selected_action": [second.pk]}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == RoundState.OPEN

    token = collect_token_issue(personas.enumerator, "engine")
    base = f"{live_server.url}/collect/key/{token.token}/"
    round_version = b2_round_version(second.number)
    entry = _wait_for(
        lambda: (e := _form_list_entry(base, "bma_b2")) and e["version"] == round_version and e, seconds=300
    )
    assert entry, f"the worker did not publish {round_version} in time (see .test-media/worker.log)"

    form_xml = _get(entry["downloadUrl"]).content
    assert entry["hash"] == "md5:" + hashlib.md5(form_xml).hexdigest()
    reads = set(re.findall(rb'src="jr://file-csv/([^"]+)"', form_xml))
    manifest = _manifest(entry["manifestUrl"])
    assert {name.decode() for name in reads} == set(manifest) >= {"villages.csv", "assigned_villages.csv"}
    served = _fetch_media(manifest)

    # Choose from the lists as served: a village of the enumerator's district, picked from the villages
    # entity list (its entity id), and a referred village the list does not hold, left unpicked and typed.
    village = next(r["name"] for r in _rows(served["assigned_villages.csv"]) if r["district"] == "TJ-SU-ASH")
    entity = next(r["name"] for r in _rows(served["villages.csv"]) if r["code"] == village)
    assert not any(r["name"] == "other" for r in _rows(served["villages.csv"]))
    assert not any("Yangiobod" in r["label"] for r in _rows(served["villages.csv"]))
    steps = entity_answers(round_answers(village=village))  # refers "Yangiobod" in Panj, typed in
    steps += [["/data/departures/houses_empty", 0], ["/data/departures/elderly_alone", "no"]]
    for filename, content in served.items():
        (tmp_path / filename).write_bytes(content)
    (tmp_path / "form.xml").write_bytes(form_xml)
    (tmp_path / "answers.json").write_text(json.dumps(steps), encoding="utf-8")
    done = subprocess.run(
        ["node", str(ENGINE), str(tmp_path / "form.xml"), str(tmp_path), str(tmp_path / "answers.json")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["status"] == "ready", result["violations"]
    assert entity in result["labels"]["/data/village"]

    posted = requests.post(
        f"{base}submission",
        headers=OPENROSA,
        files={"xml_submission_file": ("submission.xml", result["xml"].encode(), "text/xml")},
        timeout=30,
    )
    assert posted.status_code == 201, posted.text[:500]

    def referred_village_listed():
        files = _manifest(entry["manifestUrl"])
        if files["villages.csv"]["hash"] == manifest["villages.csv"]["hash"]:
            return None
        return any("Yangiobod" in r["label"] for r in _rows(_fetch_media(files)["villages.csv"]))

    assert _wait_for(referred_village_listed, seconds=60)
    submission = Submission.objects.get()
    assert (submission.state, submission.round_id) == (ProcessingState.PROCESSED, second.pk)
