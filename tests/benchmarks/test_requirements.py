"""A benchmark missing its broker or PostgreSQL says so in one line and exits 2 instead of measuring
something else (issue 34: scale.py without a broker timed processing inline and printed 2,760,494/s).
The checks run before a benchmark builds anything; no benchmark is run here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.requirements import MISSING, require_postgresql, require_redis_broker

ROOT = Path(__file__).resolve().parent.parent.parent


def run_benchmark(name: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, f"benchmarks/{name}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def environment(**changes: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update({key: value for key, value in changes.items() if value is not None})
    return env


# scale.py checks before it reads its arguments: --help would print and exit 0 if the check were gone.
def test_scale_without_postgresql_stops_with_the_reason():
    done = run_benchmark("scale.py", environment(CELERY_BROKER_URL="redis://127.0.0.1:6379/15"), "--help")
    assert done.returncode == MISSING
    assert done.stderr.strip() == (
        "benchmark not run: needs PostgreSQL (the preload uses COPY): set DATABASE_URL=postgres://user@host:5432/name"
    )
    assert done.stdout == ""


def test_scale_without_a_broker_stops_instead_of_processing_inline():
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        pytest.skip("needs DATABASE_URL=postgres://... to get past the PostgreSQL check")
    done = run_benchmark("scale.py", environment(DATABASE_URL=database), "--help")
    assert done.returncode == MISSING
    assert done.stderr.strip() == (
        "benchmark not run: needs a Redis broker (without one, intake would process each submission inline): "
        "set CELERY_BROKER_URL=redis://host:6379/N"
    )


def test_ingest_with_no_postgresql_answering_stops():
    # Port 9 (discard) has no PostgreSQL on any machine the tests run on.
    done = run_benchmark(
        "ingest.py", environment(DATABASE_URL="postgres://postgres@127.0.0.1:9/postgres"), "--rounds", "0"
    )
    assert done.returncode == MISSING
    assert done.stderr.strip() == (
        "benchmark not run: needs PostgreSQL (the project and the minimal app store into it): "
        "nothing answers at 127.0.0.1:9"
    )


def test_a_broker_that_does_not_answer_stops(capsys):
    with pytest.raises(SystemExit) as stopped:
        require_redis_broker("redis://127.0.0.1:9/0", "the workers take their tasks from it")
    assert stopped.value.code == MISSING
    message = capsys.readouterr().err
    assert message.startswith("benchmark not run: needs a Redis broker (the workers take their tasks from it): ")
    assert message.count("\n") == 1


def test_sqlite_is_not_postgresql(capsys):
    with pytest.raises(SystemExit) as stopped:
        require_postgresql("sqlite:///db.sqlite3", "the workers share it")
    assert stopped.value.code == MISSING
    assert "needs PostgreSQL (the workers share it)" in capsys.readouterr().err


def test_mapping_without_postgresql_stops_with_the_reason():
    # Processing per worker is a PostgreSQL figure (issue 34): on SQLite it would measure something else.
    done = run_benchmark("mapping.py", environment(), "--help")
    assert done.returncode == MISSING
    assert done.stderr.strip() == (
        "benchmark not run: needs PostgreSQL (the figure is per worker on PostgreSQL): "
        "set DATABASE_URL=postgres://user@host:5432/name"
    )
