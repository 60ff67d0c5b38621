"""What a benchmark needs, checked before it starts: when something is missing it says so in one line and
stops with exit code 2, rather than measuring something else (issue 34: scale.py without a broker measured
intake with processing done inline, then "processed" nothing at 2,760,494/s).

Each check takes what it checks explicitly (a URL, a vendor), so a benchmark calls them before it builds
anything, and tests/benchmarks/ runs them without running a benchmark.
"""

from __future__ import annotations

import shutil
import socket
import sys
from urllib.parse import urlsplit

MISSING = 2  # the exit code of a benchmark that cannot measure what it says


def missing(reason: str) -> None:
    print(f"benchmark not run: {reason}", file=sys.stderr)
    sys.exit(MISSING)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_postgresql(url: str, why: str) -> None:
    """``url`` a DATABASE_URL (postgres://...) whose server answers."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        missing(f"needs PostgreSQL ({why}): set DATABASE_URL=postgres://user@host:5432/name")
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    if not _reachable(host, port):
        missing(f"needs PostgreSQL ({why}): nothing answers at {host}:{port}")


def require_redis_broker(url: str, why: str) -> None:
    """``url`` a CELERY_BROKER_URL (redis://...) whose server answers PING."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("redis", "rediss"):
        missing(f"needs a Redis broker ({why}): set CELERY_BROKER_URL=redis://host:6379/N")
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001 (any failure means no broker)
        missing(f"needs a Redis broker ({why}): {parts.hostname}:{parts.port or 6379} did not answer ({error})")


def require_program(name: str, why: str) -> None:
    if shutil.which(name) is None:
        missing(f"needs {name} on PATH ({why})")


def require_module(name: str, why: str) -> None:
    import importlib.util

    if importlib.util.find_spec(name) is None:
        missing(f"needs the Python package {name} ({why})")
