"""Back up the database and the media files to a folder (BMA_BACKUP_DIR), keeping the newest BMA_BACKUP_KEEP.

The compose `backup` service runs `manage.py backup --loop`, which makes one at each time
BMA_BACKUP_SCHEDULE names; `manage.py backup` alone makes one now; `--list` shows what there is.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from bma.core import backup


def backup_folder(value: str | None) -> Path:
    return Path(value or os.environ.get("BMA_BACKUP_DIR") or "/backups")


class Command(BaseCommand):
    help = "Back up the PostgreSQL database (pg_dump custom format) and the media files, keeping the newest N."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="the backup folder (default: BMA_BACKUP_DIR, else /backups)")
        parser.add_argument(
            "--keep", type=int, default=None, help="how many backups to keep (default: BMA_BACKUP_KEEP, else 7)"
        )
        parser.add_argument("--list", action="store_true", help="list the backups there are, make none")
        parser.add_argument(
            "--loop",
            action="store_true",
            help="keep running, making one at each time BMA_BACKUP_SCHEDULE says (HH:MM UTC daily, or 6h, 30m, 1d)",
        )

    def handle(self, *args, dir=None, keep=None, list=False, loop=False, **options):
        folder = backup_folder(dir)
        if list:
            for name in backup.backup_list(folder):
                self.stdout.write(name)
            return
        keep = keep if keep is not None else int(os.environ.get("BMA_BACKUP_KEEP") or 7)
        if not loop:
            self._make(folder, keep)
            return
        schedule = os.environ.get("BMA_BACKUP_SCHEDULE") or "02:30"
        while True:
            names = backup.backup_list(folder)
            last = backup.backup_time(names[-1]) if names else None
            try:
                due = backup.backup_next_run(schedule, timezone.now(), last)
            except backup.BackupError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"next backup at {due:%Y-%m-%d %H:%M} UTC ({schedule}) into {folder}, keeping {keep}")
            self.stdout.flush()
            while (wait := (due - timezone.now()).total_seconds()) > 0:
                time.sleep(min(wait, 60))
            try:
                self._make(folder, keep)
            except CommandError as exc:
                # One failed backup (the database restarting) must not end the schedule: say so, try later.
                self.stderr.write(f"backup failed: {exc}")
                time.sleep(60)

    def _make(self, folder: Path, keep: int) -> None:
        started = time.monotonic()
        try:
            path = backup.backup_create(
                folder,
                database=backup.Database.from_settings(connection.settings_dict),
                media_root=Path(settings.MEDIA_ROOT),
                keep=keep,
                now=timezone.now(),
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = backup.backup_verify(path)
        self.stdout.write(
            f"backup {path.name} made in {time.monotonic() - started:.1f} s: database "
            f"{manifest['database']['bytes'] / 1e6:.1f} MB, {manifest['media']['files']} media files "
            f"({manifest['media']['bytes'] / 1e6:.1f} MB); kept {len(backup.backup_list(folder))} of at most {keep}"
        )
