"""An upgrade from a deployed schema: a database as it stood before the migrations were squashed, with a
published round and an open round in it, migrated to head, gives the same report figures and the same
published files (tests/fixtures/upgrade/make_fixture.py says how the fixture was made)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "upgrade"
sys.path.insert(0, str(FIXTURE))
import make_fixture  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="the fixture is a PostgreSQL dump of a deployed database (production runs PostgreSQL); "
        "set DATABASE_URL to run it",
    ),
]


@pytest.fixture
def upgraded(tmp_path):
    """The dump loaded into a database of its own, the published files into a media folder of their own,
    then ``migrate`` to head and the figures read back, in another process (the settings of a server)."""
    base = os.environ["DATABASE_URL"]
    name = f"bma_upgrade_{os.getpid()}"
    make_fixture.database_recreate(base, name)
    try:
        url = make_fixture.with_database(base, name)
        make_fixture.dump_load(url, FIXTURE / "dump.sql.gz")
        media = tmp_path / "media"
        shutil.copytree(FIXTURE / "media", media)
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL"}}
        done = subprocess.run(
            [sys.executable, str(FIXTURE / "make_fixture.py"), "--upgrade"],
            env=env | {"DATABASE_URL": url, "MEDIA_ROOT": str(media)},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        yield json.loads(done.stdout)
    finally:
        make_fixture.database_drop(base, name)


@pytest.mark.django_db
def test_a_deployed_database_migrates_to_head_with_the_same_figures_and_published_files(upgraded):
    expected = json.loads((FIXTURE / "expected.json").read_text())
    if os.environ.get("BMA_UPGRADE_RECORD_FIGURES") == "1":
        # A change to the report's figures on purpose (a new figure, a rule changed): record the live
        # figures anew. The published version and its files are never re-recorded: they stay as signed.
        expected["rounds"] = upgraded["rounds"]
        (FIXTURE / "expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        )
    # The published version: what was signed is what is stored, file for file.
    assert [(r["round"], r["version"]) for r in upgraded["published"]] == [(1, 1)]
    for report in upgraded["published"]:
        for kind, stored in report["files"].items():
            assert stored["stored"] == stored["recorded"], (report["round"], kind)
    assert upgraded["published"] == expected["published"]
    # The live report of both rounds (the published one, the open one with an assessment waiting), as
    # coordinators see it, with and without the unapproved.
    for number, figures in expected["rounds"].items():
        for view in ("approved", "with_unapproved"):
            assert upgraded["rounds"][number][view] == figures[view], (number, view)
    assert expected["rounds"]["2"]["with_unapproved"]["communities"] == 2
    assert expected["rounds"]["2"]["approved"]["communities"] == 1
    # The schema the old chain of migrations leads to is the one the squashed migrations build (this
    # test's own database was made by them).
    assert upgraded["schema"] == make_fixture.schema()
