"""Pulling a project from ODK Central and KoboToolbox into the same intake as a device, against local
servers that answer in the shapes the real ones do (tests/submissions/pull_servers.py)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from bma.assessments import models as am
from bma.rounds.models import RoundState
from bma.submissions import pull_clients
from bma.submissions.models import PullKind, PullSource, RejectedAttempt, Submission, SubmissionSource
from bma.submissions.pull_clients import PullError
from bma.submissions.pulling import pull_source_sync
from bma.xforms.models import Form
from tests.submissions.pull_servers import CENTRAL, CentralServer, KoboServer, recorded, recorded_response

pytestmark = pytest.mark.django_db

RECORDED_XML = (CENTRAL / "submission_one.xml").read_bytes()
RECORDED_ID = "uuid:7b4b30ca-0002-4125-a407-000000000125"
KOBO_FIXTURES = Path(__file__).parent.parent / "assessments" / "fixtures" / "kobo"


def central_xml(instance_id: str, households: int = 412, deprecated: str = "") -> bytes:
    xml = RECORDED_XML.replace(RECORDED_ID.encode(), instance_id.encode())
    xml = xml.replace(b"<households>412</households>", f"<households>{households}</households>".encode())
    if deprecated:
        xml = xml.replace(b"<meta>", f"<meta><deprecatedID>{deprecated}</deprecatedID>".encode())
    return xml


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(pull_clients, "PAGE_SIZE", 2)


@pytest.fixture
def central(monkeypatch):
    server = CentralServer()
    monkeypatch.setenv("BMA_TEST_CENTRAL_PASSWORD", server.password)
    yield server
    server.close()


@pytest.fixture
def central_source(central, personas, published_forms):
    return PullSource.objects.create(
        name="Central B2",
        kind=PullKind.CENTRAL,
        base_url=central.url,
        project_id=11,
        remote_form_id="bma_b2",
        username=central.email,
        secret_env="BMA_TEST_CENTRAL_PASSWORD",
        form=Form.objects.get(xml_form_id="bma_b2"),
        round=personas.round,
    )


@pytest.fixture
def sync(django_capture_on_commit_callbacks, tasks_in_process):
    def run(source):
        source.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            return pull_source_sync(source)

    return run


def fill(central, count: int, start: int = 0) -> list[str]:
    ids = [f"uuid:pulled-{n:04d}" for n in range(start, start + count)]
    for n, instance_id in enumerate(ids, start=start):
        central.add(central_xml(instance_id), submitted=f"2026-12-02T03:{n // 60:02d}:{n % 60:02d}.000Z")
    return ids


def xml_fetches(server) -> int:
    return sum(1 for path in server.requests if path.endswith(".xml"))


def test_first_sync_pages_through_the_form_and_stores_each_submission_as_sent(
    central, central_source, sync, small_pages
):
    ids = fill(central, 5)
    counts = sync(central_source)
    assert counts == {"created": 5}
    stored = Submission.objects.filter(source=SubmissionSource.CENTRAL).order_by("instance_id")
    assert [s.instance_id for s in stored] == ids
    assert all(s.state == "processed" and s.round == central_source.round for s in stored)
    assert stored[0].payload_bytes == central_xml(ids[0])  # byte for byte as Central kept it
    central_source.refresh_from_db()
    assert central_source.cursor == "2026-12-02T03:00:04.000Z" and central_source.resume_url == ""
    assert central_source.stored_total == 5 and central_source.last_error == ""
    # Three pages, each next link followed at our address although Central named its own (127.0.0.1:8383).
    assert sum(1 for p in central.requests if ".svc/Submissions" in p and "deletedAt" not in p) == 3


def test_an_incremental_sync_fetches_only_what_is_new(central, central_source, sync, small_pages):
    fill(central, 3)
    sync(central_source)
    before = xml_fetches(central)
    new = fill(central, 2, start=3)
    assert sync(central_source) == {"created": 2}
    assert xml_fetches(central) - before == 2
    assert set(Submission.objects.values_list("instance_id", flat=True)) >= set(new)
    assert sync(central_source) == {}  # nothing new: nothing fetched, nothing stored


def test_an_edit_made_in_central_comes_across_as_an_edit(central, central_source, sync):
    (first,) = fill(central, 1)
    sync(central_source)
    central.edit(
        first, central_xml("uuid:edited-1", households=500, deprecated=first), updated="2026-12-03T08:00:00.000Z"
    )
    assert sync(central_source) == {"edit": 1}
    edit = Submission.objects.get(instance_id="uuid:edited-1")
    assert edit.is_current and edit.deprecated_id == first and edit.root_instance_id == first
    assert am.VillageAssessment.objects.get(is_current=True).households == 500


def chain(root: str) -> list[tuple[str, str, bool, int]]:
    """A stored chain, oldest first: (instanceID, deprecatedID, current, households)."""
    rows = Submission.objects.filter(root_instance_id=root).order_by("pk")
    households = dict(am.VillageAssessment.objects.values_list("root_instance_id", "households"))
    assert households.get(root) is not None
    found = [(s.instance_id, s.deprecated_id, s.is_current, s.payload_bytes) for s in rows]
    return [(i, d, c, int(re.search(rb"<households>(\d+)<", p).group(1))) for i, d, c, p in found]


F1 = "04_F1_edited_before_first_pull.json"
F2 = "05_F2_edited_twice.json"
F1_ROOT, F1_NOW = "uuid:ccebf16c-3534-40f2-adfe-47e3c3e10868", "uuid:d7466e02-f7a9-46de-976a-33dbd4d6ffce"
F2_ROOT, F2_MID = "uuid:0d3c9c04-c299-4539-b794-8bae1065221d", "uuid:2802bc96-9d3c-4997-a19e-59d3a4d9b91a"
F2_NOW = "uuid:0248a700-264a-418a-8817-930986c63ce0"


def test_submissions_edited_in_central_before_the_first_pull_are_stored_with_their_history(
    central, central_source, sync
):
    # Recorded: F1 sent and edited once, F2 edited twice, before anything read them. Central serves the
    # current version, whose deprecatedID names a version this server never saw.
    central.add_recorded_chain(F1)
    central.add_recorded_chain(F2)
    assert sync(central_source) == {"created": 2, "edit": 3}
    assert chain(F1_ROOT) == [(F1_ROOT, "", False, 201), (F1_NOW, F1_ROOT, True, 202)]
    assert chain(F2_ROOT) == [
        (F2_ROOT, "", False, 301),
        (F2_MID, F2_ROOT, False, 302),
        (F2_NOW, F2_MID, True, 303),
    ]
    current = dict(am.VillageAssessment.objects.values_list("root_instance_id", "households"))
    assert current == {F1_ROOT: 202, F2_ROOT: 303}
    assert not RejectedAttempt.objects.exists()
    # Pulled again from the start: the same records, stored once, nothing refused.
    PullSource.objects.filter(pk=central_source.pk).update(cursor="")
    assert sync(central_source) == {"duplicate": 2}
    assert Submission.objects.count() == 5 and not RejectedAttempt.objects.exists()


def test_a_submission_edited_twice_between_pulls_gets_the_version_in_between(central, central_source, sync):
    record = central.add_recorded_chain(F2, only_first=True)
    assert sync(central_source) == {"created": 1}
    central.apply_recorded_edits(record)  # the two recorded PUTs
    assert sync(central_source) == {"edit": 2}
    assert chain(F2_ROOT) == [
        (F2_ROOT, "", False, 301),
        (F2_MID, F2_ROOT, False, 302),
        (F2_NOW, F2_MID, True, 303),
    ]


def test_a_stored_record_read_again_is_not_logged_as_a_refusal(central, central_source, sync):
    record = central.add_recorded_chain(F2, only_first=True)
    sync(central_source)
    central.apply_recorded_edits(record)
    sync(central_source)
    # A review in Central moves updatedAt (07_review_state.json): the feed brings the record back.
    patched = recorded_response("07_review_state.json", "PATCH reviewState=approved")["body_json"]
    central.review(F2_ROOT, patched["reviewState"], patched["updatedAt"])
    assert sync(central_source) == {"duplicate": 1}
    PullSource.objects.filter(pk=central_source.pk).update(cursor="")
    assert sync(central_source) == {"duplicate": 1}
    assert not RejectedAttempt.objects.exists()


def test_a_submission_a_device_already_sent_is_stored_once(central, central_source, sync, personas):
    from bma.submissions.services import submission_receive

    (instance_id,) = fill(central, 1)
    submission_receive(payload=central_xml(instance_id), files=[], user=personas.enumerator)
    assert sync(central_source) == {"duplicate": 1}
    assert Submission.objects.filter(instance_id=instance_id).count() == 1


@pytest.fixture
def recorded_pages(monkeypatch):
    monkeypatch.setattr(pull_clients, "PAGE_SIZE", 5)  # as recorded: 12 submissions in pages of 5


def households_in_storage_order() -> list[int]:
    rows = Submission.objects.order_by("pk").values_list("payload", flat=True)
    return [int(re.search(rb"<households>(\d+)<", bytes(p)).group(1)) for p in rows]


def test_records_are_stored_in_the_order_they_were_sent_as_a_push_stores_them(
    central, central_source, sync, recorded_pages, personas, django_capture_on_commit_callbacks
):
    # Recorded: 12 submissions of one village (households 101..112, sent in that order); Central's feed
    # gives them newest first, in pages of 5.
    sent = central.add_recorded_submissions()
    assert sync(central_source) == {"created": 12}
    assert households_in_storage_order() == list(range(101, 113))
    assert not any("$orderby" in path for path in central.requests)  # 501 with $skiptoken
    pulled = am.VillageAssessment.objects.get(is_current=True)

    # The same records pushed by a device, in the order they were sent: the same visit counts.
    am.VillageAssessment.objects.all().delete()
    Submission.objects.all().delete()
    from bma.submissions.services import submission_receive

    for record in sent:
        with django_capture_on_commit_callbacks(execute=True):
            submission_receive(payload=record.payload, files=[], user=personas.enumerator)
    pushed = am.VillageAssessment.objects.get(is_current=True)
    assert (pulled.root_instance_id, pulled.households) == (pushed.root_instance_id, pushed.households)
    assert pushed.households == 112


def fail_once(central, failing) -> None:
    """The first request whose path ``failing`` accepts answers 502 (Central's proxy, once)."""
    original_get, failed = central.get, []

    def get(handler):
        if not failed and failing(unquote(handler.path)):
            failed.append(handler.path)
            return handler._send(502, {"message": "Bad Gateway"})
        original_get(handler)

    central.get = get


def test_a_5xx_while_storing_moves_the_cursor_only_past_stored_records_and_counts_the_whole_run(
    central, central_source, sync, recorded_pages
):
    sent = central.add_recorded_submissions()
    fail_once(central, lambda path: path.endswith(f"{sent[7].remote_id}.xml"))
    with pytest.raises(PullError) as failed:
        sync(central_source)
    assert failed.value.transient and "502" in failed.value.message
    central_source.refresh_from_db()
    assert households_in_storage_order() == list(range(101, 108))  # the seven sent before it
    assert central_source.cursor == "" and central_source.pending_cursor == sent[6].system["submissionDate"]
    assert central_source.last_counts == {"created": 7} and "502" in central_source.last_error

    fetched_before = xml_fetches(central)
    assert sync(central_source) == {"created": 12}  # the run's counts, both tries
    assert xml_fetches(central) - fetched_before == 5  # none stored is fetched again
    assert households_in_storage_order() == list(range(101, 113))
    central_source.refresh_from_db()
    assert central_source.cursor == sent[-1].system["submissionDate"] and central_source.pending_cursor == ""
    assert central_source.last_counts == {"created": 12} and central_source.stored_total == 12


def test_a_5xx_on_a_list_page_stores_nothing_and_the_next_try_reads_the_list_again(
    central, central_source, sync, recorded_pages
):
    central.add_recorded_submissions()
    fail_once(central, lambda path: "skiptoken" in path)
    with pytest.raises(PullError):
        sync(central_source)
    central_source.refresh_from_db()
    assert Submission.objects.count() == 0 and central_source.cursor == central_source.pending_cursor == ""
    assert sync(central_source) == {"created": 12} and xml_fetches(central) == 12


def test_bad_credentials_stop_with_a_clear_message_and_store_nothing(central, central_source, sync, monkeypatch):
    fill(central, 2)
    monkeypatch.setenv("BMA_TEST_CENTRAL_PASSWORD", "wrong")
    with pytest.raises(PullError) as failed:
        sync(central_source)
    assert not failed.value.transient
    assert "refused this source's credentials (HTTP 401)" in failed.value.message
    central_source.refresh_from_db()
    assert central_source.last_error == failed.value.message and Submission.objects.count() == 0
    monkeypatch.delenv("BMA_TEST_CENTRAL_PASSWORD")
    with pytest.raises(PullError, match="BMA_TEST_CENTRAL_PASSWORD .* is not set"):
        sync(central_source)


def test_a_photo_sent_after_its_record_is_fetched_although_the_feed_does_not_change(
    central, central_source, sync, client, personas
):
    import hashlib

    record, photo = central.add_recorded_photo_submission()  # attachmentsPresent 0 of 1
    assert sync(central_source) == {"created": 1}
    stored = Submission.objects.get(instance_id=record.remote_id)
    assert not stored.attachments.exists()
    central_source.refresh_from_db()
    assert central_source.media_waiting == [record.remote_id]
    client.force_login(personas.coordinator)
    page = reverse("admin:assessments_villageassessment_change", args=[am.VillageAssessment.objects.get().pk])
    assert 'id="waiting-for-media"' in client.get(page).content.decode()

    # Recorded: the same XML posted again with the photo; updatedAt stays null, the feed is unchanged.
    central.send_attachment(record.remote_id, "fixture.jpg", photo)
    assert central.record(record.remote_id).system["updatedAt"] is None
    assert sync(central_source) == {"media": 1}
    (attachment,) = stored.attachments.all()
    assert attachment.filename == "fixture.jpg"
    assert hashlib.sha256(bytes(attachment.content)).hexdigest() == (
        "daf080d2d3ccc0ab1f5848f8506837c404ef2376062dc409d34e5b8185c9d096"
    )
    central_source.refresh_from_db()
    assert central_source.media_waiting == []
    assert 'id="waiting-for-media"' not in client.get(page).content.decode()
    before = len(central.requests)
    assert sync(central_source) == {}
    assert not any("Submissions('" in p for p in central.requests[before:])  # complete: not read again


def add_recorded_post(central, scenario: str):
    """The submission a scenario POSTed, on the fake at the submissionDate Central gave it."""
    exchanges = recorded(scenario)
    post = next(e for e in exchanges if e["request"]["method"] == "POST")
    instance_id = re.search(r"<instanceID>([^<]+)</instanceID>", post["request"]["multipart_parts"][0]["body"])[1]
    submitted = next(
        r["__system"]["submissionDate"]
        for e in exchanges
        if e["response"].get("body_json") and isinstance(e["response"]["body_json"], dict)
        for r in e["response"]["body_json"].get("value", [])
        if r.get("__id") == instance_id and "__system" in r
    )
    return central.add(post["request"]["multipart_parts"][0]["body"].encode(), submitted)


def recorded_patch(scenario: str, state: str) -> dict:
    return next(
        e["response"]["body_json"]
        for e in recorded(scenario)
        if e["request"]["method"] == "PATCH" and e["response"]["body_json"]["reviewState"] == state
    )


def desk(client, personas, assessment) -> str:
    client.force_login(personas.coordinator)
    return client.get(reverse("admin:assessments_villageassessment_change", args=[assessment.pk])).content.decode()


def shown(value: str) -> str:
    from django.utils import formats, timezone

    return formats.date_format(timezone.localtime(parse_datetime(value)), "DATETIME_FORMAT")


def test_a_record_rejected_in_central_is_shown_on_the_desk_and_our_review_state_is_unchanged(
    central, central_source, sync, client, personas
):
    record = add_recorded_post(central, "07_review_state.json")
    sync(central_source)
    visit = am.VillageAssessment.objects.get()
    state_before = visit.review_state
    # Recorded: each PATCH moves updatedAt, so the incremental filter brings the record back.
    for state in ("hasIssues", "rejected"):
        patch = recorded_patch("07_review_state.json", state)
        central.review(record.remote_id, state, patch["updatedAt"])
        sync(central_source)
    stored = Submission.objects.get(instance_id=record.remote_id)
    assert stored.central_review_state == "rejected"
    page = desk(client, personas, visit)
    assert 'id="rejected-in-central"' in page and shown(patch["updatedAt"]) in page
    visit.refresh_from_db()
    assert visit.review_state == state_before and visit.is_current  # a fact shown, not our decision

    approved = recorded_patch("07_review_state.json", "approved")
    central.review(record.remote_id, "approved", approved["updatedAt"])
    sync(central_source)
    assert 'id="rejected-in-central"' not in desk(client, personas, visit)


def test_a_record_deleted_in_central_is_found_by_the_next_sync_and_stops_counting_until_a_supervisor_decides(
    central, central_source, sync, client, personas
):
    from bma.assessments.counting import assessment_count, village_counted_assessment

    record = add_recorded_post(central, "08_deletion.json")
    sync(central_source)
    visit = am.VillageAssessment.objects.get()
    state_before = visit.review_state
    assert village_counted_assessment(visit.round_id, visit.village_id) == visit
    # Recorded: DELETE does not move updatedAt; the record is listed only under a deletedAt filter.
    deleted_at = next(
        r["__system"]["deletedAt"]
        for e in recorded("08_deletion.json")
        if "deletedAt%20gt" in e["request"]["path"]
        for r in e["response"]["body_json"]["value"]
    )
    central.delete_submission(record.remote_id, deleted_at)
    assert sync(central_source) == {"deleted_in_central": 1}
    stored = Submission.objects.get(instance_id=record.remote_id)
    assert stored.central_deleted_at == parse_datetime(deleted_at)  # kept, with the date
    page = desk(client, personas, visit)
    assert 'id="deleted-in-central"' in page and shown(deleted_at) in page
    visit.refresh_from_db()
    assert visit.review_state == state_before and not visit.is_current
    assert village_counted_assessment(visit.round_id, visit.village_id) is None

    assert sync(central_source) == {}  # the deletions cursor moved: not marked again
    assert any(f"deletedAt%20gt%20{deleted_at}" in p for p in central.requests)

    listing = reverse("admin:assessments_villageassessment_changelist")
    assert client.get(listing, {"central": "deleted"}).context["cl"].result_count == 1
    assert client.get(listing, {"central": "rejected"}).context["cl"].result_count == 0

    assessment_count(visit, personas.coordinator)  # a supervisor decides
    assert village_counted_assessment(visit.round_id, visit.village_id) == visit


def test_an_unknown_form_is_named_in_plain_words(central, central_source, sync):
    PullSource.objects.filter(pk=central_source.pk).update(remote_form_id="no_such_form")
    with pytest.raises(PullError) as failed:
        sync(central_source)
    assert failed.value.message == (
        "ODK Central could not find the form's list of submissions (HTTP 404): "
        "check the project and form of this source."
    )


def test_a_web_user_session_is_logged_out_and_its_cookies_never_sent(central, central_source, sync):
    fill(central, 2)
    sync(central_source)
    fill(central, 1, start=2)
    sync(central_source)
    # Each sync logs in (the recorded login sets session and __csrf cookies) and logs out again.
    assert len(central.logged_out) == 2 and not central.sessions
    assert central.cookies_seen == []


def test_an_app_user_source_is_told_to_use_a_web_user_since_central_lets_app_users_only_send(
    central, central_source, sync, monkeypatch
):
    # Central's app-user role: open_form.read and submission.create. The feed, the deletions feed and each
    # record need submission.read: a real Central answers 403.1 to every read an app user makes.
    fill(central, 3)
    monkeypatch.setenv("BMA_TEST_CENTRAL_TOKEN", central.app_user_token)
    PullSource.objects.filter(pk=central_source.pk).update(username="", secret_env="BMA_TEST_CENTRAL_TOKEN")
    with pytest.raises(PullError) as failed:
        sync(central_source)
    assert not failed.value.transient
    assert failed.value.message.startswith("ODK Central lets an app user send submissions but not read them")
    assert "Project Viewer" in failed.value.message
    assert not Submission.objects.exists()
    assert central.requests and all(p.startswith(f"/v1/key/{central.app_user_token}/") for p in central.requests)
    central_source.refresh_from_db()
    assert central_source.last_error == failed.value.message
    monkeypatch.delenv("BMA_TEST_CENTRAL_TOKEN")
    with pytest.raises(PullError, match="BMA_TEST_CENTRAL_TOKEN that holds this source's app user token"):
        sync(central_source)


def test_a_pull_error_is_shown_in_the_readers_language(central, central_source, sync, client, personas, monkeypatch):
    monkeypatch.setenv("BMA_TEST_CENTRAL_PASSWORD", "wrong")
    with pytest.raises(PullError) as failed:
        sync(central_source)
    # Logs and the stored text in the server's language; the page in the reader's.
    assert str(failed.value).startswith("ODK Central refused this source's credentials (HTTP 401)")
    client.force_login(personas.coordinator)
    client.post(reverse("language-choose"), {"language": "ru", "next": "/admin/"})
    page = client.get(reverse("admin:submissions_pullsource_change", args=[central_source.pk])).content.decode()
    assert "ODK Central отклонил учётные данные этого источника (HTTP 401) при чтении: вход в систему." in page
    client.post(reverse("language-choose"), {"language": "tg", "next": "/admin/"})
    listing = client.get(reverse("admin:submissions_pullsource_changelist")).content.decode()
    assert "ODK Central маълумоти воридшавии ин манбаъро" in listing


def typed(assessment) -> dict:
    """An assessment's typed answers and every row under it, without ids that differ between two copies."""
    skip = {"id", "submission", "root_instance_id", "created_at", "updated_at", "assessment", "figure"}
    skip |= {"village_assessment", "informant"}

    def row(obj):
        return {f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in skip}

    rows = {"assessment": row(assessment)}
    for relation in assessment._meta.related_objects:
        if relation.one_to_many and relation.related_model.__module__ == am.__name__:
            related = getattr(assessment, relation.get_accessor_name()).all()
            rows[relation.name] = sorted((row(r) for r in related), key=repr)
    for model in (am.YearlyFigure, am.CountryFigure, am.PopulationReason):
        rows[model.__name__] = sorted((row(r) for r in model.objects.filter(assessment=assessment)), key=repr)
    rows["AreaFlow"] = sorted((row(r) for r in am.AreaFlow.objects.filter(figure__assessment=assessment)), key=repr)
    rows["contacts"] = sorted(
        am.InformantContact.objects.filter(informant__village_assessment=assessment).values_list("name", "phone")
    )
    return rows


def test_a_pulled_submission_becomes_the_assessment_the_same_xml_sent_by_a_device_becomes(
    central, central_source, sync, personas, django_capture_on_commit_callbacks
):
    central.add(RECORDED_XML, submitted="2026-12-02T03:18:10.940Z")
    sync(central_source)
    pulled = typed(am.VillageAssessment.objects.get())
    am.VillageAssessment.objects.all().delete()
    Submission.objects.all().delete()
    from bma.submissions.services import submission_receive

    with django_capture_on_commit_callbacks(execute=True):
        submission_receive(payload=RECORDED_XML, files=[], user=personas.enumerator)
    sent = typed(am.VillageAssessment.objects.get())
    for rows in (pulled, sent):
        rows["assessment"].pop("enumerator")  # the pull source stores as nobody; the device as its user
    assert pulled == sent
    assert len(pulled["YearlyFigure"]) > 10 and pulled["CountryFigure"] and pulled["contacts"]


def test_a_past_round_is_imported_into_its_closed_round_only_when_the_source_says_so(
    central, central_source, sync, personas
):
    from tests import factories

    past = factories.make_round(number=1, state=RoundState.CLOSED)
    PullSource.objects.filter(pk=central_source.pk).update(round=past)
    fill(central, 1)
    assert sync(central_source) == {"refused": 1}
    refusal = RejectedAttempt.objects.get()
    assert refusal.source == SubmissionSource.CENTRAL and "closed" in refusal.message
    PullSource.objects.filter(pk=central_source.pk).update(past_round_import=True, cursor="")
    assert sync(central_source) == {"created": 1}
    assert Submission.objects.get().round == past


# --- KoboToolbox API v2 -------------------------------------------------------------------------------


@pytest.fixture
def kobo(monkeypatch):
    server = KoboServer()
    monkeypatch.setenv("BMA_TEST_KOBO_TOKEN", server.api_token)
    yield server
    server.close()


@pytest.fixture
def kobo_source(kobo, personas, published_forms):
    return PullSource.objects.create(
        name="Kobo B2",
        kind=PullKind.KOBO,
        base_url=kobo.url,
        remote_form_id=kobo.asset,
        secret_env="BMA_TEST_KOBO_TOKEN",
        form=Form.objects.get(xml_form_id="bma_b2"),
        round=personas.round,
    )


def kobo_record(n: int) -> dict:
    record = json.loads((KOBO_FIXTURES / "b2_2026112202.json").read_text())
    record.update(_id=5200 + n, _uuid=f"pulled-kobo-{n}", _submission_time=f"2026-11-22T16:{n:02d}:00")
    record["meta/instanceID"] = f"uuid:pulled-kobo-{n}"
    return record


def test_kobo_records_are_paged_through_with_their_attachments_and_only_new_ones_next_time(
    kobo, kobo_source, sync, small_pages
):
    for n in range(3):
        kobo.add(kobo_record(n), **({"photo.jpg": b"\xff\xd8jpeg-bytes"} if n == 0 else {}))
    assert sync(kobo_source) == {"created": 3}
    first = Submission.objects.get(instance_id="uuid:pulled-kobo-0")
    assert first.source == SubmissionSource.KOBO and first.state == "processed"
    assert json.loads(first.payload_bytes)["_uuid"] == "pulled-kobo-0"
    assert [a.filename for a in first.attachments.all()] == ["photo.jpg"]
    kobo.add(kobo_record(3))
    assert sync(kobo_source) == {"created": 1}
    kobo_source.refresh_from_db()
    assert kobo_source.cursor == "2026-11-22T16:03:00"
    assert re.search(
        r"query=.*2026-11-22T16%3A02%3A00", kobo.requests[-1] if "query" in kobo.requests[-1] else kobo.requests[-2]
    )


def test_a_kobo_record_pushed_by_the_rest_service_and_pulled_is_stored_once(
    client, kobo, kobo_source, sync, django_capture_on_commit_callbacks
):
    from bma.submissions.models import KoboSource

    rest = KoboSource.objects.create(name="Kobo REST", form=kobo_source.form)
    record = kobo_record(7)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(f"/kobo/{rest.token}/", json.dumps(record), content_type="application/json").status_code == 201
        )
    kobo.add(record)
    assert sync(kobo_source) == {"duplicate": 1}
    assert Submission.objects.count() == 1


