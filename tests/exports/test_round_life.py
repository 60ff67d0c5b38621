"""Two rounds' lives, from round 1's publication to round 2's: what a coordinator signed stays as signed,
and round 2's report compares with round 1's report as it was sent out."""

import contextlib
import re

import pytest
from django.core.management import call_command

from bma.assessments import models as am
from bma.assessments.review import assessment_review
from bma.core.reference_cache import intake_cache
from bma.exports.publishing import report_changes, report_publish
from bma.exports.report import round_figures
from bma.geo.models import AreaKind
from bma.rounds.models import RoundState
from bma.submissions.auth import collect_token_issue
from bma.submissions.models import ProcessingState, Submission
from bma.validation.models import IssueState, QualityIssue
from tests import factories
from tests.conftest import SUBMISSION_FIXTURES
from tests.exports.test_publishing import stored_hashes
from tests.submissions.test_real_services import _wait_for, post_via_token

pytestmark = pytest.mark.django_db

FIXTURE = "b2_2026112202.xml"
ORIGINAL = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


def village(round_number: int, uuid: str, code: str, district: str = "TJ-SU-ASH", **more) -> dict:
    """The fixture B2 as another village of ``district`` in round ``round_number``."""
    replace = {
        ORIGINAL: uuid,
        "<round>2</round>": f"<round>{round_number}</round>",
        "<village>V-ASH-0001</village>": f"<village>{code}</village>",
    }
    if district != "TJ-SU-ASH":
        province = district.rsplit("-", 1)[0]
        replace["<province>TJ-SU</province><district>TJ-SU-ASH</district>"] = (
            f"<province>{province}</province><district>{district}</district>"
        )
    return replace | more


def open_duplicate_issues(round_) -> bool:
    return QualityIssue.objects.filter(round=round_, code="assessed_twice_in_round", state=IssueState.OPEN).exists()


def approve(*codes, round_):
    am.VillageAssessment.objects.filter(round=round_, is_current=True, village__code__in=codes).update(
        review_state=am.ReviewState.APPROVED
    )


def counted_once(round_, figures: dict) -> None:
    """Every village of the round is counted exactly once: one counted assessment each, and the
    districts' communities add up to the round's."""
    counted = am.VillageAssessment.objects.filter(round=round_, is_current=True, review_state="approved")
    villages = list(counted.values_list("village__code", flat=True))
    assert len(villages) == len(set(villages)) == figures["communities"]
    assert sum(d["communities"] for d in figures["districts"]) == figures["communities"]


def no_row_split_or_merged(figures: dict) -> None:
    """Each breakdown holds one row per area code, and no code is missing from it."""
    districts = {d["code"] for d in figures["districts"]}
    for pop in figures["populations"]:
        for rows in (pop["by_province"], pop["top_districts"], pop.get("other_area_by_province", [])):
            codes = [r["code"] for r in rows]
            assert len(codes) == len(set(codes)), (pop["code"], rows)
        assert {r["code"] for r in pop["top_districts"] if r["total"]} <= districts
    for pop in figures.get("comparison", {}).get("populations", []):
        codes = [r["code"] for r in pop["by_province"]]
        assert len(codes) == len(set(codes)), (pop["code"], pop["by_province"])


def test_a_round_published_then_changed_stays_as_published_and_is_the_next_rounds_before(
    receive, personas, django_capture_on_commit_callbacks
):
    """In-process (SQLite and the first CI pass): each submission is processed as it is received."""

    def after_commit():
        return django_capture_on_commit_callbacks(execute=True)

    two_rounds_lives(receive, personas, after_commit, processed=lambda: None)


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_two_rounds_lives_over_openrosa_with_a_real_worker(
    celery_worker_process, live_server, personas, published_forms
):
    """The same lives on PostgreSQL: every submission posted over OpenRosa to the running server, and
    processed (and reprocessed) by a real Celery worker on Redis, as in production."""
    token = collect_token_issue(personas.enumerator)
    url = f"{live_server.url}/collect/key/{token.token}/submission"

    def processed():
        _wait_for(
            lambda: not Submission.objects.filter(
                state__in=[ProcessingState.RECEIVED, ProcessingState.PROCESSING]
            ).exists(),
            seconds=120,
        )

    def receive_over_openrosa(name, replace=None):
        payload = (SUBMISSION_FIXTURES / name).read_text(encoding="utf-8")
        for old, new in (replace or {}).items():
            payload = payload.replace(old, new)
        assert post_via_token(url, payload.encode()) == 201
        instance_id = re.search(r"<instanceID>([^<]+)</instanceID>", payload).group(1)
        _wait_for(lambda: Submission.objects.filter(instance_id=instance_id).exists())
        processed()
        return Submission.objects.get(instance_id=instance_id)

    two_rounds_lives(receive_over_openrosa, personas, contextlib.nullcontext, processed)


