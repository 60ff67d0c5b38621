"""Benchmark: backup and restore (bma.core.backup) of a 100,000-village round.

Usage: .venv/bin/python benchmarks/backup_restore.py [VILLAGES] [--media-mb M] [--jobs J] [--keep]
       (defaults: 100,000 villages; 200 MB of media files; 2 pg_restore jobs)

PostgreSQL (DATABASE_URL), pg_dump and pg_restore on PATH. Builds the round as benchmarks/exports.py does
(typed assessments inserted in bulk: several minutes for 100,000; --keep keeps the database,
bma_benchmark_backup_<VILLAGES>, for the next run), writes M MB of incompressible media files (published
PDFs and photos do not compress), then times `backup_create` (pg_dump custom format + the media archive)
and `backup_restore` (drop the schema, pg_restore, replace the media) and checks the row counts came back.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from benchmarks.requirements import require_postgresql, require_program  # noqa: E402

if __name__ == "__main__":
    require_postgresql(os.environ.get("DATABASE_URL", ""), "backups are pg_dump archives")
    require_program("pg_dump", "the backup")
    require_program("pg_restore", "the restore")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402

from benchmarks.throwaway import benchmark_database  # noqa: E402


def counts() -> dict[str, int]:
    from bma.assessments.models import PopulationFigure, VillageAssessment, YearlyFigure
    from bma.geo.models import Settlement
    from bma.submissions.models import Submission

    return {
        model.__name__: model.objects.count()
        for model in (Settlement, Submission, VillageAssessment, PopulationFigure, YearlyFigure)
    }


def main() -> None:
    import argparse

    from benchmarks.exports import populate
    from bma.core import backup
    from bma.rounds.models import Round

    parser = argparse.ArgumentParser()
    parser.add_argument("villages", type=int, nargs="?", default=100_000)
    parser.add_argument("--media-mb", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    name = f"bma_benchmark_backup_{args.villages}" if args.keep else None
    with benchmark_database(keep_as=name), tempfile.TemporaryDirectory() as tmp:
        if not (args.keep and Round.objects.exists()):
            started = time.perf_counter()
            populate(args.villages)
            print(f"{args.villages:,} villages inserted in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        before = counts()
        media = Path(tmp) / "media"
        for i in range(args.media_mb):
            path = media / "published" / f"round-{i // 50}" / f"file-{i}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(1 << 20))
        database = backup.Database.from_settings(connection.settings_dict)
        folder = Path(tmp) / "backups"

        started = time.perf_counter()
        made = backup.backup_create(folder, database=database, media_root=media, keep=2, now=dt.datetime.now(dt.UTC))
        took_backup = time.perf_counter() - started
        manifest = backup.backup_verify(made)
        print(
            f"database {size} on disk, {before['Settlement']:,} villages; backup in {took_backup:.1f} s: "
            f"dump {manifest['database']['bytes'] / 1e6:.0f} MB, media {manifest['media']['bytes'] / 1e6:.0f} MB"
        )

        connections.close_all()
        started = time.perf_counter()
        backup.backup_restore(made, database=database, media_root=media, jobs=args.jobs)
        took_restore = time.perf_counter() - started
        after = counts()
        assert after == before, (before, after)
        print(f"restore (pg_restore --jobs={args.jobs}, media replaced) in {took_restore:.1f} s; row counts match")


if __name__ == "__main__":
    main()
