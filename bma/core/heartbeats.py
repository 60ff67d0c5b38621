"""Heartbeats: the time a periodic piece of the system last ran, kept in the database (one row per
name) so that the web process, which cannot see beat or the workers, can tell how long ago that was.

Names in use: ``beat`` (the heartbeat task beat sends every minute, written by the worker that runs it,
and once by beat itself as it starts) and ``sweep`` (the outbox sweeper).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import DatabaseError
from django.utils import timezone

log = logging.getLogger(__name__)

BEAT = "beat"
SWEEP = "sweep"


def heartbeat_record(name: str) -> None:
    from bma.core.models import Heartbeat

    try:
        Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    except DatabaseError as exc:  # a heartbeat is a signal, never a reason for a task to fail
        log.warning("Could not record the %s heartbeat (%s)", name, exc)


def heartbeat_ages(now: dt.datetime | None = None) -> dict[str, float]:
    """Seconds since each recorded heartbeat."""
    from bma.core.models import Heartbeat

    now = now or timezone.now()
    return {name: (now - at).total_seconds() for name, at in Heartbeat.objects.values_list("name", "at")}
