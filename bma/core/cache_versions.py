"""Version keys for derived data kept in the Django cache (settings.CACHES: Redis when configured).

A cached value's key carries the version of what it was derived from; whoever changes that data gives
its scope a new version, and every entry made under the old one is never read again (it expires on its
own). No entry has to be found and deleted, and a version lost from the cache (eviction, a Redis
restart) only means a recomputation: a fresh random version is never one an old entry was made under.

The cache is a help, never a dependency: when it cannot be reached, readers compute afresh and a
failed bump is logged (the entries' own timeout bounds how long they can outlive it).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)


def _key(scope: str) -> str:
    return f"version:{scope}"


def versions_of(scopes: Iterable[str]) -> dict[str, str] | None:
    """The current version of each scope (a new one where none is stored); None without a cache."""
    keys = {_key(scope): scope for scope in scopes}
    try:
        found = cache.get_many(list(keys))
        for key in set(keys) - set(found):
            cache.add(key, uuid.uuid4().hex, timeout=None)  # add: a concurrent reader's version wins
            found[key] = cache.get(key)
    except Exception:
        log.warning("The cache cannot be reached: figures are computed afresh", exc_info=True)
        return None
    if any(version is None for version in found.values()):
        return None
    return {keys[key]: version for key, version in found.items()}


def versions_bump(scopes: Iterable[str]) -> None:
    """Give each scope a new version now, and again once the current transaction commits.

    Now: this transaction's own later reads (and a test's, which never commits) see the change. Again
    after the commit: a reader in another connection who computed from the data as it was before the
    commit, between the first bump and the commit, stored it under the first new version, which the
    second bump leaves behind."""
    scopes = sorted(set(scopes))
    if scopes:
        _bump(scopes)
        transaction.on_commit(lambda: _bump(scopes), robust=True)


def _bump(scopes: list[str]) -> None:
    try:
        cache.set_many({_key(scope): uuid.uuid4().hex for scope in scopes}, timeout=None)
    except Exception:
        log.warning("Could not mark %s as changed in the cache", ", ".join(scopes), exc_info=True)


def cache_forget_all() -> int:
    """Drop every entry this project made (its key prefix), and nothing else.

    Django's RedisCache.clear() is FLUSHDB, and by default the cache shares the broker's Redis database:
    clearing it would also drop the queued tasks. A restore calls this, as the cached figures describe
    the database it replaced. Returns how many keys were dropped (-1: a local cache cleared whole)."""
    backend = cache
    client_of = getattr(getattr(backend, "_cache", None), "get_client", None)
    if client_of is None:
        backend.clear()  # an in-process cache holds this project's entries only
        return -1
    redis = client_of(None, write=True)
    dropped = 0
    for key in redis.scan_iter(match=f"{backend.key_prefix}:*", count=1000):
        dropped += redis.delete(key)
    return dropped
