import pytest
from django.conf import settings

from bma.celery import BEAT_SCHEDULE, app
from bma.core import tasks


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name!r} names an unknown task {entry['task']!r}"


def test_tasks_are_acknowledged_late_with_time_limits():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_every_task_goes_to_the_queue_of_its_kind_of_work():
    """Processing, exports and publishing, and pulls each have their own queue (and worker service), so
    two long exports never hold up the processing of what tablets send."""
    app.loader.import_default_modules()
    queue_of = {name: app.amqp.router.route({}, name)["queue"].name for name in app.tasks if name.startswith("bma.")}
    assert {name for name, queue in queue_of.items() if queue == "exports"} == {
        name for name in queue_of if name.startswith("bma.exports.tasks.")
    }
    assert {name for name, queue in queue_of.items() if queue == "pulls"} == {
        "bma.submissions.tasks.pull_source_sync",
        "bma.submissions.tasks.pull_sources_sync_due",
    }
    assert queue_of["bma.pipeline.tasks.submission_process"] == "processing"
    assert queue_of["bma.validation.tasks.villages_quality_recheck"] == "processing"
    assert queue_of["bma.xforms.tasks.round_list_files_refresh"] == "processing"
    assert set(queue_of.values()) == set(settings.BMA_CELERY_QUEUES)


@pytest.mark.skipif(not settings.CELERY_TASK_ALWAYS_EAGER, reason="only on the embedded default")
def test_without_a_broker_tasks_run_in_process():
    assert tasks.add.apply_async((2, 3), ignore_result=False).get(timeout=1) == 5


def test_a_real_worker_on_redis_completes_a_task(celery_worker_process):
    result = tasks.add.apply_async((20, 22), ignore_result=False)
    assert result.get(timeout=30) == 42