def test_a_bad_kobo_token_and_a_kobo_5xx_are_told_apart(kobo, kobo_source, sync, monkeypatch):
    kobo.add(kobo_record(1))
    kobo.fail_next = [503]
    with pytest.raises(PullError) as failed:
        sync(kobo_source)
    assert failed.value.transient
    assert sync(kobo_source) == {"created": 1}
    monkeypatch.setenv("BMA_TEST_KOBO_TOKEN", "wrong")
    PullSource.objects.filter(pk=kobo_source.pk).update(cursor="")
    with pytest.raises(PullError, match=r"KoboToolbox refused this source's credentials \(HTTP 401\)"):
        sync(kobo_source)


def test_the_admin_syncs_pauses_and_restarts_a_source(
    client, central, central_source, personas, tasks_in_process, django_capture_on_commit_callbacks
):
    fill(central, 2)
    client.force_login(personas.coordinator)
    changelist = "/admin/submissions/pullsource/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist, {"action": "sync_now", "_selected_action": [central_source.pk]}, follow=True)
    assert "Asked the worker to sync 1 source" in response.content.decode()
    central_source.refresh_from_db()
    assert central_source.stored_total == 2 and central_source.last_counts == {"created": 2}
    page = client.get(changelist).content.decode()
    assert "Central B2" in page and "created" in page
    client.post(changelist, {"action": "pause", "_selected_action": [central_source.pk]})
    from bma.submissions.pulling import pull_sources_due

    assert pull_sources_due() == []
    client.post(changelist, {"action": "pull_everything_again", "_selected_action": [central_source.pk]})
    central_source.refresh_from_db()
    assert central_source.cursor == "" and not central_source.active
    client.force_login(personas.supervisor)
    assert client.get(changelist).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_pulls_a_central_form_and_processes_what_it_stored(
    central, central_source, small_pages, celery_worker_process
):
    import time

    from bma.submissions.tasks import pull_source_sync as task

    ids = fill(central, 3)
    task.delay(central_source.pk)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Submission.objects.filter(instance_id__in=ids, state="processed").count() == 3:
            break
        time.sleep(0.3)
    assert Submission.objects.filter(instance_id__in=ids, state="processed").count() == 3
    central_source.refresh_from_db()
    assert central_source.last_counts == {"created": 3} and central_source.syncing_since is None


