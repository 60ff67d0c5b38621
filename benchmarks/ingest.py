"""Benchmark: intake over HTTP, as a ratio to a minimal app doing the bare work, measured in the same run.

Usage: .venv/bin/python benchmarks/ingest.py [--duration S] [--rounds R] [--connections C] [--worker]
       (defaults: 10 s turns, 3 rounds, 8 connections; --worker: one Celery worker processing meanwhile)

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres: only its server is
used) and a Redis broker (CELERY_BROKER_URL, default redis://127.0.0.1:6379/15, flushed at the end);
without them it says so and exits 2. It creates a throw-away database (bma_bench_ingest_<pid>) on that
server, migrates it, issues a device token, and starts two gunicorns with the project's settings
(``--config python:bma.gunicorn_conf``, 3 sync workers as the Dockerfile; BENCH_WORKERS to try others):
- the project, at ``/collect/key/<token>/submission`` (processing requests go to the broker);
- benchmarks/minimal_intake/app.py: a minimal Django app that parses the XML and inserts one row into
  its own table in the same database: the ceiling for intake on this machine.
One load generator (C threads, http.client, one connection each, reopened when gunicorn's sync worker
closes it; same 3 KB B2 body with a fresh instanceID per request) drives them in turns, R rounds of
project then minimal app (the order swapped every round), after a warm-up of each. Because both share
the machine's load at nearly the same moments, their ratio survives a busy machine where the rates do
not. Prints per turn and in total: submissions/s (201s only), p50/p95 latency, and the project's rate
as a ratio of the minimal app's.
With --worker, one `celery -A bma worker` (concurrency 2, as docker-compose.yml) processes the
submissions while they arrive; it is given time to drain before each minimal-app turn, so the ceiling
is not measured against a worker still busy with the project's backlog.
Target (issue 34): intake alone at least 0.7 of the minimal app, p95 at most 20 ms at 8 connections.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.minimal_intake import CREATE_TABLE  # noqa: E402
from benchmarks.requirements import require_module, require_postgresql, require_redis_broker  # noqa: E402
from benchmarks.throwaway import served_project_environment  # noqa: E402

PYTHON = sys.executable


def free_port() -> int:
    """A port nothing listens on now: several sessions may run this benchmark on one machine."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


BOUNDARY = "bma-benchmark-boundary-7d1f"
HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "X-OpenRosa-Version": "1.0"}
FIXTURE = ROOT / "tests" / "assessments" / "fixtures" / "b2_2026112202.xml"
FIXTURE_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


def body_maker():
    """A function returning a new multipart body (one xml_submission_file part, as ODK Collect sends)
    with a fresh instanceID: two byte joins and a uuid4, cheap enough to share the cores fairly."""
    head, tail = FIXTURE.read_bytes().split(FIXTURE_ID.encode())
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="xml_submission_file"; filename="submission.xml"\r\n'
        "Content-Type: text/xml\r\n\r\n"
    ).encode() + head
    tail = tail + f"\r\n--{BOUNDARY}--\r\n".encode()
    return lambda: b"".join((head, b"uuid:", str(uuid.uuid4()).encode(), tail))


def drive(port: int, path: str, seconds: float, connections: int, make_body) -> dict:
    """``connections`` threads POST for ``seconds``; the rate counts 201s over the turn's wall time."""
    results: list[list[tuple[float, int]]] = [[] for _ in range(connections)]
    deadline = time.perf_counter() + seconds

    def client(out: list[tuple[float, int]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            body = make_body()
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=HEADERS)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()  # reopened by the next request
                status = 0
            out.append((time.perf_counter() - started, status))
        connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=client, args=(out,)) for out in results]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    flat = [item for out in results for item in out]
    return {
        "ok": sum(1 for _, status in flat if status == 201),
        "other": sum(1 for _, status in flat if status != 201),
        "elapsed": elapsed,
        "latencies": sorted(latency for latency, _ in flat),
    }


def summary(turns: list[dict]) -> tuple[float, float, float]:
    """Rate (201s per second), p50 and p95 in ms over the given turns."""
    ok = sum(t["ok"] for t in turns)
    elapsed = sum(t["elapsed"] for t in turns)
    latencies = sorted(latency for t in turns for latency in t["latencies"])
    if not latencies:
        return 0.0, 0.0, 0.0
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    return ok / elapsed, statistics.median(latencies) * 1000, p95 * 1000


def psql(server_url: str, sql: str, database: str = "postgres"):
    import psycopg

    parts = urlsplit(server_url)
    with psycopg.connect(urlunsplit(parts._replace(path=f"/{database}")), autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else None


def project_setup(env: dict) -> str:
    """Migrate, roles, the small gazetteer, a round, an enumerator with an assignment, the forms: its token."""
    for command in (["migrate", "--noinput"], ["sync_roles"]):
        subprocess.run([PYTHON, "manage.py", *command], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    script = (
        "from tests import factories; from bma.submissions.auth import collect_token_issue;"
        "from bma.xforms.services import forms_publish_all, list_files_refresh;"
        "geo = factories.small_gazetteer(); r = factories.make_round();"
        "u = factories.make_user('bench', 'enumerator'); factories.assign(u, geo['asht'], r, 'enumerator');"
        "forms_publish_all(); list_files_refresh(r); print(collect_token_issue(u).token)"
    )
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script], check=True, env=env, cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1]


