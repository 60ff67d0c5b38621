"""Benchmark: processing throughput with one and with two Celery workers on the same database.

Usage: .venv/bin/python benchmarks/workers.py [N] [--workers 1,2] [--concurrency 2] [--sweep]
       (defaults: N = 2,000 B2 submissions; one worker, then two; 2 processes each, as docker-compose.yml)

PostgreSQL and Redis (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres to make a throw-away
database next to it; CELERY_BROKER_URL, default redis://127.0.0.1:6379/14, flushed). For each worker count:
N B2s are received (the intake service, with its processing request held back), the workers are started
and waited for, then the clock starts with one processing request, as intake sends while devices upload
(at most one queued: bma/submissions/processing_requests.py), or with --sweep one task per waiting
submission, as beat's sweep queues them once they have waited a minute (after the broker was down). The clock stops when none is waiting.
The workers are `celery -A bma worker` processes, as the compose `worker` service runs them, here on one
machine; on several hosts each would bring its own cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bma.settings"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "0")

from benchmarks.requirements import require_postgresql, require_redis_broker  # noqa: E402

if __name__ == "__main__":
    require_postgresql(os.environ["DATABASE_URL"], "the workers share it")
    require_redis_broker(os.environ["CELERY_BROKER_URL"], "the workers take their tasks from it")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from benchmarks.throwaway import benchmark_database  # noqa: E402

FIXTURE = ROOT / "tests" / "assessments" / "fixtures" / "b2_2026112202.xml"
FIXTURE_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


def redis_flush() -> None:
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


def setup():
    from bma.core.roles import roles_sync
    from bma.xforms.build import xlsform_build
    from bma.xforms.services import form_publish
    from bma.xforms.workbooks import FORMS_DIR
    from tests import factories

    roles_sync()
    geo = factories.small_gazetteer()
    round_ = factories.make_round(number=2)
    user = factories.make_user("bench", "enumerator")
    factories.assign(user, geo["asht"], round_, "enumerator")
    form_publish(xlsform_build((FORMS_DIR / "b2_village.xlsx").read_bytes(), "b2_village.xlsx"), b"")
    return user


def receive(n: int, user, label: str) -> None:
    """N submissions waiting, no processing request sent (the workers are not up yet)."""
    from unittest import mock

    from bma.submissions.services import submission_receive

    template = FIXTURE.read_text()
    with mock.patch("bma.submissions.services.processing_request"):
        for _ in range(n):
            payload = template.replace(FIXTURE_ID, f"uuid:{label}-{uuid.uuid4()}").encode()
            submission_receive(payload=payload, files=[], user=user)


def workers_start(count: int, concurrency: int) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": database_url()}
    procs = []
    for i in range(count):
        log = open(f"/tmp/bma-bench-worker-{os.getpid()}-{i}.log", "w")  # noqa: SIM115 (closed with the process)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "bma",
                    "worker",
                    "--loglevel=INFO",
                    f"--concurrency={concurrency}",
                ]
                + ["--without-gossip", "--without-mingle", "-n", f"bench{i}@%h"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 180
    for i, proc in enumerate(procs):
        path = Path(f"/tmp/bma-bench-worker-{os.getpid()}-{i}.log")
        while "ready." not in path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"worker {i} did not start:\n{path.read_text()[-3000:]}")
            time.sleep(0.5)
    return procs


def workers_stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for i, proc in enumerate(procs):
        proc.wait(timeout=60)
        Path(f"/tmp/bma-bench-worker-{os.getpid()}-{i}.log").unlink(missing_ok=True)


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def measure(n: int, count: int, concurrency: int, sweep: bool, user) -> float:
    from bma.pipeline.tasks import submission_process
    from bma.submissions.models import ProcessingState, Submission
    from bma.submissions.processing_requests import processing_request

    redis_flush()
    receive(n, user, f"w{count}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    procs = workers_start(count, concurrency)
    try:
        waiting = Submission.objects.filter(state__in=[ProcessingState.RECEIVED, ProcessingState.PROCESSING])
        started = time.perf_counter()
        if sweep:
            for submission_id in waiting.order_by("pk").values_list("pk", flat=True):
                submission_process.delay(submission_id)
        else:
            processing_request(waiting.order_by("pk").values_list("pk", flat=True).first())
        while waiting.exists():
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        workers_stop(procs)
    failed = Submission.objects.filter(state=ProcessingState.FAILED).count()
    rate = n / elapsed
    print(
        f"{count} worker(s) x {concurrency} processes, {'sweep' if sweep else 'one request'}: "
        f"{n} B2s processed in {elapsed:.1f} s, {rate:.0f}/s ({failed} failed)"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=2000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    counts = [int(c) for c in args.workers.split(",")]
    with benchmark_database():
        user = setup()
        print(f"database: PostgreSQL {connection.settings_dict['NAME']}; broker {os.environ['CELERY_BROKER_URL']}")
        rates = {count: measure(args.n, count, args.concurrency, args.sweep, user) for count in counts}
    redis_flush()
    if 1 in rates and len(rates) > 1:
        for count, rate in rates.items():
            print(f"{count} worker(s): {rate / rates[1]:.2f} x one worker's rate")


if __name__ == "__main__":
    main()
