"""The benchmarks' own database: created for one run and dropped after it (or kept, by name, for the next)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


@contextmanager
def benchmark_database(keep_as: str | None = None):
    """Django's test database machinery under a name of the benchmark's own, so a benchmark never
    collides with a test run's test_<name> database. ``keep_as``: keep it under that name and reuse
    it on the next run (the caller sees whether it already holds data)."""
    from django.db import connection

    connection.settings_dict.setdefault("TEST", {})["NAME"] = keep_as or f"bma_benchmark_{os.getpid()}"
    test_db = connection.creation.create_test_db(
        verbosity=0, keepdb=keep_as is not None, autoclobber=True, serialize=False
    )
    try:
        yield
    finally:
        if keep_as is None:
            connection.creation.destroy_test_db(test_db, verbosity=0)


def served_project_environment(server_url: str, broker: str, name: str) -> dict[str, str]:
    """The settings a benchmark runs the project with, as deployed (DEBUG off) but on its own throw-away
    database ``bma_bench_<name>_<pid>`` on ``server_url``'s server and its own cache prefix."""
    database = f"bma_bench_{name}_{os.getpid()}"
    return {
        "DATABASE_URL": urlunsplit(urlsplit(server_url)._replace(path=f"/{database}")),
        "CELERY_BROKER_URL": broker,
        "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "bma.settings",
        "BMA_CACHE_PREFIX": f"bma-bench-{name}-{os.getpid()}",
    }
