"""Asking the worker to process: one queued request at a time, not a Celery task per submission.

A processing run takes every waiting submission along (up to a batch), so while one request is
queued, another adds nothing but a broker round-trip on the intake path and a no-op task on the
worker. The flag is a Redis key set with NX; the worker clears it *before* it looks for submissions
still waiting, so a submission committed after that look finds the flag clear and sends a request
of its own. Nothing depends on the flag for safety: if it is lost or stale (it expires after
REQUEST_TTL seconds), the periodic sweeper still finds every waiting submission.

Intake never waits on the broker: a web request hands the request to a thread of its process
(processing_request) and answers at once; the thread talks to Redis. A frozen Redis (accepting
connections and never answering) used to add the 2 s socket timeout to every submission; now it
holds up only that thread, requests arriving meanwhile fold into one, and the sweeper takes up
whatever the broker missed (the stored row is the outbox). The worker asks synchronously
(processing_request_now): it is no intake request, and in-process tasks (no broker, or tests) run
at once as before.
"""

from __future__ import annotations

import logging
import os
import threading
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
    """Ask for processing without waiting on the broker (called by intake after its commit)."""
    if not _debounced():
        processing_request_now(submission_id)  # in-process tasks, or a broker that is not Redis
        return
    _handoff.submit(submission_id)


def processing_request_wait(timeout: float = 10.0) -> bool:
    """Until this process's hand-off thread has sent what it was given (tests, shutdown)."""
    return _handoff.wait_idle(timeout)


class _HandOff:
    """One daemon thread per process sends the processing requests. A request that comes while one
    is pending replaces nothing (one run takes every waiting submission along), so a stalled broker
    costs one blocked thread, never a queue growing with every submission."""

    def __init__(self):
        self._reset()
        # After a fork (gunicorn's workers, Celery's pool) the parent's thread is not in the child, and
        # a lock the parent held at that moment would stay held for ever: start clean.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self):
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._pending: int | None = None
        self._busy = False
        self._thread: threading.Thread | None = None

    def submit(self, submission_id: int) -> None:
        with self._lock:
            if self._pending is None:
                self._pending = submission_id
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="bma-processing-request", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                self._changed.wait_for(lambda: self._pending is not None)
                submission_id, self._pending, self._busy = self._pending, None, True
            try:
                processing_request_now(submission_id)
            except Exception:  # never let the thread die: the next submission needs it
                log.exception("Processing request for submission %s failed", submission_id)
            finally:
                with self._lock:
                    self._busy = False
                    self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._lock:
            return self._changed.wait_for(lambda: self._pending is None and not self._busy, timeout)


_handoff = _HandOff()


def processing_request_now(submission_id: int) -> None:
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
