from __future__ import annotations

from types import SimpleNamespace

import pytest

from bma.core.roles import Role, roles_sync
from tests import factories


@pytest.fixture
def roles(db):
    roles_sync()


@pytest.fixture
def geo(db):
    return SimpleNamespace(**factories.small_gazetteer())


@pytest.fixture
def open_round(db):
    return factories.make_round(number=2)


@pytest.fixture
def personas(roles, geo, open_round):
    """The people every permission test checks: one per role, plus an outsider with no role.

    - enumerator: assigned to Asht district (Sughd) in the open round
    - supervisor: assigned to Sughd province in the open round (sees Asht and Khujand, not Panj)
    - coordinator and administrator: see everything
    - outsider: an active account with no role and no assignment
    """
    enumerator = factories.make_user("enumerator", Role.ENUMERATOR)
    supervisor = factories.make_user("supervisor", Role.SUPERVISOR)
    coordinator = factories.make_user("coordinator", Role.COORDINATOR)
    administrator = factories.make_user("administrator", Role.ADMINISTRATOR)
    outsider = factories.make_user("outsider")
    factories.assign(enumerator, geo.asht, open_round, "enumerator")
    factories.assign(supervisor, geo.sughd, open_round, "supervisor")
    return SimpleNamespace(
        enumerator=enumerator,
        supervisor=supervisor,
        coordinator=coordinator,
        administrator=administrator,
        outsider=outsider,
        round=open_round,
        geo=geo,
    )


# --- Real services: PostgreSQL + Redis + a real Celery worker process ---------------------------------

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from django.conf import settings as django_settings  # noqa: E402

from tests.support import require  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


def services_configured() -> bool:
    """True when the run points at PostgreSQL and Redis (the second CI pass); False on the embedded default."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    return django_settings.IS_POSTGRES and broker.startswith("redis://")


@pytest.fixture(autouse=True)
def _fresh_intake_cache():
    """Each test starts with nothing cached: its rows have other ids than the last test's."""
    from bma.core.reference_cache import intake_cache

    intake_cache.clear()
    yield
    intake_cache.clear()


def cache_clear() -> None:
    """Empty the Django cache of this run's keys (on Redis, never the broker's own keys beside them)."""
    from django.core.cache import cache

    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None:
        cache.clear()
        return
    redis = client(write=True)
    for key in redis.scan_iter(match=f"{cache.key_prefix}:*", count=1000):
        redis.delete(key)


@pytest.fixture(autouse=True)
def _fresh_django_cache():
    """Each test starts with no live figures cached: on SQLite, its rows may have the ids of the last test's."""
    cache_clear()
    yield
    cache_clear()


@pytest.fixture(autouse=True)
def _english_between_tests():
    """Each test starts in English: a request with Accept-Language (or a user's language) leaves its
    language active in the thread, and Django's test client does not put it back."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def real_services():
    """Skip on the embedded default; when configured, PostgreSQL and Redis must answer (fail, not skip)."""
    if not services_configured():
        pytest.skip("needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...")
    import redis

    try:
        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_timeout=3).ping()
    except Exception as exc:  # the service is configured but down: that is a failure
        pytest.fail(f"Redis at {os.environ['CELERY_BROKER_URL']} cannot be reached: {exc}")


def _start_workers(count: int, log_name: str = "worker", queues: str | None = None):
    """Start `count` real `celery worker` subprocesses on the Redis broker, using the test's database.

    The test database only exists for the test run, so the workers are pointed at it explicitly.
    Each worker has its own node name, so a ping proves that every one of them is up. Each consumes
    ``queues`` (comma-separated), by default every queue the tasks are routed to (settings.CELERY_TASK_ROUTES).
    """
    queues = queues or ",".join(django_settings.BMA_CELERY_QUEUES)
    from django.db import connection

    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    env.setdefault("CELERY_RESULT_BACKEND", env["CELERY_BROKER_URL"])
    procs = []
    for number in range(1, count + 1):
        # The worker's output goes to a file the developer can read when a task test fails.
        log_path = REPO_ROOT / ".test-media" / (f"{log_name}.log" if count == 1 else f"{log_name}{number}.log")
        log_path.parent.mkdir(exist_ok=True)
        with open(log_path, "wb") as log:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "bma", "worker", "--pool=solo", "--loglevel=INFO"]
                    + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{log_name}{number}@%h"]
                    + ["-Q", queues],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    from bma.celery import app
    from bma.submissions.processing_requests import REQUEST_KEY, _redis

    _redis().delete(REQUEST_KEY)  # an earlier test's request, whose task no worker ran, must not hold ours back
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(proc.poll() is not None for proc in procs):
            _stop_workers(procs)
            pytest.fail("a Celery worker exited at start-up")
        answered = {name.split("@")[0] for reply in app.control.ping(timeout=0.5) for name in reply}
        if {f"{log_name}{number}" for number in range(1, count + 1)} <= answered:
            break
    else:
        _stop_workers(procs)
        pytest.fail(f"{count} Celery worker(s) did not answer a ping within 30 s")
    return procs


def _stop_workers(procs) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def celery_worker_process(real_services, transactional_db):
    """A real `celery worker` subprocess on the Redis broker, using the same test database as the test."""
    procs = _start_workers(1)
    try:
        yield procs[0]
    finally:
        _stop_workers(procs)


@pytest.fixture
def two_celery_workers(real_services, transactional_db):
    """Two real workers on one queue: processing batches run concurrently, as with two worker hosts."""
    procs = _start_workers(2)
    try:
        yield procs
    finally:
        _stop_workers(procs)


__all__ = ["require"]


@pytest.fixture
def tasks_in_process():
    """Run Celery tasks in the test's own process, also on the pass that has a Redis broker configured."""
    from bma.celery import app

    # The app reads Django settings with the CELERY_ namespace, so the key carries the prefix.
    previous = app.conf.task_always_eager
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=True)
    try:
        yield
    finally:
        app.conf.update(CELERY_TASK_ALWAYS_EAGER=previous)