VILLAGES = ["V-ASH-0001", "V-ASH-0002", "V-ASH-0003", None]  # None: typed in ("Not on the list")


def varied_xml(instance_id: str, n: int, households: int, deprecated: str = "") -> bytes:
    """A recorded B2 about one of the villages, or a typed-in one, with its own household count."""
    xml = central_xml(instance_id, households, deprecated)
    village = VILLAGES[n % len(VILLAGES)]
    chosen = (
        f"<village>{village}</village>"
        if village
        else f"<village>other</village><village_other>Kishlak {n % 3}</village_other>"
    )
    return xml.replace(b"<village>V-ASH-0001</village>", chosen.encode())


def test_a_pull_and_a_push_of_the_same_50_records_end_the_same(
    central, central_source, sync, recorded_pages, personas, django_capture_on_commit_callbacks
):
    from bma.exports.report import round_figures
    from bma.submissions.services import IncomingFile, submission_receive

    # Recorded: twelve submissions of one village, F1 edited once before the first pull, F2 sent before
    # the first pull and edited twice before the second, a photo sent after its record.
    central.add_recorded_submissions()
    central.add_recorded_chain(F1)
    f2 = central.add_recorded_chain(F2, only_first=True)
    photo_record, photo = central.add_recorded_photo_submission()
    # 35 more, about four villages and typed-in ones: every 7th edited before the first pull, every
    # 7th from the 4th edited twice between the two pulls.
    ids = [f"uuid:varied-{n:03d}" for n in range(35)]
    for n, instance_id in enumerate(ids):
        central.add(varied_xml(instance_id, n, 100 + n), submitted=f"2026-12-08T10:{n:02d}:00.000Z")
    for n in range(0, 35, 7):
        central.edit(ids[n], varied_xml(f"{ids[n]}-e1", n, 500 + n, ids[n]), updated=f"2026-12-09T01:{n:02d}:00.000Z")
    assert len(central.records) == 50
    sync(central_source)
    central.apply_recorded_edits(f2)
    # Made after the first pull, as in the recording: later than anything that pull read.
    f2.system["updatedAt"] = "2026-12-09T02:00:00.000Z"
    for n in range(3, 35, 7):
        central.edit(ids[n], varied_xml(f"{ids[n]}-e1", n, 600 + n, ids[n]), updated=f"2026-12-09T02:{n:02d}:00.000Z")
        central.edit(
            ids[n], varied_xml(f"{ids[n]}-e2", n, 700 + n, f"{ids[n]}-e1"), updated=f"2026-12-09T03:{n:02d}:00.000Z"
        )
    central.send_attachment(photo_record.remote_id, "fixture.jpg", photo)
    sync(central_source)

    def outcome() -> dict:
        rows = {}
        for a in am.VillageAssessment.objects.all():
            rows[a.root_instance_id] = typed(a)
            rows[a.root_instance_id]["assessment"].pop("enumerator")  # the source stores as nobody
            # The review history tells how often the worker saw a new version, which depends on timing
            # (a pull stores a chain at once; a device's edits may come before or after the worker).
            rows[a.root_instance_id].pop("review_events")
        current = sorted(
            am.VillageAssessment.objects.filter(is_current=True).values_list("root_instance_id", flat=True)
        )
        files = sorted(
            Submission.objects.filter(attachments__isnull=False).values_list("instance_id", "attachments__filename")
        )
        # Nothing is approved yet: the report counts the non-rejected visits, as the live report does.
        return {"typed": rows, "current": current, "files": files, "report": round_figures(personas.round, True)}

    pulled = outcome()
    assert len(pulled["typed"]) == 50 and not RejectedAttempt.objects.exists()
    assert pulled["files"] == [(photo_record.remote_id, "fixture.jpg")]
    assert pulled["report"]["communities"] == len(pulled["current"]) > 4
    am.VillageAssessment.objects.all().delete()
    Submission.objects.all().delete()

    # The same versions pushed by a device in the order Central received them, edits naming the version
    # they replace; the photo comes in a later request, as it came to Central.
    versions = sorted((v.created, v.payload) for r in central.records for v in r.versions)
    for _, payload in versions:
        with django_capture_on_commit_callbacks(execute=True):
            submission_receive(payload=payload, files=[], user=personas.enumerator)
    with django_capture_on_commit_callbacks(execute=True):
        photo_file = IncomingFile("fixture.jpg", "image/jpeg", photo)
        submission_receive(payload=photo_record.payload, files=[photo_file], user=personas.enumerator)
    pushed = outcome()
    assert pushed["typed"] == pulled["typed"]
    assert pushed["current"] == pulled["current"]
    assert pushed["files"] == pulled["files"]
    assert pushed["report"] == pulled["report"]
    states = dict(am.VillageAssessment.objects.values_list("root_instance_id", "review_state"))
    assert states[F1_ROOT] == states[F2_ROOT] == states[ids[0]] == states[ids[3]] == am.ReviewState.EDITED
    households = dict(am.VillageAssessment.objects.values_list("root_instance_id", "households"))
    assert (households[ids[0]], households[ids[3]], households[F2_ROOT]) == (500, 703, 303)


