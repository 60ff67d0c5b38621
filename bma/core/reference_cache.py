"""Reference data the intake reads on every submission, kept per process for a few seconds.

An OpenRosa POST needs the device token's user, the form version and the user's open round. Each
was an ORM query costing ~3 ms of a ~18 ms request on the benchmark machine, for data that changes
a few times a round. Saving or deleting any of it in this process clears the cache at once
(bma.submissions.signals); other processes (gunicorn workers) see a change within
BMA_REFERENCE_CACHE_SECONDS. Only successful lookups are kept: refusals are always looked up afresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")


class ReferenceCache:
    MAX_ITEMS = 10_000

    def __init__(self) -> None:
        self._items: dict[tuple, tuple[float, object]] = {}

    def get_or_load(self, key: tuple, load: Callable[[], T]) -> T:
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
        self._items.clear()


intake_cache = ReferenceCache()
