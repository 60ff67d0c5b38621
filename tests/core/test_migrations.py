"""Migrations hold the schema, not the labels; every app's history is squashed, and a missing migration
fails `make lint` (makemigrations --check)."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

from bma.core.autodetector import LabelFreeAutodetector

BMA_APPS = ("core", "geo", "rounds", "xforms", "submissions", "assessments", "referrals", "validation", "exports")


def changes_after(alter) -> dict:
    """What makemigrations would write if the models were as ``alter`` leaves the current state."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    to_state = ProjectState.from_apps(global_apps)
    alter(to_state.models[("geo", "adminarea")])
    return LabelFreeAutodetector(loader.project_state(), to_state).changes(graph=loader.graph)


def _replace_field(model_state, name: str, **changes):
    _, _, args, kwargs = model_state.fields[name].deconstruct()
    model_state.fields[name] = model_state.fields[name].__class__(*args, **(kwargs | changes))


def test_a_label_help_text_or_choice_change_makes_no_migration():
    def relabel(model_state):
        _replace_field(model_state, "kind", verbose_name="sort of area", choices=[("x", "An area of another kind")])
        _replace_field(model_state, "pcode", help_text="Another help text")
        model_state.options["verbose_name"] = "administrative unit"

    assert changes_after(relabel) == {}


def test_a_schema_change_still_makes_a_migration_and_it_carries_no_label():
    def widen(model_state):
        _replace_field(model_state, "kind", max_length=40, verbose_name="sort of area")

    changes = changes_after(widen)
    [migration] = changes["geo"]
    [operation] = migration.operations
    assert isinstance(operation, migrations.AlterField)
    assert operation.field.max_length == 40
    assert "verbose_name" not in operation.field.deconstruct()[3]
    assert "choices" not in operation.field.deconstruct()[3]


def test_the_models_keep_their_choices_for_validation():
    from django.core.exceptions import ValidationError

    from bma.geo.models import AdminArea

    field = AdminArea._meta.get_field("kind")
    assert field.choices and str(field.verbose_name)
    with pytest.raises(ValidationError):
        field.clean("not-a-kind", AdminArea())


@pytest.mark.django_db
def test_makemigrations_check_passes_on_the_repository_and_fails_on_a_missing_migration():
    """`make lint` runs this command: it exits 1 when a model change has no migration."""
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())
    real_from_apps = ProjectState.from_apps

    def with_a_new_field(apps):
        state = real_from_apps(apps)
        state.models[("geo", "adminarea")].fields["remark"] = models.TextField(blank=True, default="")
        return state

    out = io.StringIO()
    with mock.patch.object(ProjectState, "from_apps", with_a_new_field), pytest.raises(SystemExit) as exited:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert exited.value.code == 1
    assert "Add field remark to adminarea" in out.getvalue()


def test_migrate_and_makemigrations_agree_on_the_autodetector():
    from django.core.management import load_command_class

    assert load_command_class("bma.core", "migrate").autodetector is LabelFreeAutodetector
    assert load_command_class("bma.core", "makemigrations").autodetector is LabelFreeAutodetector
    call_command("check", stdout=io.StringIO())  # commands.E001 when they disagree


def test_each_app_has_one_squashed_migration_replacing_its_whole_history():
    loader = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False)
    for app in BMA_APPS:
        on_disk = sorted(name for label, name in loader.disk_migrations if label == app)
        squashes = [name for name in on_disk if "_squashed_" in name]
        assert len(squashes) == 1, (app, squashes)
        replaced = {name for _, name in loader.disk_migrations[(app, squashes[0])].replaces}
        # Everything before the squash's last replaced migration is replaced, so the kept files are the
        # upgrade path of a deployed database and nothing else.
        last = squashes[0].split("_squashed_")[1]
        assert replaced == {name for name in on_disk if name != squashes[0] and name <= last}, app


class _Loader(MigrationLoader):
    """The project's migrations plus one that a branch made against the last migration before the squash."""

    def load_disk(self):
        super().load_disk()

        class Throwaway(migrations.Migration):
            dependencies = [("assessments", "0010_purge_exports"), ("submissions", "0010_central_facts")]
            operations = []

        self.disk_migrations[("assessments", "9999_h7_throwaway")] = Throwaway("9999_h7_throwaway", "assessments")