# --- KoboToolbox: what a filter on time never sees (kpi: an edit keeps _id and _submission_time) -------


def kobo_chain(root: str) -> list[tuple[str, str, bool]]:
    rows = Submission.objects.filter(root_instance_id=root).order_by("pk")
    return [(s.instance_id, s.deprecated_id, s.is_current) for s in rows]


def test_a_kobo_record_edited_before_the_first_pull_is_stored_not_refused(kobo, kobo_source, sync):
    entry = kobo.add(kobo_record(1))
    kobo.edit(5201, "pulled-kobo-1-v2", households="250")
    kobo.edit(5201, "pulled-kobo-1-v3", households="260")
    assert entry.record["meta/deprecatedID"] == "uuid:pulled-kobo-1-v2"  # a version never read here
    assert sync(kobo_source) == {"created": 1}
    # Kobo serves only the current version: it begins the chain, named by Kobo's meta/rootUuid.
    assert kobo_chain("uuid:pulled-kobo-1") == [("uuid:pulled-kobo-1-v3", "", True)]
    assert am.VillageAssessment.objects.get(is_current=True).households == 260
    assert not RejectedAttempt.objects.exists()
    assert sync(kobo_source) == {}  # read again by the listing: nothing to fetch, nothing refused
    PullSource.objects.filter(pk=kobo_source.pk).update(cursor="")
    assert sync(kobo_source) == {"duplicate": 1}
    assert Submission.objects.count() == 1 and not RejectedAttempt.objects.exists()


