"""After PostgreSQL restarts (here: every backend of the test database terminated, as a restart does;
the shared server itself is never restarted by a test), the next admin request on a gunicorn worker
that kept its connection succeeds: the stale connection is checked and replaced (CONN_HEALTH_CHECKS).
So does the next submission, where the intake's reference version read is that check (issue 34)."""

import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from django.db import connection

from tests.conftest import REPO_ROOT
from tests.submissions.conftest import b2_form, submission_xml  # noqa: F401 (b2_form: a fixture)
from tests.test_gunicorn_conf import free_port


def _other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _terminate_other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_first_admin_request_after_a_database_restart_succeeds(real_services, client, personas):
    db = connection.settings_dict
    port = free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CONN_MAX_AGE="600",  # the worker keeps its connection between requests, as in production
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:bma.gunicorn_conf", "bma.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client.force_login(personas.coordinator)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    url = f"http://127.0.0.1:{port}/admin/"
    try:
        for _attempt in range(300):
            assert server.poll() is None, "gunicorn exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        assert requests.get(url, cookies=cookies, timeout=30, allow_redirects=False).status_code == 200
        assert _other_backends() >= 1  # the gunicorn worker's connection, kept open
        assert _terminate_other_backends() >= 1
        answer = requests.get(url, cookies=cookies, timeout=30, allow_redirects=False)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert answer.status_code == 200, answer.text[:500]


@pytest.mark.django_db(transaction=True)
def test_the_first_submission_after_a_database_restart_is_stored(real_services, personas, b2_form):  # noqa: F811
    from bma.submissions.auth import collect_token_issue
    from bma.submissions.models import Submission

    db = connection.settings_dict
    port = free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CONN_MAX_AGE="600",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:bma.gunicorn_conf", "bma.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/collect/key/{collect_token_issue(personas.enumerator).token}/submission"

    def send(instance_id: str):
        files = {"xml_submission_file": ("s.xml", submission_xml(instance_id), "text/xml")}
        return requests.post(url, files=files, headers={"X-OpenRosa-Version": "1.0"}, timeout=30)

    try:
        for _attempt in range(300):
            assert server.poll() is None, "gunicorn exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        assert send("uuid:restart-1").status_code == 201
        assert _other_backends() >= 1
        assert _terminate_other_backends() >= 1
        answer = send("uuid:restart-2")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert answer.status_code == 201, answer.text[:500]
    assert Submission.objects.filter(instance_id="uuid:restart-2").exists()
