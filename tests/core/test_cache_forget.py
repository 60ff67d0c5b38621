"""A restore forgets the cached figures, and only them: the cache shares the broker's Redis database by
default, where Django's own clear() (FLUSHDB) would drop every queued task too."""

import pytest
from django.conf import settings
from django.core.cache import cache

from bma.core.cache_versions import cache_forget_all


def test_forgetting_the_cache_drops_this_projects_entries():
    cache.set("figures:round:1", {"villages": 3})
    cache_forget_all()
    assert cache.get("figures:round:1") is None


@pytest.mark.skipif(not settings.BMA_CACHE_URL.startswith("redis"), reason="needs the cache on Redis")
def test_forgetting_the_cache_leaves_the_brokers_queue_in_the_same_database():
    import redis

    client = redis.Redis.from_url(settings.BMA_CACHE_URL)
    queue = f"test-queue-{settings.CACHES['default']['KEY_PREFIX']}"
    client.rpush(queue, "a queued task")
    try:
        cache.set("figures:round:1", {"villages": 3})
        assert cache_forget_all() >= 1
        assert cache.get("figures:round:1") is None
        assert client.lrange(queue, 0, -1) == [b"a queued task"]
    finally:
        client.delete(queue)