def test_a_kobo_edit_after_a_pull_comes_across_although_its_submission_time_stays(kobo, kobo_source, sync):
    kobo.add(kobo_record(1))
    kobo.add(kobo_record(2))
    assert sync(kobo_source) == {"created": 2}
    kobo.edit(5201, "pulled-kobo-1-v2", households="250")
    assert sync(kobo_source) == {"edit": 1}
    assert kobo_chain("uuid:pulled-kobo-1") == [
        ("uuid:pulled-kobo-1", "", False),
        ("uuid:pulled-kobo-1-v2", "uuid:pulled-kobo-1", True),
    ]
    # Edited twice before the next pull: the version in between never reaches any API; the current
    # one replaces ours (its payload keeps the deprecatedID Kobo gave it).
    kobo.edit(5201, "pulled-kobo-1-v3", households="260")
    kobo.edit(5201, "pulled-kobo-1-v4", households="270")
    assert sync(kobo_source) == {"edit": 1}
    stored = Submission.objects.get(instance_id="uuid:pulled-kobo-1-v4")
    assert stored.is_current and stored.deprecated_id == "uuid:pulled-kobo-1-v2"
    assert json.loads(stored.payload_bytes)["meta/deprecatedID"] == "uuid:pulled-kobo-1-v3"
    households = dict(am.VillageAssessment.objects.values_list("root_instance_id", "households"))
    assert households["uuid:pulled-kobo-1"] == 270
    assert sync(kobo_source) == {}  # nothing new, nothing logged
    assert not RejectedAttempt.objects.exists()


