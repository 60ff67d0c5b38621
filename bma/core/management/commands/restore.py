"""Replace the database and the media files with a backup made by `manage.py backup`.

Stop web, the workers and beat first (`docker compose stop web worker worker-exports worker-pulls beat`);
start them again after. `latest` names the newest backup in the folder.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from bma.core import backup
from bma.core.cache_versions import cache_forget_all
from bma.core.management.commands.backup import backup_folder


class Command(BaseCommand):
    help = "Restore the database and the media files from a backup (everything there now is replaced)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the backup's name (bma-YYYYMMDDTHHMMSSZ, see backup --list) or 'latest'")
        parser.add_argument("--dir", help="the backup folder (default: BMA_BACKUP_DIR, else /backups)")
        parser.add_argument("--jobs", type=int, default=2, help="parallel pg_restore jobs (default 2)")

    def handle(self, *args, name, dir=None, jobs=2, **options):
        folder = backup_folder(dir)
        if name == "latest":
            names = backup.backup_list(folder)
            if not names:
                raise CommandError(f"There is no backup in {folder}.")
            name = names[-1]
        path = folder / name
        if not path.is_dir():
            raise CommandError(f"There is no backup {name} in {folder} (see: manage.py backup --list).")
        started = time.monotonic()
        database = backup.Database.from_settings(connection.settings_dict)
        connections.close_all()  # the restore ends every other session; this one would only break
        try:
            manifest = backup.backup_restore(path, database=database, media_root=Path(settings.MEDIA_ROOT), jobs=jobs)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        # Cached figures describe the database that was replaced.
        cache_forget_all()
        self.stdout.write(
            f"restored {name} (made {manifest['created']}) in {time.monotonic() - started:.1f} s: "
            f"database and {manifest['media']['files']} media files"
        )
