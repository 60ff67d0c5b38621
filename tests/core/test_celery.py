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


@pytest.mark.skipif(not settings.CELERY_TASK_ALWAYS_EAGER, reason="only on the embedded default")
def test_without_a_broker_tasks_run_in_process():
    assert tasks.add.apply_async((2, 3), ignore_result=False).get(timeout=1) == 5


def test_a_real_worker_on_redis_completes_a_task(celery_worker_process):
    result = tasks.add.apply_async((20, 22), ignore_result=False)
    assert result.get(timeout=30) == 42