def test_a_kobo_validation_status_is_shown_on_the_desk_and_our_review_state_is_unchanged(
    kobo, kobo_source, sync, client, personas
):
    kobo.add(kobo_record(1))
    sync(kobo_source)
    visit = am.VillageAssessment.objects.get()
    state_before = visit.review_state
    kobo.validate(5201, "validation_status_on_hold", timestamp=1796000000)
    assert sync(kobo_source) == {}  # a fact, not a record: nothing stored
    assert Submission.objects.get().central_review_state == "hasIssues"
    assert 'id="rejected-in-central"' not in desk(client, personas, visit)
    kobo.validate(5201, "validation_status_not_approved", timestamp=1796000600)
    sync(kobo_source)
    stored = Submission.objects.get()
    assert stored.central_review_state == "rejected"
    assert stored.central_review_state_at == parse_datetime("2026-11-30T01:03:20+00:00")
    page = desk(client, personas, visit)
    assert 'id="rejected-in-central"' in page and "Not Approved" in page and "KoboToolbox" in page
    assert shown("2026-11-30T01:03:20+00:00") in page
    visit.refresh_from_db()
    assert visit.review_state == state_before and visit.is_current  # shown, never our decision
    listing = reverse("admin:assessments_villageassessment_changelist")
    assert client.get(listing, {"central": "rejected"}).context["cl"].result_count == 1
    kobo.validate(5201, "validation_status_approved", timestamp=1796001200)
    sync(kobo_source)
    assert Submission.objects.get().central_review_state == "approved"
    assert 'id="rejected-in-central"' not in desk(client, personas, visit)


