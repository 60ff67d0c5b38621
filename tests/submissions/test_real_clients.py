"""ODK's own form engine as the device: form list, download, manifest and village list over HTTP, fill, POST."""

import json
import shutil
import subprocess

import pytest
from django.core.management import call_command

from bma.submissions.auth import collect_token_issue
from bma.submissions.models import ProcessingState, Submission
from tests.conftest import REPO_ROOT
from tests.support import require
from tests.xforms.test_engine import b2_answers


@pytest.mark.node
@pytest.mark.django_db(transaction=True)
def test_form_engine_downloads_fills_and_submits_through_the_openrosa_server(
    live_server, personas, tmp_path, tasks_in_process
):
    require(shutil.which("java") is not None, "ODK Validate needs Java")
    require(shutil.which("node") is not None, "Node 20 is needed for ODK's form engine")
    call_command("publish_forms")
    token = collect_token_issue(personas.enumerator, "engine")
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(b2_answers()), encoding="utf-8")

    done = subprocess.run(
        [
            "node",
            "tools/odk_engine/fill.mjs",
            "--server",
            f"{live_server.url}/collect/key/{token.token}/",
            "bma_b2",
            str(answers),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=180,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["status"] == "ready", result["violations"]
    assert result["submitStatus"] == 201, result["submitBody"]
    stored = Submission.objects.get(form__xml_form_id="bma_b2")
    assert stored.payload_bytes.decode() == result["xml"]
    assert stored.submitted_by == personas.enumerator
    assert stored.state == ProcessingState.PROCESSED


def _offered_over_openrosa(live_server, user, steps, tmp_path, shown: bool = False) -> dict:
    token = collect_token_issue(user, f"engine {user.username}")
    answers = tmp_path / f"{user.username}.json"
    answers.write_text(json.dumps(steps), encoding="utf-8")
    done = subprocess.run(
        ["node", "tools/odk_engine/fill.mjs", "--server", f"{live_server.url}/collect/key/{token.token}/", "bma_b2"]
        + [str(answers)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)["choiceLabels" if shown else "labels"]


@pytest.mark.node
@pytest.mark.django_db(transaction=True)
def test_an_enumerator_of_one_district_is_offered_only_its_villages_a_coordinator_everything(
    live_server, personas, tmp_path
):
    require(shutil.which("java") is not None, "ODK Validate needs Java")
    require(shutil.which("node") is not None, "Node 20 is needed for ODK's form engine")
    call_command("publish_forms", "--round", str(personas.round.number))  # the round's own B2, as the demo

    mine = _offered_over_openrosa(
        live_server,
        personas.enumerator,  # assigned to Asht (Sughd)
        [["/data/province", "TJ-SU"], ["/data/district", "TJ-SU-ASH"]],
        tmp_path,
    )
    everything = _offered_over_openrosa(
        live_server,
        personas.coordinator,
        [["/data/province", "TJ-KT"], ["/data/district", "TJ-KT-PAN"]],
        tmp_path,
    )

    assert mine["/data/province"] == ["TJ-SU"]
    assert mine["/data/district"] == ["TJ-SU-ASH"]  # not Khujand, also in Sughd
    assert set(mine["/data/village"]) == {"V-ASH-0001", "V-ASH-0002", "V-ASH-0003", "other"}
    assert set(everything["/data/province"]) == {"TJ-SU", "TJ-KT"}
    assert set(everything["/data/village"]) == {"V-PAN-0001", "other"}


@pytest.mark.node
@pytest.mark.django_db(transaction=True)
def test_an_enumerator_filling_the_b2_in_russian_reads_the_russian_district_and_village_names(
    live_server, personas, tmp_path
):
    from bma.core.languages import user_language_set

    require(shutil.which("java") is not None, "ODK Validate needs Java")
    require(shutil.which("node") is not None, "Node 20 is needed for ODK's form engine")
    call_command("publish_forms", "--round", str(personas.round.number))
    user_language_set(personas.enumerator, "ru")
    location = [["language", "Russian (ru)"], ["/data/province", "TJ-SU"], ["/data/district", "TJ-SU-ASH"]]

    shown = _offered_over_openrosa(live_server, personas.enumerator, location, tmp_path, shown=True)

    assert shown["/data/district"] == {"TJ-SU-ASH": "Аштский район"}
    assert shown["/data/village"]["V-ASH-0002"] == "Шайдан"
    assert shown["/data/village"]["other"] == "Нет в списке"
    assert shown["/data/province"] == {"TJ-SU": "Согдийская область"}
