"""Backups restore the database and the media files as they were; the newest N are kept."""

import datetime as dt
import io
import json
import shutil
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bma.core import backup
from bma.rounds.models import Round
from tests import factories

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql" or shutil.which("pg_dump") is None,
    reason="pg_dump and pg_restore work on PostgreSQL only",
)


def fake_backup(folder, name):
    (folder / name).mkdir(parents=True)
    (folder / name / backup.MANIFEST).write_text("{}")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_brings_back_the_database_and_the_media_as_they_were_backed_up(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    published = settings.MEDIA_ROOT / "published" / "round-2" / "report.pdf"
    published.parent.mkdir(parents=True)
    published.write_bytes(b"%PDF-1.7 the published report")
    factories.make_round(number=2, name="Round two")
    call_command("backup", dir=str(tmp_path / "backups"), keep=3, stdout=io.StringIO())
    [name] = backup.backup_list(tmp_path / "backups")

    # Everything changes after the backup: a round deleted, another made, the file rewritten, one added.
    Round.objects.all().delete()
    factories.make_round(number=3, name="Made after the backup")
    published.write_bytes(b"changed")
    (settings.MEDIA_ROOT / "exports").mkdir()
    (settings.MEDIA_ROOT / "exports" / "later.xlsx").write_bytes(b"later")

    out = io.StringIO()
    call_command("restore", name, dir=str(tmp_path / "backups"), stdout=out)
    assert f"restored {name}" in out.getvalue()
    assert list(Round.objects.values_list("number", "name")) == [(2, "Round two")]
    assert published.read_bytes() == b"%PDF-1.7 the published report"
    assert sorted(p.relative_to(settings.MEDIA_ROOT).as_posix() for p in settings.MEDIA_ROOT.rglob("*")) == [
        "published",
        "published/round-2",
        "published/round-2/report.pdf",
    ]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_backups_beyond_the_newest_n_are_deleted_after_each_backup(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "backups"
    for name in ("bma-20260101T023000Z", "bma-20260102T023000Z", "bma-20260103T023000Z"):
        fake_backup(folder, name)
    (folder / ".bma-20260104T023000Z.partial").mkdir()  # an interrupted one
    call_command("backup", dir=str(folder), keep=2, stdout=io.StringIO())
    names = backup.backup_list(folder)
    assert len(names) == 2 and names[0] == "bma-20260103T023000Z"
    assert not list(folder.glob(".*.partial"))


def test_prune_keeps_the_newest_and_ignores_what_is_not_a_complete_backup(tmp_path):
    for name in ("bma-20260101T000000Z", "bma-20260102T000000Z", "bma-20260103T000000Z"):
        fake_backup(tmp_path, name)
    (tmp_path / "bma-20260104T000000Z").mkdir()  # no manifest: incomplete, never counted
    (tmp_path / "notes").mkdir()
    assert backup.backup_prune(tmp_path, keep=1) == ["bma-20260101T000000Z", "bma-20260102T000000Z"]
    assert backup.backup_list(tmp_path) == ["bma-20260103T000000Z"]
    assert (tmp_path / "notes").is_dir()
    with pytest.raises(backup.BackupError):
        backup.backup_prune(tmp_path, keep=0)


def make_backup_files(path, members):
    path.mkdir()
    (path / backup.DUMP).write_bytes(b"dump")
    with tarfile.open(path / backup.MEDIA, "w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    manifest = {
        name: {"file": f, "sha256": backup._sha256(path / f)}
        for name, f in (("database", backup.DUMP), ("media", backup.MEDIA))
    }
    (path / backup.MANIFEST).write_text(json.dumps(manifest))


def test_a_damaged_backup_is_refused_before_anything_is_replaced(tmp_path):
    make_backup_files(tmp_path / "b", [])
    (tmp_path / "b" / backup.DUMP).write_bytes(b"truncated")
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.backup_verify(tmp_path / "b")


def test_a_media_archive_writing_outside_the_media_folder_is_refused(tmp_path):
    evil = tarfile.TarInfo("../outside.txt")
    evil.size = 4
    make_backup_files(tmp_path / "b", [(evil, b"evil")])
    (tmp_path / "media").mkdir()
    with pytest.raises(backup.BackupError, match="unsafe"):
        backup._media_restore(tmp_path / "b" / backup.MEDIA, tmp_path / "media")
    assert not (tmp_path / "outside.txt").exists()


def test_restoring_an_unknown_backup_names_the_folder(tmp_path):
    with pytest.raises(CommandError, match="There is no backup"):
        call_command("restore", "latest", dir=str(tmp_path))


UTC = dt.UTC


@pytest.mark.parametrize(
    "schedule, now, last, due",
    [
        ("02:30", dt.datetime(2026, 5, 1, 1, 0, tzinfo=UTC), None, dt.datetime(2026, 5, 1, 2, 30, tzinfo=UTC)),
        ("02:30", dt.datetime(2026, 5, 1, 3, 0, tzinfo=UTC), None, dt.datetime(2026, 5, 2, 2, 30, tzinfo=UTC)),
        ("6h", dt.datetime(2026, 5, 1, 3, 0, tzinfo=UTC), None, dt.datetime(2026, 5, 1, 3, 0, tzinfo=UTC)),
        (
            "6h",
            dt.datetime(2026, 5, 1, 3, 0, tzinfo=UTC),
            dt.datetime(2026, 5, 1, 1, 0, tzinfo=UTC),
            dt.datetime(2026, 5, 1, 7, 0, tzinfo=UTC),
        ),
        (
            "30m",
            dt.datetime(2026, 5, 1, 3, 0, tzinfo=UTC),
            dt.datetime(2026, 5, 1, 1, 0, tzinfo=UTC),
            dt.datetime(2026, 5, 1, 3, 0, tzinfo=UTC),
        ),
    ],
)
def test_the_schedule_is_a_daily_time_or_an_interval_since_the_last_backup(schedule, now, last, due):
    assert backup.backup_next_run(schedule, now, last) == due


def test_a_bad_schedule_says_how_to_write_one():
    with pytest.raises(backup.BackupError, match="HH:MM"):
        backup.backup_next_run("daily", dt.datetime(2026, 5, 1, tzinfo=UTC))