def test_a_record_deleted_in_kobo_stops_counting_until_a_supervisor_decides(
    kobo, kobo_source, sync, client, personas, django_capture_on_commit_callbacks
):
    from bma.assessments.counting import assessment_count, village_counted_assessment
    from bma.submissions.models import KoboSource

    kobo.add(kobo_record(1))
    kobo.add(kobo_record(3))
    sync(kobo_source)
    # The same form's record from another Kobo project (its own deployed form's uuid), via REST.
    other = {**kobo_record(2), "formhub/uuid": "another-asset-form-uuid"}
    rest = KoboSource.objects.create(name="Kobo REST", form=kobo_source.form)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/kobo/{rest.token}/", json.dumps(other), content_type="application/json")
    visit = am.VillageAssessment.objects.get(root_instance_id="uuid:pulled-kobo-1")
    state_before = visit.review_state
    kobo.delete_record(5201)  # Instance.delete(): gone from every listing, no trace, no time
    assert sync(kobo_source) == {"deleted_in_kobo": 1}
    stored = Submission.objects.get(instance_id="uuid:pulled-kobo-1")
    assert stored.central_deleted_at is not None  # kept, with the time the sync saw it
    assert Submission.objects.get(instance_id="uuid:pulled-kobo-2").central_deleted_at is None
    page = desk(client, personas, visit)
    assert 'id="deleted-in-central"' in page and "Deleted in KoboToolbox" in page
    visit.refresh_from_db()
    assert visit.review_state == state_before
    assert village_counted_assessment(visit.round_id, visit.village_id) != visit
    assert sync(kobo_source) == {}  # marked once
    assessment_count(visit, personas.coordinator)  # a supervisor decides
    assert village_counted_assessment(visit.round_id, visit.village_id) == visit


