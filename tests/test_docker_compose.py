"""docker-compose.yml cannot run here (no Docker engine): check that what it names exists."""

import importlib
import re

import yaml

from bma.celery import app as celery_app
from tests.conftest import REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (REPO_ROOT / "bma" / "settings.py").read_text()


def test_it_runs_postgres_redis_web_worker_and_beat_with_health_checks():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "media"} <= set(COMPOSE["volumes"])


def test_gunicorn_serves_an_importable_wsgi_application():
    command = COMPOSE["services"]["web"]["command"]
    module, attr = command[command.index("gunicorn") + 1].split(":")
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
        assert re.search(rf'env\.\w+\("{key}"', SETTINGS_SOURCE), f"{key} is not read in bma/settings.py"


def test_the_migrate_step_calls_management_commands_that_exist():
    from django.core.management import get_commands

    script = COMPOSE["services"]["migrate"]["command"][-1]
    for command in re.findall(r"manage\.py (\w+)", script):
        assert command in get_commands(), command
