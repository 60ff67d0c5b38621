"""The village list files: each rebuilt once per change, after commit, by one writer at a time."""

import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from bma.geo.models import Settlement
from bma.pipeline.tasks import submissions_sweep
from bma.submissions.models import ProcessingState, Submission
from bma.xforms.models import ListFile
from bma.xforms.services import list_files_refresh
from tests import factories

FIXTURE = Path(__file__).parent.parent / "assessments" / "fixtures" / "b2_2026112202.xml"
ROOT_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


def villages_csv(round_) -> str:
    return bytes(ListFile.objects.get(round=round_, filename="villages.csv").content).decode()


@pytest.mark.django_db
def test_a_typed_in_referral_lists_its_village_once_the_batch_commits(receive, personas, monkeypatch):
    """The files are rebuilt after the batch, not inside it, and each file is built once."""
    from bma.xforms import services as xs

    list_files_refresh(personas.round)
    built = []
    for name in ("villages_csv", "districts_csv"):
        original = getattr(xs, name)
        monkeypatch.setattr(xs, name, lambda original=original, name=name: built.append(name) or original())
    receive("b2_2026112202.xml")  # refers "Yangiobod" in Panj, typed in: a new provisional village
    assert "Yangiobod" in villages_csv(personas.round)
    assert (
        "Yangiobod"
        in bytes(ListFile.objects.get(round=personas.round, filename="assigned_villages.csv").content).decode()
    )
    assert sorted(built) == ["districts_csv", "villages_csv"]


def _store(personas, instance_id: str, replace: dict) -> Submission:
    from bma.submissions.services import submission_receive

    payload = FIXTURE.read_text(encoding="utf-8").replace(ROOT_ID, instance_id)
    for old, new in replace.items():
        assert old in payload
        payload = payload.replace(old, new)
    return submission_receive(payload=payload.encode(), files=[], user=personas.enumerator).submission


def _wait_for(condition, seconds=120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.2)


def _empty_queue() -> None:
    """An earlier test's message would hand one worker a batch before the others queue."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(*settings.BMA_CELERY_QUEUES, "unacked", "unacked_index")


def _waiting_on_locks(other) -> int:
    return other.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()[0]


@pytest.fixture
def batches_of_one(monkeypatch):
    monkeypatch.setenv("BMA_PROCESSING_BATCH_SIZE", "1")  # read by the worker subprocesses at start-up


@pytest.mark.django_db(transaction=True)
def test_two_batches_in_different_districts_each_adding_a_village_both_reach_the_list(
    real_services, personas, published_forms, batches_of_one, request, monkeypatch
):
    """One batch in Asht refers a new village in Asht, one in Panj a new village in Panj: different
    districts, so their batches run side by side on two workers. Each used to rebuild villages.csv
    inside its own transaction, blind to the other's village, and the last to write won. The test
    holds the file's row while both writers reach it, so both are in flight at once; then lets go."""
    factories.assign(personas.enumerator, personas.geo.panj, personas.round, "enumerator")
    list_files_refresh(personas.round)
    start = timezone.now() - timezone.timedelta(hours=1)
    with monkeypatch.context() as patch:  # queued by the sweeper below, one task per submission
        patch.setattr("bma.submissions.services.processing_request", lambda submission_id: None)
        asht = _store(
            personas,
            "uuid:asht",
            {
                "<ref_district>TJ-KT-PAN</ref_district>": "<ref_district>TJ-SU-ASH</ref_district>",
                "<ref_village_other>Yangiobod</ref_village_other>": "<ref_village_other>Navobod</ref_village_other>",
            },
        )
        panj = _store(
            personas,
            "uuid:panj",
            {
                "<province>TJ-SU</province><district>TJ-SU-ASH</district><village>V-ASH-0001</village>": (
                    "<province>TJ-KT</province><district>TJ-KT-PAN</district><village>V-PAN-0001</village>"
                )
            },
        )
    Submission.objects.filter(pk=asht.pk).update(created_at=start)
    Submission.objects.filter(pk=panj.pk).update(created_at=start + timezone.timedelta(seconds=1))
    _empty_queue()
    db = connection.settings_dict
    holder = psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    )
    watcher = psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"], autocommit=True
    )
    try:
        row = ListFile.objects.get(round=personas.round, filename="villages.csv").pk
        holder.execute(f"SELECT 1 FROM {ListFile._meta.db_table} WHERE id = %s FOR UPDATE", [row])
        request.getfixturevalue("two_celery_workers")
        assert len(submissions_sweep()) == 2
        _wait_for(lambda: _waiting_on_locks(watcher) >= 2)  # both writers of the file are in flight
        assert _waiting_on_locks(watcher) >= 2
    finally:
        holder.rollback()
        holder.close()
        watcher.close()

    def done():
        states = set(Submission.objects.values_list("state", flat=True))
        listed = villages_csv(personas.round)
        return states == {ProcessingState.PROCESSED} and "Navobod" in listed and "Yangiobod" in listed

    _wait_for(done)
    assert set(Submission.objects.values_list("state", "attempts")) == {(ProcessingState.PROCESSED, 1)}
    created = set(Settlement.objects.filter(name_en__in=["Navobod", "Yangiobod"]).values_list("code", flat=True))
    assert len(created) == 2
    listed = villages_csv(personas.round)
    assert all(code in listed for code in created), listed
