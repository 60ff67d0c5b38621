"""Benchmark: publishing a 100,000-village round as a job, and the live figures from the cache.

Usage: .venv/bin/python benchmarks/publishing.py [VILLAGES] [--keep]   (default 100,000)
Builds a throw-away database (DATABASE_URL, PostgreSQL for the real figures) with the same typed
assessments as benchmarks/exports.py, then:
- the live figures computed (a cache miss) and read again (a hit);
- a publish as the coordinator's button makes it: the gate checked and the job queued (the request's
  share), then the job run to the end. With CELERY_BROKER_URL=redis://... a real `celery worker -Q
  exports` runs it and the progress is read from the job row as the page polls it; without a broker
  the job runs in-process.
--keep keeps the database (bma_benchmark_publish_<VILLAGES>) and reuses it on the next run; each run
publishes one more version (confirmed: the figures are unchanged).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from benchmarks.requirements import require_redis_broker  # noqa: E402

if __name__ == "__main__" and os.environ.get("CELERY_BROKER_URL"):  # none: the job runs in-process, as said
    require_redis_broker(os.environ["CELERY_BROKER_URL"], "a real worker runs the publish job from it")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from benchmarks.exports import populated_round  # noqa: E402
from benchmarks.throwaway import benchmark_database  # noqa: E402


def _worker(log_path: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = dict(os.environ)
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bma", "worker", "-Q", "exports", "--pool=solo"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "benchmark-exports@%h"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    from bma.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(name.startswith("benchmark-exports@") for reply in app.control.ping(timeout=0.5) for name in reply):
            return worker
    worker.terminate()
    raise SystemExit(f"the export worker did not start (see {log_path})")


def main(n: int, keep: bool) -> None:
    from bma.core.roles import Role
    from bma.exports.models import PublishJob
    from bma.exports.publish_jobs import publish_job_start
    from bma.exports.report import previous_round_of, round_figures
    from tests import factories

    name = f"bma_benchmark_publish_{n}" if keep else None
    with benchmark_database(keep_as=name):
        round_ = populated_round(n, kept=keep)
        from django.contrib.auth import get_user_model

        coordinator = get_user_model().objects.filter(username="coordinator").first()
        coordinator = coordinator or factories.make_user("coordinator", Role.COORDINATOR)

        from bma.core.cache_versions import versions_bump

        versions_bump([f"round-figures:{round_.pk}"])  # a miss, whatever an earlier run left
        for label in ("live figures, computed (cache miss)", "live figures, from the cache (hit)"):
            started = time.perf_counter()
            round_figures(round_, previous_round=previous_round_of(round_))
            print(f"{label}: {time.perf_counter() - started:.3f} s")

        worker = None
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            worker = _worker(ROOT / ".test-media" / "benchmark-publish-worker.log")
        try:
            confirm = PublishJob.objects.filter(round=round_, state="done").exists()
            started = time.perf_counter()
            job = publish_job_start(round_, coordinator, note="benchmark", confirm=confirm)
            queued = time.perf_counter() - started
            print(f"publish button (gate on the cached figures, job queued): {queued:.2f} s")
            last = None
            while True:
                job.refresh_from_db()
                if (job.state, job.progress) != last:
                    last = (job.state, job.progress)
                    print(f"  {time.perf_counter() - started:6.1f} s  {job.state} {job.progress}%")
                if job.state in ("done", "failed"):
                    break
                time.sleep(0.5)
            total = time.perf_counter() - started
            where = "a real export worker" if worker else "in-process"
            outcome = f"version {job.report.version}" if job.report_id else f"failed: {job.error}"
            print(f"publishing as a job ({where}), button to done: {total:.1f} s; {outcome}")
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)


if __name__ == "__main__":
    numbers = [int(arg) for arg in sys.argv[1:] if arg.isdigit()]
    main(numbers[0] if numbers else 100_000, keep="--keep" in sys.argv)
