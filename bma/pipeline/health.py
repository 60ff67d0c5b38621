"""Readiness and metrics: is the processing side of the server doing its work?

``/healthz`` says the web process answers and reaches its database. Readiness says more: whether
submissions leave the outbox (the oldest one waiting for a worker, and how many wait or failed),
whether beat is alive (its heartbeat task, run by a worker, proves beat, the broker and a worker
together), when the sweeper last ran, and whether the broker answers. It is computed once here and
shown three ways: ``/readyz`` (JSON, 503 when not ready), ``/metrics`` (Prometheus gauges, with the
pull lag per source) and ``manage.py readiness`` (the compose healthchecks of the worker and beat).

Only counts, ages and the names of pull sources leave this module: never a submission, a person or
an answer, so ``/readyz`` can be open to any probe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from bma.core.heartbeats import BEAT, SWEEP, heartbeat_ages
from bma.pipeline.services import due_for_processing
from bma.submissions.models import ProcessingState, PullSource, Submission
from bma.submissions.processing_requests import processing_in_process

CHECKS = ("outbox", "beat", "broker")
PROCESSED_WINDOW_MINUTES = 5


@dataclass
class Readiness:
    outbox_age: float | None  # seconds the oldest submission due for processing has waited; None: none waits
    waiting: int
    retrying: int  # waiting for the retry time after a transient error: not late yet
    processing: int
    failed: int
    processed_per_minute: float  # over the last PROCESSED_WINDOW_MINUTES
    beat_age: float | None  # seconds since the beat heartbeat; None: never seen
    sweep_age: float | None
    beat_expected: bool  # False when tasks run in-process (no broker, no beat: the embedded default)
    broker_reachable: bool | None  # None: no broker (tasks in-process)
    reasons: dict[str, str] = field(default_factory=dict)  # check name -> why it fails

    def ready_for(self, checks=CHECKS) -> bool:
        return not any(name in self.reasons for name in checks)

    def as_json(self, checks=CHECKS) -> dict:
        def rounded(value):
            return None if value is None else round(value, 1)

        return {
            "ready": self.ready_for(checks),
            "reasons": [reason for name, reason in self.reasons.items() if name in checks],
            "outbox": {
                "oldest_waiting_seconds": rounded(self.outbox_age),
                "max_age_seconds": settings.BMA_READY_OUTBOX_MAX_SECONDS,
                "waiting": self.waiting,
                "retrying": self.retrying,
                "processing": self.processing,
                "failed": self.failed,
                "processed_per_minute": round(self.processed_per_minute, 2),
            },
            "sweep": {"last_seconds_ago": rounded(self.sweep_age)},
            "beat": {
                "expected": self.beat_expected,
                "heartbeat_seconds_ago": rounded(self.beat_age),
                "max_age_seconds": settings.BMA_READY_HEARTBEAT_MAX_SECONDS,
            },
            "broker": {"reachable": self.broker_reachable},
        }


def _beat_expected() -> bool:
    return not processing_in_process()


def broker_reachable() -> bool | None:
    """A ping with a short timeout: a frozen Redis must not hold the probe for long."""
    if processing_in_process() or not settings.CELERY_BROKER_URL.startswith("redis"):
        return None
    import redis

    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL,
            socket_timeout=settings.BMA_READY_BROKER_TIMEOUT,
            socket_connect_timeout=settings.BMA_READY_BROKER_TIMEOUT,
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # redis raises several types for a broker that is down or frozen
        return False


def _outbox(now: dt.datetime) -> dict:
    received = Submission.objects.filter(state=ProcessingState.RECEIVED)
    due = received.filter(due_for_processing(now))
    # Waiting since it was stored, or since its retry came due: a backoff is not a late worker.
    oldest = due.aggregate(oldest=Min(Coalesce("retry_at", "created_at")))["oldest"]
    counts = dict(
        Submission.objects.filter(
            state__in=[ProcessingState.RECEIVED, ProcessingState.PROCESSING, ProcessingState.FAILED]
        )
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    since = now - dt.timedelta(minutes=PROCESSED_WINDOW_MINUTES)
    processed = Submission.objects.filter(state=ProcessingState.PROCESSED, processed_at__gte=since).count()
    return {
        "outbox_age": None if oldest is None else max(0.0, (now - oldest).total_seconds()),
        "waiting": counts.get(ProcessingState.RECEIVED, 0),
        "retrying": received.filter(retry_at__gt=now).count(),
        "processing": counts.get(ProcessingState.PROCESSING, 0),
        "failed": counts.get(ProcessingState.FAILED, 0),
        "processed_per_minute": processed / PROCESSED_WINDOW_MINUTES,
    }


def readiness() -> Readiness:
    now = timezone.now()
    ages = heartbeat_ages(now)
    state = Readiness(
        **_outbox(now),
        beat_age=ages.get(BEAT),
        sweep_age=ages.get(SWEEP),
        beat_expected=_beat_expected(),
        broker_reachable=broker_reachable(),
    )
    max_age = settings.BMA_READY_OUTBOX_MAX_SECONDS
    if state.outbox_age is not None and state.outbox_age > max_age:
        state.reasons["outbox"] = (
            f"the oldest waiting submission has waited {state.outbox_age:.0f} s (more than {max_age} s): "
            "is a worker running?"
        )
    if state.beat_expected:
        beat_max = settings.BMA_READY_HEARTBEAT_MAX_SECONDS
        if state.beat_age is None:
            state.reasons["beat"] = "no beat heartbeat has been recorded yet: is beat running, and a worker?"
        elif state.beat_age > beat_max:
            state.reasons["beat"] = (
                f"no beat heartbeat for {state.beat_age:.0f} s (more than {beat_max} s): is beat running, and a worker?"
            )
    if state.broker_reachable is False:
        state.reasons["broker"] = "the broker (Redis) does not answer"
    return state


def pull_lags(now: dt.datetime | None = None) -> list[tuple[PullSource, float]]:
    """Seconds since each active pull source last finished a pull (since it was made, if never)."""
    now = now or timezone.now()
    return [
        (source, (now - (source.last_finished_at or source.created_at)).total_seconds())
        for source in PullSource.objects.filter(active=True).only(
            "pk", "name", "kind", "last_finished_at", "created_at"
        )
    ]