def photo_version(form) -> None:
    """A version of the form with a photo question (Kobo lists the files of the binds typed binary)."""
    from bma.xforms.models import FormVersion

    published = FormVersion.objects.filter(form=form).first()
    xml = published.xml.replace("<bind ", '<bind nodeset="/data/photo" type="binary"/><bind ', 1)
    # An older version than the one the records name, so it is not the form's current one.
    FormVersion.objects.create(
        form=form,
        version="2026010101",
        xml=xml,
        xlsform=b"",
        xlsform_sha256="",
        xml_md5="0" * 32,
        published_at=published.published_at - timedelta(days=30),
    )


def test_a_photo_sent_to_kobo_after_its_record_is_fetched_and_the_desk_says_it_is_waiting(
    kobo, kobo_source, sync, client, personas
):
    photo_version(kobo_source.form)
    kobo.add({**kobo_record(1), "photo": "fixture.jpg"}, **{"fixture.jpg": None})
    assert sync(kobo_source) == {"created": 1}
    stored = Submission.objects.get()
    assert not stored.attachments.exists()
    kobo_source.refresh_from_db()
    assert kobo_source.media_waiting == ["uuid:pulled-kobo-1"]
    visit = am.VillageAssessment.objects.get()
    assert "KoboToolbox has not received every file" in desk(client, personas, visit)

    kobo.send_attachment(5201, "fixture.jpg", b"\xff\xd8photo-bytes")  # _submission_time unchanged
    assert sync(kobo_source) == {"media": 1}
    (attachment,) = stored.attachments.all()
    assert (attachment.filename, bytes(attachment.content)) == ("fixture.jpg", b"\xff\xd8photo-bytes")
    kobo_source.refresh_from_db()
    assert kobo_source.media_waiting == []
    assert 'id="waiting-for-media"' not in desk(client, personas, visit)
    assert sync(kobo_source) == {}
    assert not RejectedAttempt.objects.exists()


def test_the_file_questions_are_the_binds_typed_binary_named_as_kobo_names_them():
    from bma.submissions.pulling_kobo import file_fields

    xml = (
        '<model><bind nodeset="/data/village" type="string"/><bind type="binary" nodeset="/data/photo"/>'
        '<bind nodeset="/data/grp/sketch" type="binary" required="true()"/></model>'
    )
    assert file_fields([xml, xml]) == ["grp/sketch", "photo"]
