"""Backups of the whole server: the PostgreSQL database and the media files, restored together.

A backup is a folder ``bma-YYYYMMDDTHHMMSSZ`` holding ``database.dump`` (pg_dump's custom format: one
consistent snapshot, whatever is written meanwhile), ``media.tar`` (published PDFs and workbooks, raw
submissions' attachments, exports), and ``manifest.json`` (sizes and SHA-256 of both, written last).
It is made under a hidden ``.partial`` name and renamed when complete, so an interrupted backup is never
listed, restored or counted against the ones kept. The media are read after the dump: every file the
dumped rows point at (published files by hash, attachments) was already written.

Restore replaces everything: the database's ``public`` schema is dropped and the dump restored into it,
and the media folder's content is replaced by the archive's. The services that write (web, workers,
beat) are stopped first; the restore ends other sessions on the database so it cannot wait on them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

NAME_PATTERN = re.compile(r"^bma-\d{8}T\d{6}Z$")
DUMP = "database.dump"
MEDIA = "media.tar"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the administrator."""


@dataclass(frozen=True)
class Database:
    """Where pg_dump and pg_restore connect: the fields of Django's DATABASES entry they need."""

    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict) -> Database:
        if not settings_dict["ENGINE"].startswith("django.db.backends.postgresql"):
            raise BackupError("Backups need PostgreSQL (DATABASE_URL); the embedded SQLite file is copied by hand.")
        return cls(
            name=str(settings_dict["NAME"]),
            host=settings_dict.get("HOST") or "",
            port=str(settings_dict.get("PORT") or ""),
            user=settings_dict.get("USER") or "",
            password=settings_dict.get("PASSWORD") or "",
        )

    def environ(self) -> dict[str, str]:
        """libpq's variables: the password never appears on a command line (ps would show it)."""
        env = {**os.environ, "PGDATABASE": self.name}
        for key, value in (("PGHOST", self.host), ("PGPORT", self.port), ("PGUSER", self.user)):
            if value:
                env[key] = value
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def backup_name(now: dt.datetime) -> str:
    return f"bma-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


def backup_list(folder: Path) -> list[str]:
    """Complete backups in ``folder``, oldest first (the names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if NAME_PATTERN.match(p.name) and (p / MANIFEST).is_file())


def backup_prune(folder: Path, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest complete backups, and leftovers of interrupted ones; the removed names."""
    if keep < 1:
        raise BackupError("BMA_BACKUP_KEEP must be at least 1.")
    names = backup_list(folder)
    removed = names[:-keep]
    for name in removed:
        shutil.rmtree(folder / name)
    for leftover in folder.glob(".bma-*.partial"):
        shutil.rmtree(leftover, ignore_errors=True)
    return removed


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _run(args: list[str], database: Database) -> None:
    result = subprocess.run(args, env=database.environ(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip() or result.returncode}")


def backup_create(folder: Path, *, database: Database, media_root: Path, keep: int, now: dt.datetime) -> Path:
    """One backup in ``folder``, then the oldest pruned so ``keep`` remain; the new backup's path."""
    folder.mkdir(parents=True, exist_ok=True)
    name = backup_name(now)
    if (folder / name).exists():
        raise BackupError(f"{folder / name} exists already.")
    partial = folder / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    try:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial / DUMP}"], database)
        files = 0
        with tarfile.open(partial / MEDIA, "w") as tar:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file() and not path.is_symlink():
                        tar.add(path, arcname=path.relative_to(media_root).as_posix(), recursive=False)
                        files += 1
        manifest = {
            "name": name,
            "created": now.astimezone(dt.UTC).isoformat(),
            "database": {"file": DUMP, "bytes": (partial / DUMP).stat().st_size, "sha256": _sha256(partial / DUMP)},
            "media": {
                "file": MEDIA,
                "files": files,
                "bytes": (partial / MEDIA).stat().st_size,
                "sha256": _sha256(partial / MEDIA),
            },
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        partial.rename(folder / name)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    backup_prune(folder, keep)
    return folder / name


def backup_verify(path: Path) -> dict:
    """The manifest of a complete backup whose files match it; BackupError otherwise."""
    if not (path / MANIFEST).is_file():
        raise BackupError(f"{path} is not a complete backup (no {MANIFEST}).")
    manifest = json.loads((path / MANIFEST).read_text())
    for part in ("database", "media"):
        entry = manifest[part]
        if not (path / entry["file"]).is_file() or _sha256(path / entry["file"]) != entry["sha256"]:
            raise BackupError(f"{path / entry['file']} is missing or damaged (its SHA-256 differs from the manifest).")
    return manifest


def _safe_members(tar: tarfile.TarFile):
    """Regular files and folders inside the archive's root only: a crafted archive writes nowhere else."""
    for member in tar.getmembers():
        parts = PurePosixPath(member.name).parts
        if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"The media archive holds an unsafe entry: {member.name!r}.")
        yield member


def _media_restore(archive: Path, media_root: Path) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    for child in media_root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    owner = media_root.stat()
    count = 0
    with tarfile.open(archive) as tar:
        for member in _safe_members(tar):
            tar.extract(member, media_root, set_attrs=True, numeric_owner=True)
            count += member.isfile()
    if os.geteuid() == 0:
        # Run as root (the compose backup service): the files belong to whoever owns the media folder,
        # the app's user, whatever user ids the archive was made with.
        for path in [media_root, *media_root.rglob("*")]:
            os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)
    return count


def backup_restore(path: Path, *, database: Database, media_root: Path, jobs: int = 2) -> dict:
    """Replace the database and the media folder with the backup at ``path``; its manifest."""
    manifest = backup_verify(path)
    import psycopg

    with psycopg.connect(
        dbname=database.name,
        host=database.host or None,
        port=database.port or None,
        user=database.user or None,
        password=database.password or None,
        autocommit=True,
    ) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--jobs={max(1, jobs)}",
            f"--dbname={database.name}",
            str(path / DUMP),
        ],
        database,
    )
    _media_restore(path / MEDIA, media_root)
    return manifest


# --- Schedule: "HH:MM" (every day at that time, UTC) or an interval "30m", "6h", "1d".
SCHEDULE_PATTERN = re.compile(r"^(?:(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)|(?P<count>\d+)(?P<unit>[mhd]))$")


def backup_next_run(schedule: str, now: dt.datetime, last: dt.datetime | None = None) -> dt.datetime:
    """When the next backup is due after ``now`` (``last``: when the newest backup was made, for intervals)."""
    match = SCHEDULE_PATTERN.match(schedule.strip())
    if not match:
        raise BackupError(
            f"BMA_BACKUP_SCHEDULE={schedule!r}: write HH:MM (daily, UTC) or an interval like 6h, 30m, 1d."
        )
    if match["hour"] is not None:
        due = now.astimezone(dt.UTC).replace(
            hour=int(match["hour"]), minute=int(match["minute"]), second=0, microsecond=0
        )
        return due if due > now else due + dt.timedelta(days=1)
    step = dt.timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[match["unit"]]: int(match["count"])})
    if step < dt.timedelta(minutes=1):
        raise BackupError("BMA_BACKUP_SCHEDULE: an interval of at least 1m.")
    return max(now, last + step) if last else now


def backup_time(name: str) -> dt.datetime:
    return dt.datetime.strptime(name, "bma-%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