@pytest.fixture(scope="session")
def built_forms():
    """The committed workbooks built once per run with ODK Validate (needs Java)."""
    import shutil

    from bma.xforms.build import xlsform_build
    from bma.xforms.workbooks import FORMS, FORMS_DIR

    require(shutil.which("java") is not None, "ODK Validate needs Java (apt-get install default-jre-headless)")
    return {name: xlsform_build((FORMS_DIR / name).read_bytes(), name) for name in FORMS}


@pytest.fixture(scope="session")
def legacy_b1(built_forms):
    """The B1 published before it read the villages entity list (workbooks.B1_CSV_VERSION)."""
    from bma.xforms.build import xlsform_build
    from bma.xforms.workbooks import b1_csv_workbook_bytes

    return xlsform_build(b1_csv_workbook_bytes(), "b1_district.xlsx")


@pytest.fixture
def published_forms(db, built_forms, legacy_b1):
    """B1, B2 and the spot-check form published, as after `manage.py publish_forms`; the B1 and spot
    check published before the entity list first, as on a server that had them (tablets may still send them)."""
    from bma.xforms.build import xlsform_build
    from bma.xforms.services import form_publish
    from bma.xforms.workbooks import spot_check_legacy_workbook_bytes

    form_publish(legacy_b1, b"")
    form_publish(xlsform_build(spot_check_legacy_workbook_bytes(), "spot_check.xlsx"), b"")
    return {built.form_id: form_publish(built, b"")[0] for built in built_forms.values()}


@pytest.fixture
def demo_data(db, settings, built_forms):
    """What `make demo-data` leaves, on the test database: the same commands, a smaller round.

    The demo logins (demo_users.DEMO_ACCOUNTS) exist: `enumerator` collects in Asht."""
    import io

    from django.core.management import call_command

    settings.DEBUG = True  # demo_users refuses to print passwords otherwise
    for command in (["sync_roles"], ["load_gazetteer", "--demo-villages"], ["demo_users"], ["publish_forms"]):
        call_command(*command, stdout=io.StringIO())
    call_command("demo_round", "--communities", "120", "--seed", "5", stdout=io.StringIO())


# --- Submissions sent through the real intake ------------------------------------------------------

SUBMISSION_FIXTURES = REPO_ROOT / "tests" / "assessments" / "fixtures"


@pytest.fixture
def receive(personas, published_forms, django_capture_on_commit_callbacks, tasks_in_process):
    """Send a fixture submission (tests/assessments/fixtures) through intake and processing, in-process."""
    from bma.submissions.services import submission_receive

    def send(name, replace=None):
        payload = (SUBMISSION_FIXTURES / name).read_text(encoding="utf-8")
        for old, new in (replace or {}).items():
            payload = payload.replace(old, new)
        with django_capture_on_commit_callbacks(execute=True):
            result = submission_receive(payload=payload.encode(), files=[], user=personas.enumerator)
        result.submission.refresh_from_db()
        return result.submission

    return send


@pytest.fixture
def two_villages(receive, personas):
    """Two approved B2 assessments in Asht (Oshoba and Shaydon), as the report tests use them."""
    from bma.assessments import models as am

    receive("b2_2026112202.xml")
    receive(
        "b2_2026112202.xml",
        {
            "uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:v2",
            "<village>V-ASH-0001</village>": "<village>V-ASH-0002</village>",
            "<imw_present>yes</imw_present>": "<imw_present>no</imw_present>",
            "<ki_sex>male</ki_sex>": "<ki_sex>female</ki_sex>",
            "<svc_clinic>yes</svc_clinic>": "<svc_clinic>no</svc_clinic><svc_clinic_distance>6_10</svc_clinic_distance>"
            "<svc_clinic_households>300</svc_clinic_households>",
        },
    )
    am.VillageAssessment.objects.update(review_state=am.ReviewState.APPROVED)
    return personas.round


@pytest.fixture
def unclear(receive, personas):
    """'Yangiobod', referred from Oshoba (Asht) to Panj, where two villages bear that name: one 11 km from
    Oshoba by the gazetteer's coordinates, the other with no coordinates; and Navobod, 56 km away."""
    from decimal import Decimal

    from bma.geo.models import Settlement
    from bma.referrals.models import MatchState, PlanReason, ReferralMatch

    panj = personas.geo.panj
    Settlement.objects.filter(code="V-ASH-0001").update(latitude=Decimal("37.5"), longitude=Decimal("69.5"))
    factories.make_village("V-PAN-0101", panj, "Yangiobod", name_ru="Янгиабад", latitude=37.6, longitude=69.5)
    factories.make_village("V-PAN-0102", panj, "Yangiobod", name_ru="Янгиобод")
    factories.make_village("V-PAN-0103", panj, "Navobod", name_ru="Навобод", latitude=38.0, longitude=69.5)
    receive("b2_2026112202.xml")
    match = ReferralMatch.objects.get(reason=PlanReason.REFERRAL)
    assert match.state == MatchState.PENDING
    return match


def pytest_configure(config):
    """The ru/tg catalogues compiled in Python, as `make translations` does (no GNU gettext needed)."""
    from bma.core.translations import compile_catalogues

    compile_catalogues()
