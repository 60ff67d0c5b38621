"""Asking the worker to process: one queued request at a time, not a Celery task per submission.

A processing run takes every waiting submission along (up to a batch), so while one request is
queued, another adds nothing but a broker round-trip on the intake path and a no-op task on the
worker. The flag is a Redis key set with NX; the worker clears it *before* it looks for submissions
still waiting, so a submission committed after that look finds the flag clear and sends a request
of its own. Nothing depends on the flag for safety: if it is lost or stale (it expires after
REQUEST_TTL seconds), the periodic sweeper still finds every waiting submission.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings

from bma.core.task_names import task_named

log = logging.getLogger(__name__)

PROCESS_TASK = "bma.pipeline.tasks.submission_process"
REQUEST_KEY = "bma:processing-requested"
REQUEST_TTL = 30


@cache
def _redis():
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)


def _task():
    # Named, not imported: the task lives in the pipeline app, which imports this one.
    return task_named(PROCESS_TASK)


def _debounced() -> bool:
    """Only with a Redis broker; tasks run in-process (no broker, or tests) are never held back."""
    return settings.CELERY_BROKER_URL.startswith("redis") and not _task().app.conf.task_always_eager


def processing_request(submission_id: int) -> None:
    """Queue processing unless a request is already queued. A broker that is down loses nothing."""
    flagged = False
    try:
        if _debounced():
            if not _redis().set(REQUEST_KEY, submission_id, nx=True, ex=REQUEST_TTL):
                return  # a queued run will take this submission along
            flagged = True
        _task().delay(submission_id)
    except Exception as exc:  # redis and kombu raise several types when the broker is unreachable
        log.warning("Could not queue processing of submission %s (%s); the sweeper will pick it up", submission_id, exc)
        if flagged:
            processing_request_clear()


def processing_request_clear() -> None:
    """Called by the worker when a run has taken what it could, before it looks for more."""
    if not _debounced():
        return
    try:
        _redis().delete(REQUEST_KEY)
    except Exception as exc:
        log.warning("Could not clear the processing request flag (%s); it expires in %s s", exc, REQUEST_TTL)


def processing_in_process() -> bool:
    """Tasks run in-process (no broker, or tests): a request would run at once, not later."""
    return _task().app.conf.task_always_eager


def processing_retry(submission_id: int, countdown: int) -> None:
    """Ask for processing in ``countdown`` seconds: the pipeline's retry after a transient error. Raises
    what the broker raises when it is down; the sweeper finds the row when its retry is due."""
    _task().apply_async((submission_id,), countdown=countdown)
