"""Readiness (/readyz, manage.py readiness) and metrics (/metrics): what monitoring sees when the worker
stops, beat goes quiet or the broker is down; never a submission or a person."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from bma.core.heartbeats import BEAT, SWEEP, heartbeat_record
from bma.pipeline import health
from bma.submissions.models import ProcessingState, PullKind, PullSource, Submission
from bma.xforms.models import Form
from tests.submissions.conftest import b2_form, submission_xml  # noqa: F401  (b2_form: the fixture)


@pytest.fixture
def no_worker(monkeypatch, tasks_in_process):
    """Intake stores, and nothing consumes its processing requests: the worker is stopped."""
    monkeypatch.setattr("bma.submissions.services.processing_request", lambda submission_id: None)


@pytest.fixture
def beat_alive(monkeypatch):
    """Beat and the broker as in production (the tests run tasks in-process, with neither)."""
    monkeypatch.setattr(health, "_beat_expected", lambda: True)
    heartbeat_record(BEAT)
    heartbeat_record(SWEEP)


def _send(client, personas, instance_id):
    client.force_login(personas.enumerator)
    xml = submission_xml(instance_id)
    response = client.post(
        "/collect/submission?deviceID=collect:t1",
        {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, content_type="text/xml")},
    )
    assert response.status_code == 201
    client.logout()


@pytest.mark.django_db
@pytest.mark.usefixtures("b2_form")
def test_with_the_worker_stopped_the_outbox_ages_and_readiness_turns_not_ready(
    client, personas, no_worker, beat_alive, settings
):
    settings.BMA_READY_OUTBOX_MAX_SECONDS = 1
    _send(client, personas, "uuid:waiting-1")
    _send(client, personas, "uuid:waiting-2")
    first = client.get("/readyz", HTTP_HOST="10.0.0.5:8000")  # a probe by address, not by the public name
    time.sleep(1.2)
    second = client.get("/readyz", HTTP_HOST="10.0.0.5:8000")

    before, after = first.json()["outbox"], second.json()["outbox"]
    assert before["waiting"] == after["waiting"] == 2 and after["failed"] == 0
    assert after["oldest_waiting_seconds"] > before["oldest_waiting_seconds"]  # the outbox ages
    assert second.status_code == 503 and second["Cache-Control"] == "no-store"
    assert second.json()["ready"] is False
    assert [reason for reason in second.json()["reasons"] if "oldest waiting submission" in reason]
    # Counts and ages only: no submission, no person.
    assert b"uuid:" not in second.content and b"enumerator" not in second.content

    with pytest.raises(CommandError, match="oldest waiting submission"):
        call_command("readiness", "--check", "outbox")
    call_command("readiness", "--check", "beat")  # beat's own check passes: the outbox is the worker's

    # The worker is back: the sweeper hands the submissions to it and readiness recovers.
    Submission.objects.update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    from bma.pipeline.tasks import submissions_sweep

    assert len(submissions_sweep()) == 2
    recovered = client.get("/readyz")
    assert recovered.status_code == 200, recovered.json()
    assert recovered.json()["outbox"]["waiting"] == 0 and recovered.json()["outbox"]["oldest_waiting_seconds"] is None


@pytest.mark.django_db
def test_a_silent_beat_or_a_broker_that_does_not_answer_is_not_ready(client, beat_alive, monkeypatch, settings):
    assert client.get("/readyz").status_code == 200
    from bma.core.models import Heartbeat

    Heartbeat.objects.filter(name=BEAT).update(at=timezone.now() - timezone.timedelta(hours=1))
    answer = client.get("/readyz")
    assert answer.status_code == 503 and "no beat heartbeat for" in " ".join(answer.json()["reasons"])
    Heartbeat.objects.all().delete()
    assert "no beat heartbeat has been recorded" in " ".join(client.get("/readyz").json()["reasons"])

    heartbeat_record(BEAT)
    monkeypatch.setattr(health, "processing_in_process", lambda: False)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["broker"]["reachable"] is False
    assert answer.json()["reasons"] == ["the broker (Redis) does not answer"]


def _scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("b2_form")
def test_metrics_carry_the_projects_gauges_for_a_scraper_with_the_token(
    client, personas, no_worker, beat_alive, settings
):
    settings.BMA_METRICS_TOKEN = "scrape-secret"
    _send(client, personas, "uuid:metrics-1")
    _send(client, personas, "uuid:metrics-2")
    Submission.objects.filter(instance_id="uuid:metrics-2").update(state=ProcessingState.FAILED)
    Submission.objects.filter(instance_id="uuid:metrics-1").update(
        created_at=timezone.now() - timezone.timedelta(seconds=90)
    )
    source = PullSource.objects.create(
        name="Central B2 Sughd",
        kind=PullKind.CENTRAL,
        base_url="https://central.example.org",
        project_id=1,
        remote_form_id="bma_b2",
        secret_env="CENTRAL_PASSWORD",
        form=Form.objects.get(),
        round=personas.round,
    )
    PullSource.objects.filter(pk=source.pk).update(last_finished_at=timezone.now() - timezone.timedelta(minutes=20))

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    samples = _scrape(client, HTTP_AUTHORIZATION="Bearer scrape-secret", HTTP_HOST="10.0.0.5:8000")
    assert samples[("bma_submissions_waiting", ())] == 1
    assert samples[("bma_submissions_failed", ())] == 1
    assert samples[("bma_outbox_age_seconds", ())] >= 90
    assert samples[("bma_submissions_processed_per_minute", ())] == 0
    assert samples[("bma_beat_heartbeat_age_seconds", ())] < 60
    assert samples[("bma_sweep_age_seconds", ())] < 60
    lag = samples[
        ("bma_pull_lag_seconds", (("kind", "central"), ("name", "Central B2 Sughd"), ("source", str(source.pk))))
    ]
    assert 20 * 60 <= lag < 25 * 60


@pytest.mark.django_db
def test_metrics_are_off_without_a_token_and_an_allow_list_checks_the_peer_address(client, settings):
    assert client.get("/metrics").status_code == 404
    settings.BMA_METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    # The forwarded header is the client's text: the TCP peer decides.
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 401
    assert ("bma_submissions_waiting", ()) in _scrape(client, REMOTE_ADDR="10.1.2.3")


@pytest.mark.django_db
def test_the_heartbeat_task_and_the_sweep_leave_their_time_for_readiness():
    from bma.core.models import Heartbeat
    from bma.core.tasks import heartbeat
    from bma.pipeline.tasks import submissions_sweep

    assert not Heartbeat.objects.exists()
    heartbeat()
    submissions_sweep()
    state = health.readiness()
    assert state.beat_age is not None and state.beat_age < 60
    assert state.sweep_age is not None and state.sweep_age < 60


@pytest.mark.django_db
def test_readiness_with_the_database_down_is_a_503_that_says_so(client, monkeypatch):
    from django.db import OperationalError

    def database_gone():
        raise OperationalError("connection refused")

    monkeypatch.setattr("bma.pipeline.probes.readiness", database_gone)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"ready": False, "reasons": ["the database cannot be reached"]}


def test_the_compose_worker_and_beat_healthchecks_ask_readiness_about_their_own_part():
    import shlex

    import yaml

    from tests.conftest import REPO_ROOT

    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    asked = {}
    for name in ("worker", "beat"):
        test = services[name]["healthcheck"]["test"]
        words = shlex.split(test[1]) if test[0] == "CMD-SHELL" else test[1:]
        start = words.index("readiness")
        assert words[start - 1] == "manage.py"
        asked[name] = {words[i + 1] for i, word in enumerate(words) if word == "--check"}
        assert asked[name] <= set(health.CHECKS)
    assert asked == {"worker": {"outbox", "broker"}, "beat": {"beat"}}
