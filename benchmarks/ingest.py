"""Benchmark: B2 submissions POSTed over HTTP to gunicorn against PostgreSQL, processing left to the worker.

Usage: .venv/bin/python benchmarks/ingest.py [N] [CLIENT_THREADS]   (defaults 2,000 and 16)
gunicorn runs 3 sync workers as in the Dockerfile (BENCH_WORKERS=5 to try others); the client sends
pre-encoded multipart bodies with http.client from the same machine.
Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis at 127.0.0.1:6379; creates and drops a
database `bma_bench` and uses Redis database 15. Prints submissions/s and p50/p95 latency.
Target (issue 4): at least 250 submissions/s on a 2-core machine.
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "bma_bench"
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
    "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "DJANGO_SETTINGS_MODULE": "bma.settings",
}
PORT = 8765
PYTHON = sys.executable
BOUNDARY = "bma-benchmark-boundary-7d1f"
MULTIPART_HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "X-OpenRosa-Version": "1.0"}


def multipart(payload: bytes) -> bytes:
    """The body ODK Collect sends: one xml_submission_file part."""
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="xml_submission_file"; filename="submission.xml"\r\n'
            "Content-Type: text/xml\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def sh(*args: str) -> None:
    subprocess.run(args, check=True, env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL)


def setup_database() -> str:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DB_NAME}"], check=True
    )
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {DB_NAME}"], check=True)
    sh(PYTHON, "manage.py", "migrate", "--noinput")
    sh(PYTHON, "manage.py", "sync_roles")
    script = (
        "from tests import factories; from bma.submissions.auth import collect_token_issue;"
        "from bma.xforms.services import forms_publish_all, list_files_refresh;"
        "geo = factories.small_gazetteer(); r = factories.make_round();"
        "u = factories.make_user('bench', 'enumerator'); factories.assign(u, geo['asht'], r, 'enumerator');"
        "forms_publish_all(); list_files_refresh(r); print(collect_token_issue(u).token)"
    )
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script], check=True, env=ENV, cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1]


def main(n: int, threads: int) -> None:
    import requests

    token = setup_database()
    workers = os.environ.get("BENCH_WORKERS", "3")  # as the Dockerfile and docker-compose run gunicorn
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "--config",
            "python:bma.gunicorn_conf",
            "bma.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            workers,
            "--log-level",
            "warning",
        ],
        env=ENV,
        cwd=ROOT,
    )
    try:
        url = f"http://127.0.0.1:{PORT}/collect/key/{token}/submission"
        for _ in range(100):
            try:
                requests.head(url, timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        template = (ROOT / "tests" / "assessments" / "fixtures" / "b2_2026112202.xml").read_text()
        old_id = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"
        # Bodies are encoded before the clock starts and sent with http.client: the load generator
        # shares the two cores with the server, and requests' multipart encoding would eat a third of one.
        bodies = [multipart(template.replace(old_id, f"uuid:{uuid.uuid4()}").encode()) for _ in range(n)]
        path = url.removeprefix(f"http://127.0.0.1:{PORT}")
        latencies: list[float] = []
        statuses: list[int] = []
        lock = threading.Lock()
        cursor = iter(bodies)

        def client():
            while True:
                with lock:
                    body = next(cursor, None)
                if body is None:
                    return
                started = time.perf_counter()
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                connection.request("POST", path, body=body, headers=MULTIPART_HEADERS)
                response = connection.getresponse()
                response.read()
                connection.close()  # gunicorn's sync workers close after each response anyway
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    statuses.append(response.status)

        started = time.perf_counter()
        pool = [threading.Thread(target=client) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        total = time.perf_counter() - started
        latencies.sort()
        ok = statuses.count(201)
        print(f"gunicorn workers: {workers}, client threads: {threads}, PostgreSQL, processing queued to Redis")
        print(f"{ok}/{n} accepted (201) in {total:.2f} s: {n / total:.0f} submissions/s")
        print(
            f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.0f} ms"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run(["redis-cli", "-n", "15", "flushdb"], stdout=subprocess.DEVNULL)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DB_NAME}"])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, int(sys.argv[2]) if len(sys.argv) > 2 else 16)
