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
    # Villages tablets created (a B2's referrals), in Asht and in Panj: on the list, not yet linked.
    asht, panj = _tablet_villages(("Kuhistan", "TJ-SU-ASH"), ("Yangiobod", "TJ-KT-PAN"))

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
    # The round's B2 reads the villages entity list (answers are entity ids), still cut to the assignment,
    # and offers the villages tablets created in the chosen district.
    entity = _village_entities()
    assert set(mine["/data/village"]) == {entity["V-ASH-0001"], entity["V-ASH-0002"], entity["V-ASH-0003"], asht}
    assert set(everything["/data/province"]) == {"TJ-SU", "TJ-KT"}
    assert set(everything["/data/village"]) == {entity["V-PAN-0001"], panj}


def _village_entities() -> dict[str, str]:
    from bma.entities.models import Entity

    return {e.settlement.code: str(e.uuid) for e in Entity.objects.filter(settlement__isnull=False, deleted_at=None)}


def _tablet_villages(*named: tuple[str, str]) -> list[str]:
    import uuid

    from bma.entities.blocks import EntityBlock
    from bma.entities.services import provisional_entities_create

    blocks = [
        EntityBlock("villages", str(uuid.uuid4()), True, False, name, {"district": district}, row=n)
        for n, (name, district) in enumerate(named, start=1)
    ]
    created, _errors = provisional_entities_create(blocks, "uuid:tablet")
    return [str(e.uuid) for e in created]


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
    # The villages entity list, its labels in the enumerator's language (an entity list has no "Not on
    # the list" row: a village left unpicked is typed below).
    assert shown["/data/village"][_village_entities()["V-ASH-0002"]] == "Шайдан"
    assert shown["/data/province"] == {"TJ-SU": "Согдийская область"}