def gunicorn(app: str, port: int, env: dict, workers: str) -> subprocess.Popen:
    return subprocess.Popen(
        # The project warns once per gunicorn worker that collectstatic was not run: static files are not measured.
        [PYTHON, "-W", "ignore:No directory at", "-m", "gunicorn", "--config", "python:bma.gunicorn_conf", app]
        + ["--bind", f"127.0.0.1:{port}", "--workers", workers, "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )


def wait_answering(port: int, path: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn on port {port} exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("HEAD", path)  # OpenRosa's pre-flight: 204 from both apps
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"gunicorn on port {port} did not answer within 120 s")


def worker_start(env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 (closed with the process)
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "bma", "worker", "--loglevel=INFO", "--concurrency=2"]
        + ["--without-gossip", "--without-mingle", "-n", f"bench-ingest-{os.getpid()}@%h"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while "ready." not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.5)
    return worker


def waiting_count(server_url: str, database: str) -> int:
    rows = psql(
        server_url,
        "SELECT count(*) FROM submissions_submission WHERE state IN ('received', 'processing')",
        database,
    )
    return rows[0][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per turn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--worker", action="store_true", help="one Celery worker processing meanwhile")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    require_postgresql(server_url, "the project and the minimal app store into it")
    require_redis_broker(broker, "intake hands processing to the broker, as deployed")
    require_module("gunicorn", "both apps are served by gunicorn")
    require_module("psycopg", "the throw-away database is made with it")
    if args.worker:
        require_module("celery", "--worker starts a Celery worker")

    project = served_project_environment(server_url, broker, "ingest")
    database_url = project["DATABASE_URL"]
    database = urlsplit(database_url).path.lstrip("/")
    env = {**os.environ, **project, "MINIMAL_DATABASE_URL": database_url}
    workers = os.environ.get("BENCH_WORKERS", "3")  # as the Dockerfile and docker-compose run gunicorn
    psql(server_url, f"CREATE DATABASE {database}")
    processes: list[subprocess.Popen] = []
    worker_log = Path(f"/tmp/bma-bench-ingest-worker-{os.getpid()}.log")
    try:
        token = project_setup(env)
        psql(server_url, CREATE_TABLE, database)
        project_port, minimal_port = free_port(), free_port()
        project = gunicorn("bma.wsgi:application", project_port, env, workers)
        minimal = gunicorn("benchmarks.minimal_intake.app:application", minimal_port, env, workers)
        processes += [project, minimal]
        targets = {
            "project": (project_port, f"/collect/key/{token}/submission"),
            "minimal": (minimal_port, "/submission"),
        }
        wait_answering(*targets["project"], project)
        wait_answering(*targets["minimal"], minimal)
        if args.worker:
            processes.append(worker_start(env, worker_log))
        make_body = body_maker()

        def turn(name: str, seconds: float) -> dict:
            if args.worker and name == "minimal":
                drain_started = time.monotonic()
                while waiting_count(server_url, database) and time.monotonic() - drain_started < 300:
                    time.sleep(0.5)
            port, path = targets[name]
            return drive(port, path, seconds, args.connections, make_body)

        for name in targets:  # warm-up: imports, connections, caches
            turn(name, min(3.0, args.duration))
        turns: dict[str, list[dict]] = {"project": [], "minimal": []}
        for number in range(args.rounds):
            order = ["project", "minimal"] if number % 2 == 0 else ["minimal", "project"]
            for name in order:
                result = turn(name, args.duration)
                turns[name].append(result)
                rate, p50, p95 = summary([result])
                print(
                    f"round {number + 1} {name:>7}: {result['ok']} accepted, {result['other']} other, "
                    f"{rate:.0f}/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms"
                )
        project_rate, project_p50, project_p95 = summary(turns["project"])
        minimal_rate, minimal_p50, minimal_p95 = summary(turns["minimal"])
        mode = "one worker (2 processes) processing meanwhile" if args.worker else "no worker (intake alone)"
        print(
            f"gunicorn {workers} sync workers each, {args.connections} connections, "
            f"{args.rounds} rounds of {args.duration:g} s turns, {mode}"
        )
        print(f"project: {project_rate:.0f} submissions/s, p50 {project_p50:.0f} ms, p95 {project_p95:.0f} ms")
        print(f"minimal: {minimal_rate:.0f} submissions/s, p50 {minimal_p50:.0f} ms, p95 {minimal_p95:.0f} ms")
        ratio = project_rate / minimal_rate if minimal_rate else float("nan")
        print(f"ratio: project/minimal = {ratio:.2f} (target >= 0.70 intake alone; p95 <= 20 ms)")
        if args.worker:
            print(f"still waiting for processing at the end: {waiting_count(server_url, database)}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        worker_log.unlink(missing_ok=True)
        import redis

        redis.Redis.from_url(broker).flushdb()
        psql(server_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


if __name__ == "__main__":
    main()