def _plan_with_applied(applied: set) -> list:
    records = {key: object() for key in applied}
    with mock.patch.object(MigrationRecorder, "applied_migrations", return_value=records):
        loader = _Loader(connection)
    return [key for key in loader.graph.forwards_plan(("assessments", "9999_h7_throwaway")) if key not in applied]


@pytest.mark.django_db
def test_a_migration_on_a_replaced_leaf_follows_the_squash_on_a_new_database_and_the_chain_on_an_old_one():
    new = _plan_with_applied(set())
    assert ("assessments", "0001_squashed_0010_purge_exports") in new
    assert ("submissions", "0001_squashed_0010_central_facts") in new
    assert ("assessments", "0010_purge_exports") not in new
    # A database deployed before the squash, every old migration applied: only the new one to run.
    chain = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False).graph
    deployed = {key for key in chain.leaf_nodes() for key in chain.forwards_plan(key)}
    assert _plan_with_applied(deployed) == [("assessments", "9999_h7_throwaway")]
    # One deployed while assessments stood at 0007: the rest of the old chain, then the new migration.
    partly = {key for key in deployed if key[0] != "assessments" or key[1][:4] <= "0007"}
    old = _plan_with_applied(partly)
    assert [key for key in old if key[0] == "assessments"] == [
        ("assessments", "0008_translatable_names"),
        ("assessments", "0009_counted_visit"),
        ("assessments", "0010_purge_exports"),
        ("assessments", "9999_h7_throwaway"),
    ]


def schema_summary(conn) -> dict:
    """Each table's columns and constraints as Django reads them back, without the constraints' names."""
    summary = {}
    with conn.cursor() as cursor:
        for table in sorted(conn.introspection.table_names(cursor)):
            columns = sorted(
                [c.name, str(c.type_code), bool(c.null_ok)]
                for c in conn.introspection.get_table_description(cursor, table)
            )
            constraints = sorted(
                [
                    list(c["columns"] or []),
                    bool(c["primary_key"]),
                    bool(c["unique"]),
                    bool(c["index"]),
                    bool(c["check"]),
                    list(c["foreign_key"] or []),
                    str(c.get("type") or ""),
                ]
                for c in conn.introspection.get_constraints(cursor, table).values()
            )
            summary[table] = {"columns": columns, "constraints": constraints}
    return summary


HALFWAY = [
    ("assessments", "0007_contact_purge"),
    ("exports", "0004_published_reports"),
    ("submissions", "0005_pull_sources"),
]

UPGRADE_FROM_HALFWAY = f"""
import json, django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

executor = MigrationExecutor(connection)
executor.loader = MigrationLoader(connection, replace_migrations=False)  # the old chain, as deployed then
executor.migrate({HALFWAY!r})
call_command("migrate", verbosity=0)
from tests.core.test_migrations import schema_summary
print(json.dumps(schema_summary(connection)))
"""


@pytest.fixture
def scratch_database_url(tmp_path, settings):
    """A database of the test's own, empty: a file on SQLite, a database of its own on PostgreSQL."""
    import os
    import sys

    if not settings.IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'halfway.sqlite3'}"
        return
    from tests.conftest import REPO_ROOT

    sys.path.insert(0, str(REPO_ROOT / "tests" / "fixtures" / "upgrade"))
    import make_fixture

    base, name = os.environ["DATABASE_URL"], f"bma_halfway_{os.getpid()}"
    make_fixture.database_recreate(base, name)
    try:
        yield make_fixture.with_database(base, name)
    finally:
        make_fixture.database_drop(base, name)


@pytest.mark.slow
@pytest.mark.django_db
def test_a_database_deployed_halfway_through_the_old_chain_migrates_to_the_squashed_schema(scratch_database_url):
    """Deployed when assessments stood at 0007 (exports at 0004, submissions at 0005): `migrate` finishes
    the old chain of those apps and records the squashes; the schema is the one a new database gets."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    done = subprocess.run(
        [sys.executable, "-c", UPGRADE_FROM_HALFWAY],
        env=env | {"DATABASE_URL": scratch_database_url, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    upgraded = json.loads(done.stdout)
    fresh = schema_summary(connection)
    assert upgraded.keys() == fresh.keys()
    for table in fresh:
        assert upgraded[table] == fresh[table], table
