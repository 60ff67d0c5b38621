"""Settings come from the environment; production values are safe; a missing secret fails loudly."""

import json
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

PROBE = (
    "import json, django; from django.conf import settings as s; django.setup(); "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'host': s.DATABASES['default'].get('HOST'), 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'media': str(s.MEDIA_ROOT), "
    "'acks_late': s.CELERY_TASK_ACKS_LATE}))"
)

BASE_ENV = {
    k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY"}
}


def run_python(code, **env):
    full_env = {**BASE_ENV, "DJANGO_SETTINGS_MODULE": "bma.settings", **env}
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=full_env, capture_output=True, text=True)


def settings_with(**env):
    result = run_python(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_an_sqlite_file_with_tasks_in_process():
    s = settings_with(DEBUG="1")
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("db.sqlite3")
    assert s["eager"] is True


def test_database_and_broker_urls_are_read_from_the_environment():
    s = settings_with(
        SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://bma:secret@db.example:5433/bma",
        CELERY_BROKER_URL="redis://cache.example:6379/2",
        ALLOWED_HOSTS="bma.example.org,10.0.0.5",
        MEDIA_ROOT="/srv/bma-media",
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["name"], s["host"]) == ("bma", "db.example")
    assert s["eager"] is False and s["broker"] == "redis://cache.example:6379/2"
    assert s["hosts"] == ["bma.example.org", "10.0.0.5"]
    assert s["media"] == "/srv/bma-media"
    assert s["debug"] is False and s["acks_late"] is True


def test_production_without_a_secret_key_refuses_to_start_with_a_clear_message():
    result = run_python("import django; django.setup()")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_with_production_values():
    env = {
        **BASE_ENV,
        "DJANGO_SETTINGS_MODULE": "bma.settings",
        "SECRET_KEY": "k3y-" + "a1b2c3d4e5f6g7h8i9j0" * 3,
        "ALLOWED_HOSTS": "bma.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_forwarded_proto_header_is_believed_only_behind_a_configured_proxy():
    probe = (
        "import django; from django.conf import settings as s; django.setup(); "
        "print(repr(getattr(s, 'SECURE_PROXY_SSL_HEADER', None)))"
    )
    plain = run_python(probe, DEBUG="1")
    assert plain.returncode == 0 and plain.stdout.strip().splitlines()[-1] == "None"
    proxied = run_python(probe, DEBUG="1", BMA_BEHIND_TLS_PROXY="1")
    assert proxied.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"


SECRETS_PROBE = (
    "import json, django; from django.conf import settings as s; django.setup(); "
    "print(json.dumps({'secret_key': s.SECRET_KEY, 'db_password': s.DATABASES['default'].get('PASSWORD'), "
    "'db_user': s.DATABASES['default'].get('USER'), 'broker': s.CELERY_BROKER_URL, "
    "'result_backend': s.CELERY_RESULT_BACKEND, 'celery_broker': __import__('bma.celery').celery.app.conf.broker_url}))"
)


def test_compose_secrets_come_from_files_and_reach_the_database_and_the_broker(tmp_path):
    # As docker-compose.yml passes them: URLs without passwords, the passwords as Docker secrets.
    for name, value in {"secret_key": "k" * 50, "pg": "pg-pass/with:odd@chars", "redis": "redis-pass-0123"}.items():
        (tmp_path / name).write_text(value + "\n")
    result = run_python(
        SECRETS_PROBE,
        SECRET_KEY_FILE=str(tmp_path / "secret_key"),
        DATABASE_URL="postgres://bma@postgres:5432/bma",
        POSTGRES_PASSWORD_FILE=str(tmp_path / "pg"),
        CELERY_BROKER_URL="redis://redis:6379/0",
        REDIS_PASSWORD_FILE=str(tmp_path / "redis"),
    )
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout.strip().splitlines()[-1])
    assert s["secret_key"] == "k" * 50
    assert (s["db_user"], s["db_password"]) == ("bma", "pg-pass/with:odd@chars")
    assert s["broker"] == s["result_backend"] == "redis://:redis-pass-0123@redis:6379/0"
    # What the Celery app (worker, inspect ping, task sending) uses, not only the Django setting.
    assert s["celery_broker"] == "redis://:redis-pass-0123@redis:6379/0"


def test_production_refuses_the_example_env_values_with_a_clear_message():
    result = run_python("import django; django.setup()", SECRET_KEY="change-me-to-a-long-random-string")
    assert result.returncode != 0
    assert "SECRET_KEY is a placeholder" in result.stderr
    result = run_python(
        "import django; django.setup()",
        SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://bma@postgres:5432/bma",
        POSTGRES_PASSWORD="change-me",
    )
    assert result.returncode != 0
    assert "DATABASE_PASSWORD is a placeholder" in result.stderr
    result = run_python(
        "import django; django.setup()",
        SECRET_KEY="x" * 60,
        CELERY_BROKER_URL="redis://redis:6379/0",
        REDIS_PASSWORD="change-me",
    )
    assert result.returncode != 0
    assert "REDIS_PASSWORD is a placeholder" in result.stderr


def test_a_demo_in_debug_starts_with_the_example_values():
    assert settings_with(DEBUG="1", SECRET_KEY="change-me")["debug"] is True