def two_rounds_lives(receive, personas, after_commit, processed) -> None:
    """Round 1 published, then changed (late approval, edit, replay, rename); round 2 published against it.

    ``receive`` sends a fixture submission and returns it processed; ``after_commit`` wraps what must
    run its on-commit work (the replay's queueing); ``processed`` waits until nothing waits for processing."""
    geo, enumerator = personas.geo, personas.enumerator
    round2 = personas.round
    round2.state = RoundState.PLANNED
    round2.save()
    round1 = factories.make_round(number=1)
    for area in (geo.asht, geo.panj):
        factories.assign(enumerator, area, round1, "enumerator")
    factories.assign(enumerator, geo.panj, round2, "enumerator")
    intake_cache.clear()

    # Round 1: Oshoba and Panj approved, Shaydon still waiting for review when round 1 is published.
    receive(FIXTURE, village(1, "uuid:r1-oshoba", "V-ASH-0001"))
    receive(FIXTURE, village(1, "uuid:r1-shaydon", "V-ASH-0002"))
    receive(
        FIXTURE,
        village(
            1,
            "uuid:r1-panj",
            "V-PAN-0001",
            "TJ-KT-PAN",
            **{"<ret_total>140": "<ret_total>40", "<ret_country_count>140": "<ret_country_count>40"},
        ),
    )
    approve("V-ASH-0001", "V-PAN-0001", round_=round1)
    first = report_publish(round1, personas.coordinator)
    signed = stored_hashes(first)
    assert first.figures["communities"] == 2

    # Round 1 after it was sent out: a late approval, an edit from the device (re-approved), a replay of
    # the whole round, and a district renamed so that two districts bear one English name.
    approve("V-ASH-0002", round_=round1)
    edit_meta = "<meta><deprecatedID>uuid:r1-oshoba</deprecatedID><instanceID>uuid:r1-oshoba-edit</instanceID>"
    edited = receive(
        FIXTURE,
        village(
            1,
            "uuid:r1-oshoba-edit",
            "V-ASH-0001",
            **{"<meta><instanceID>uuid:r1-oshoba-edit</instanceID>": edit_meta},
            **{"<ret_total>140": "<ret_total>200", "<ret_country_count>140": "<ret_country_count>200"},
        ),
    )
    assert edited.state == "processed", edited.error
    approve("V-ASH-0001", round_=round1)
    with after_commit():
        call_command("reprocess_submissions", "--round", "1")
    processed()
    assert not am.VillageAssessment.objects.filter(round=round1, is_current=True).exclude(review_state="approved")
    factories.make_area("TJ-KT-PAN", AreaKind.DISTRICT, "Asht", geo.khatlon, name_ru="Пянджский район")
    live1 = round_figures(round1)
    counted_once(round1, live1)
    assert live1["communities"] == 3
    no_row_split_or_merged(live1)
    # Round 1's live report against its published version: the renamed district is one row that changed
    # name, not a published-only row beside a live-only one.
    moved = [c for c in report_changes(first.figures, live1) if c["published"] is None or c["live"] is None]
    assert [c for c in moved if "top_districts" in c["figure"] or "by_province" in c["figure"]] == []

    # Round 2: Oshoba and Panj again.
    round1.state = RoundState.CLOSED
    round1.save()
    round2.state = RoundState.OPEN
    round2.save()
    intake_cache.clear()
    receive(FIXTURE, village(2, "uuid:r2-oshoba", "V-ASH-0001"))
    receive(FIXTURE, village(2, "uuid:r2-panj", "V-PAN-0001", "TJ-KT-PAN"))
    approve("V-ASH-0001", "V-PAN-0001", round_=round2)
    # Oshoba visited again later in round 2 with other figures; the supervisor keeps the first visit by
    # rejecting the newer one (the assessed_twice_in_round advice): the village still counts, once, as
    # its first visit.
    again = receive(FIXTURE, village(2, "uuid:r2-oshoba-again", "V-ASH-0001", **{"<ret_total>140": "<ret_total>9"}))
    newer = am.VillageAssessment.objects.get(submission=again)
    with after_commit():
        assessment_review(newer, am.ReviewState.REJECTED, personas.supervisor, "Visited twice; the first visit stands.")
    # The rejection answers the duplicate-visit issue: none stays open on the visit kept (the re-check
    # runs after the decision's commit, on the worker when there is one).
    _wait_for(lambda: not open_duplicate_issues(round2))
    assert not open_duplicate_issues(round2)
    counted = am.VillageAssessment.objects.get(round=round2, village__code="V-ASH-0001", is_current=True)
    assert counted.root_instance_id == "uuid:r2-oshoba" and counted.review_state == am.ReviewState.APPROVED
    second = report_publish(round2, personas.coordinator)

    assert stored_hashes(first) == signed  # round 1's files keep their SHA-256
    first.refresh_from_db()
    comparison = second.figures["comparison"]
    assert (comparison["previous_round"], comparison["before_published"], comparison["before_version"]) == (1, True, 1)
    assert comparison["communities"] == {"before": first.figures["communities"], "now": 2}
    published = {p["code"]: p for p in first.figures["populations"]}
    for pop in comparison["populations"]:
        assert pop["before"] == published[pop["code"]]["total"], pop["code"]
        before = {r["code"]: r["before"] for r in pop["by_province"] if r["before"]}
        assert before == {r["code"]: r["total"] for r in published[pop["code"]]["by_province"] if r["total"]}
    ret = next(p for p in comparison["populations"] if p["code"] == "ret")
    assert (ret["before"], ret["now"]) == (140 + 40, 140 + 140)  # not round 1's live 200 + 140 + 40
    counted_once(round2, second.figures)
    no_row_split_or_merged(second.figures)
    districts = {
        r["code"]: r["district"]
        for r in next(p for p in second.figures["populations"] if p["code"] == "ret")["top_districts"]
    }
    assert districts == {"TJ-SU-ASH": "Asht", "TJ-KT-PAN": "Asht"}  # one English name, two districts
