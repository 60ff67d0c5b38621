"""Static checks of docker-compose.yml and the Dockerfile: what they name exists. The live check, the whole
stack built, started and sent a B2, is tools/compose_smoke.sh (run by .ci/run)."""

import importlib
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import yaml

from bma.celery import app as celery_app
from tests.conftest import REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (REPO_ROOT / "bma" / "settings.py").read_text()
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()


def test_it_runs_postgres_redis_web_worker_and_beat_with_health_checks():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker", "beat", "proxy"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "media"} <= set(COMPOSE["volumes"])


def test_gunicorn_serves_an_importable_wsgi_application():
    command = COMPOSE["services"]["web"]["command"]
    # The application is the argument that is a module:attribute (python:bma.gunicorn_conf is the config).
    module, attr = next(arg for arg in command[1:] if re.fullmatch(r"[\w.]+:\w+", arg)).split(":")
    assert hasattr(importlib.import_module(module), attr)


def test_worker_and_beat_name_the_project_celery_app():
    for name in ("worker", "beat"):
        command = COMPOSE["services"][name]["command"]
        assert command[:3] == ["celery", "-A", "bma"]
        assert command[3] == name
    assert celery_app.main == "bma"


def test_every_environment_variable_it_sets_is_read_by_the_settings():
    env = COMPOSE["services"]["web"]["environment"]
    for key in env:
        if key == "DJANGO_SETTINGS_MODULE":
            assert importlib.util.find_spec(env[key]) is not None
            continue
        read = rf'env\.\w+\("{key}"|secret_read\(os\.environ, [^)]*"{key}"'
        assert re.search(read, SETTINGS_SOURCE), f"{key} is not read in bma/settings.py"


def test_the_migrate_step_calls_management_commands_that_exist():
    from django.core.management import get_commands

    script = COMPOSE["services"]["migrate"]["command"][-1]
    for command in re.findall(r"manage\.py (\w+)", script):
        assert command in get_commands(), command


def test_the_migrate_step_publishes_the_forms_and_never_overwrites_the_gazetteer():
    script = COMPOSE["services"]["migrate"]["command"][-1]
    assert "manage.py publish_forms" in script
    assert re.search(r"manage\.py load_gazetteer --missing-only", script)


def test_gunicorn_is_reached_only_through_the_proxy_that_sets_the_forwarded_headers():
    services = COMPOSE["services"]
    assert "ports" not in services["web"]
    assert services["web"]["environment"]["BMA_BEHIND_TLS_PROXY"] == "1"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    published = {port.rsplit(":", 1)[-1] for port in services["proxy"]["ports"]}
    assert published == {"80", "443"}
    entrypoint = (REPO_ROOT / "docker" / "proxy" / "entrypoint.sh").read_text()
    assert "proxy_set_header X-Forwarded-Proto \\$scheme" in entrypoint
    assert "proxy_set_header X-Forwarded-For \\$remote_addr" in entrypoint


def test_images_default_to_the_public_ones_and_can_be_swapped_for_local_builds():
    services = COMPOSE["services"]
    assert services["postgres"]["image"] == "${BMA_POSTGRES_IMAGE:-postgres:15}"
    assert services["redis"]["image"] == "${BMA_REDIS_IMAGE:-redis:7}"
    args = services["web"]["build"]["args"]
    assert args["PYTHON_IMAGE"] == "${BMA_PYTHON_IMAGE:-python:3.11-slim-bookworm}"
    assert args["NODE_IMAGE"] == "${BMA_NODE_IMAGE:-node:20-bookworm-slim}"
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in DOCKERFILE
    assert "ARG NODE_IMAGE=node:20-bookworm-slim" in DOCKERFILE
    assert "FROM ${PYTHON_IMAGE}" in DOCKERFILE and "FROM ${NODE_IMAGE} AS node" in DOCKERFILE
    for local in ("python", "node", "postgres", "redis"):
        assert (REPO_ROOT / "docker" / "local" / f"{local}.Dockerfile").exists(), local


