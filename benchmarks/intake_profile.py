"""Profile: what one OpenRosa submission through a device token costs, layer by layer (issue 34).

Usage: .venv/bin/python benchmarks/intake_profile.py [REQUESTS] [--cprofile]

Needs PostgreSQL (DATABASE_URL: only its server is used) and a Redis broker (CELERY_BROKER_URL, flushed
at the end), as benchmarks/ingest.py; without them it says so and exits 2. It makes a throw-away
database as ingest.py does, then sends REQUESTS (default 400) B2 POSTs to
``/collect/key/<token>/submission`` one after another through Django's WSGI handler in this process
(no network, no gunicorn), and prints, per request (medians):
- the time each middleware takes itself (a probe between every two middleware, so a layer's own time
  is its time minus the time of what it calls);
- the whole request's wall time and the CPU time of the request's thread (on a loaded machine the wall
  time is mostly waiting for a core; the CPU time is what one request costs this process);
- the view's time, the SQL statements (CaptureQueriesContext) and the Redis commands sent, from the
  request thread and from the processing hand-off thread;
- with --cprofile, the functions taking most time over all requests.
The whole request's CPU cost is what bounds the rate on a 2-core machine, so sequential timing is what
matters here; ingest.py measures the rate under concurrency.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import BOUNDARY, body_maker, project_setup, psql  # noqa: E402
from benchmarks.requirements import require_postgresql, require_redis_broker  # noqa: E402
from benchmarks.throwaway import served_project_environment  # noqa: E402

_TIMES: dict[int, list[float]] = defaultdict(list)
_STACK: list[float] = []


class _Probe:
    """Inserted before every middleware: records the inclusive time of what follows it."""

    index = 0

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        try:
            return self.get_response(request)
        finally:
            _TIMES[self.index].append(time.perf_counter() - started)


def _probe_classes(count: int) -> list[str]:
    sys.modules.setdefault("benchmarks.intake_profile", sys.modules[__name__])  # run as a script
    names = []
    for index in range(count + 1):
        name = f"Probe{index}"
        globals()[name] = type(name, (_Probe,), {"index": index})
        names.append(f"benchmarks.intake_profile.{name}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requests", type=int, nargs="?", default=400)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    require_postgresql(server_url, "intake stores into it")
    require_redis_broker(broker, "intake hands processing to the broker, as deployed")
    env = served_project_environment(server_url, broker, "profile")
    database = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    os.environ.update(env)
    psql(server_url, f"CREATE DATABASE {database}")
    try:
        token = project_setup({**os.environ})
        _profile(token, args)
    finally:
        from django.db import connections

        connections.close_all()
        import redis

        redis.Redis.from_url(broker).flushdb()
        psql(server_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _profile(token: str, args) -> None:
    import django
    from django.conf import settings

    django.setup()
    middleware = list(settings.MIDDLEWARE)
    probes = _probe_classes(len(middleware))
    settings.MIDDLEWARE = [name for pair in zip(probes, middleware + [""], strict=True) for name in pair if name]

    import redis
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bma.submissions.processing_requests import processing_request_wait

    commands: Counter = Counter()
    original = redis.Redis.execute_command

    def counted(self, *command, **options):
        commands[str(command[0])] += 1
        return original(self, *command, **options)

    redis.Redis.execute_command = counted
    handler = WSGIHandler()
    make_body = body_maker()
    path = f"/collect/key/{token}/submission"

    def environ(body: bytes) -> dict:
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_OPENROSA_VERSION": "1.0",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }

    def one() -> tuple[int, list[str]]:
        statuses = []
        body = make_body()
        response = handler(environ(body), lambda status, headers: statuses.append(status))
        b"".join(response)
        response.close()
        return int(statuses[0].split()[0])

    for _ in range(30):  # warm-up: imports, connections, caches
        one()
    processing_request_wait()
    _TIMES.clear()
    commands.clear()
    totals, cpu, queries = [], [], []
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for _ in range(args.requests):
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.thread_time()
            status = one()
            totals.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - cpu_started)
        if status != 201:
            sys.exit(f"answered {status}")
        queries.append([q["sql"] for q in captured.captured_queries])
    if profiler is not None:
        profiler.disable()
    processing_request_wait()

    def median_ms(values) -> float:
        return statistics.median(values) * 1000

    print(f"{args.requests} submissions, one after another, in-process WSGI handler, PostgreSQL + Redis")
    print(
        f"whole request (handler call): median {median_ms(totals):.2f} ms wall, {median_ms(cpu):.2f} ms CPU (this thread)"
    )
    for index, name in enumerate(middleware):
        own = [outer - inner for outer, inner in zip(_TIMES[index], _TIMES[index + 1], strict=True)]
        print(f"  {name:<60} {median_ms(own):6.3f} ms")
    print(f"  {'view (URL resolving, the view, openrosa_endpoint)':<60} {median_ms(_TIMES[len(middleware)]):6.3f} ms")
    shapes = Counter(sql.split(" WHERE ")[0][:110] for request in queries for sql in request)
    print(f"SQL statements per request: {statistics.median(len(q) for q in queries):g}")
    for shape, count in shapes.most_common():
        print(f"  {count / args.requests:5.2f} x {shape}")
    print(f"Redis commands per request (all threads): {sum(commands.values()) / args.requests:.2f}")
    for command, count in commands.most_common():
        print(f"  {count / args.requests:5.2f} x {command}")
    if profiler is not None:
        import pstats

        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
