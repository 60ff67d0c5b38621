"""The Celery app. Configuration comes from Django settings (CELERY_*); the beat schedule lives here."""

from __future__ import annotations

import gc
import os

from celery import Celery, signals
from celery.schedules import crontab  # noqa: F401  (kept at hand for schedule entries)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bma.settings")

app = Celery("bma")


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _no_tokens_in_worker_logs(logger=None, **kwargs):
    """A worker replaces the root logger's handlers with its own (worker_hijack_root_logger), dropping
    settings.LOGGING's token filter: each handler it sets up gets that filter too."""
    from bma.core.log_redaction import TokenRedactingFilter

    for handler in logger.handlers if logger else ():
        if not any(isinstance(f, TokenRedactingFilter) for f in handler.filters):
            handler.addFilter(TokenRedactingFilter())


@signals.worker_process_init.connect
def pool_process_started(**kwargs):
    """Each pool process starts with Django, the app and its modules loaded: ~150,000 objects that live
    as long as the process. Frozen, the garbage collector's full passes (a few a minute while a backlog
    is processed) no longer walk them each time; on benchmarks/mapping.py that was ~7% of the worker's CPU."""
    gc.freeze()


@signals.worker_ready.connect
def _take_up_what_a_lost_worker_held(sender=None, **kwargs):
    """A worker killed outright (kill -9, the machine rebooted) leaves its task unacknowledged in Redis
    until the visibility timeout (an hour) and its submissions in processing. A worker that starts asks
    at once for those whose claimer is gone to be taken up again (bma/pipeline/claims.py)."""
    try:
        app.send_task("bma.pipeline.tasks.submissions_recover")
    except Exception as exc:  # the broker is not there yet: the sweeper does the same within minutes
        import logging

        logging.getLogger(__name__).warning("Could not ask for the recovery of lost claims (%s)", exc)


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one place where periodic work is scheduled. Each entry names a task that a test checks exists.
BEAT_SCHEDULE: dict[str, dict] = {
    # Proves beat, the broker and a worker alive together (bma/core/heartbeats.py; read by /readyz).
    "heartbeat": {"task": "bma.core.tasks.heartbeat", "schedule": 60.0},
    # The outbox sweeper: submissions stored while the broker was down, or whose worker died.
    "submissions-sweep": {"task": "bma.pipeline.tasks.submissions_sweep", "schedule": 120.0},
    # Exports with informants' personal data are deleted BMA_PERSONAL_EXPORT_DAYS after they are built.
    "exports-expire": {"task": "bma.exports.tasks.exports_expire", "schedule": 3600.0},
    # Informants' contacts of rounds closed more than BMA_CONTACT_RETENTION_DAYS ago are deleted. Daily:
    # the period is counted in days, and each run reads every payload of the rounds that are due.
    "contacts-purge": {"task": "bma.assessments.tasks.contacts_purge", "schedule": 86400.0},
    # Pull sources (ODK Central, KoboToolbox API v2): what is new on each active one.
    "pull-sources-sync": {"task": "bma.submissions.tasks.pull_sources_sync_due", "schedule": 900.0},
}
app.conf.beat_schedule = BEAT_SCHEDULE
