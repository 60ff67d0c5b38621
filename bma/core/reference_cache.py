"""Reference data the intake reads on every submission, kept per process and dropped on any change.

An OpenRosa POST needs the device token's user, the form version, the user's open round and their
assigned areas. Each was an ORM query costing ~3 ms of a ~18 ms request on the benchmark machine, for
data that changes a few times a round. So each process keeps what it looked up, labelled with the value
of the one ``core.ReferenceVersion`` row it was read under; any change to that data gives the row a new
value in the same transaction (``reference_data_changed``: signals on save and delete, and the few bulk
updates call it themselves). Each request (or Celery task) reads the row once, at its first cache use:
a different value drops everything, so a revoked token, a deactivated user, a closed round, a new form
version or a changed assignment takes effect on the next request, in every gunicorn worker at once.
That read is one small query, where the lookups it replaces were four or five.

Only successful lookups are kept: refusals are always looked up afresh. BMA_REFERENCE_CACHE_SECONDS
still bounds an entry's life, a backstop for changes made outside Django (SQL in a shell).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from celery.signals import task_prerun
from django.conf import settings
from django.core.signals import request_started

T = TypeVar("T")


def _version_read() -> int:
    """The version, read as the request's first statement; it doubles as Django's connection health check.

    CONN_HEALTH_CHECKS sends a ``SELECT 1`` before a request's first query, so that a connection left
    dead by a database restart is replaced instead of failing the request: a round trip of its own on
    every submission. Here the version read is that check: marked done, and if the persistent connection
    turns out dead (outside a transaction, so nothing is lost), it is replaced and the read made again,
    as the health check would have done.
    """
    from django.db import DatabaseError, connection

    from bma.core.models import ReferenceVersion

    def read() -> int:
        return ReferenceVersion.objects.values_list("value", flat=True).filter(pk=1).first() or 0

    unchecked = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if not unchecked:
        return read()
    connection.health_check_done = True  # the read below is the check
    try:
        return read()
    except DatabaseError:
        if connection.is_usable():
            raise  # the connection works: a real error, not a stale connection
        connection.close()
        return read()


class ReferenceCache:
    MAX_ITEMS = 10_000

    def __init__(self) -> None:
        self._items: dict[tuple, tuple[float, object]] = {}
        self._version: int | None = None
        # Per thread: a request in one thread must not take another's check as its own.
        self._checked = threading.local()

    def unit_started(self, **kwargs) -> None:
        """A request or task begins: its first cache use reads the version again."""
        self._checked.done = False

    def _check(self) -> None:
        version = _version_read()
        if version != self._version:
            self._items.clear()
            self._version = version
        self._checked.done = True

    def get_or_load(self, key: tuple, load: Callable[[], T]) -> T:
        if not getattr(self._checked, "done", False):
            self._check()
        now = time.monotonic()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]  # type: ignore[return-value]
        value = load()  # a refusal raises, or gives None: neither is kept
        if value is None:
            return value
        if len(self._items) >= self.MAX_ITEMS:
            self._items.clear()
        self._items[key] = (now + settings.BMA_REFERENCE_CACHE_SECONDS, value)
        return value

    def clear(self) -> None:
        """Drop everything; the next use reads the version again (this process's own change)."""
        self._items.clear()
        self._version = None
        self._checked.done = False


intake_cache = ReferenceCache()
request_started.connect(intake_cache.unit_started, dispatch_uid="bma.core.reference_cache")


def reference_data_changed(**kwargs) -> None:
    """Data the intake caches changed: a new version for every process (committed with the change),
    and this process's cache dropped at once. Takes signal arguments, so it can be connected directly."""
    from bma.core.models import ReferenceVersion

    value = secrets.randbits(62) + 1
    if not ReferenceVersion.objects.filter(pk=1).update(value=value):
        ReferenceVersion.objects.bulk_create([ReferenceVersion(pk=1, value=value)], ignore_conflicts=True)
        ReferenceVersion.objects.filter(pk=1).update(value=value)
    intake_cache.clear()


# A Celery task (a pull from Central or Kobo) is a unit of work like a request.
task_prerun.connect(intake_cache.unit_started, dispatch_uid="bma.core.reference_cache", weak=False)