@pytest.mark.django_db
def test_the_health_check_passes_with_allowed_hosts_set_and_the_https_redirect_on(client, settings):
    # The probe calls 127.0.0.1:8000 over plain HTTP; the public name is all ALLOWED_HOSTS lists.
    settings.ALLOWED_HOSTS = ["bma.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    probe = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert (probe.status_code, probe.content) == (200, b"ok")
    assert client.get("/admin/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/admin/login/", HTTP_HOST="bma.example.org").status_code == 301


def _settings_with(**env) -> dict:
    code = (
        "import json, bma.settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "('SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS')}))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "BMA_", "DEBUG"))}
    environ.update(SECRET_KEY="settings-test", **env)
    out = subprocess.run([sys.executable, "-c", code], env=environ, cwd=REPO_ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_plain_http_mode_turns_off_the_https_only_defaults_and_tls_keeps_them():
    secure = _settings_with()
    assert secure == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
    }
    assert _settings_with(BMA_PLAIN_HTTP="1") == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
    }
    # One of them can still be set on its own.
    assert _settings_with(BMA_PLAIN_HTTP="1", CSRF_COOKIE_SECURE="1")["CSRF_COOKIE_SECURE"] is True


SECRETS = ("SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD")


def test_no_secret_is_written_in_the_compose_file():
    for name, service in COMPOSE["services"].items():
        env = service.get("environment") or {}
        for key in SECRETS:
            if key in env:
                assert re.fullmatch(r"\$\{" + key + r"(:\?[^}]*)?\}", env[key]), (name, key, env[key])
        for key in ("DATABASE_URL", "CELERY_BROKER_URL"):
            if key in env:
                assert urlsplit(env[key]).password is None, (name, key)  # the password comes apart
    assert "DATABASE_URL" in COMPOSE["services"]["web"]["environment"]


def test_redis_asks_for_a_password_and_its_healthcheck_gives_it():
    redis = COMPOSE["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--requirepass") + 1].startswith("${REDIS_PASSWORD:?")
    assert redis["environment"]["REDISCLI_AUTH"] == "${REDIS_PASSWORD}"
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_the_example_env_secrets_are_placeholders_a_production_start_refuses():
    from bma.core.secrets import secret_is_placeholder

    example = dict(
        line.split("=", 1)
        for line in (REPO_ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for key in SECRETS:
        assert secret_is_placeholder(example[key]), key


def test_processing_workers_scale_and_exports_and_pulls_have_their_own():
    services = COMPOSE["services"]
    for name in ("worker", "worker-exports", "worker-pulls"):
        service = services[name]
        # --scale needs both: a fixed container name or host port would clash between replicas.
        assert "container_name" not in service and "ports" not in service, name
        assert service["command"][:4] == ["celery", "-A", "bma", "worker"], name
        assert "healthcheck" in service, name
    # One queue each. The processing worker names its queue too: a worker without -Q serves every
    # declared queue (settings.CELERY_TASK_QUEUES), and would take exports and pulls along.
    for name, queue in (("worker", "processing"), ("worker-exports", "exports"), ("worker-pulls", "pulls")):
        command = services[name]["command"]
        assert command[command.index("-Q") + 1] == queue


def test_the_backup_service_runs_the_backup_command_into_a_host_folder():
    from django.core.management import get_commands

    backup = COMPOSE["services"]["backup"]
    assert backup["command"] == ["python", "manage.py", "backup", "--loop"]
    assert {"backup", "restore"} <= set(get_commands())
    assert "${BMA_BACKUP_DIR:-./backups}:/backups" in backup["volumes"]
    assert "media:/data/media" in backup["volumes"]
    assert backup["environment"]["BMA_BACKUP_DIR"] == "/backups"
    assert "postgresql-client" in DOCKERFILE  # pg_dump and pg_restore in the image
