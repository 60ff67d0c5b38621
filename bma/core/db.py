"""Database helpers: checked integer parameters, transient-error detection, ordered advisory locks.

Integer parameters that do not fit their column are refused, never wrapped.

With server-side binding (settings.py) Django wraps integer parameters in psycopg's Int2/Int4/Int8
and psycopg's C dumpers write them modulo 2**16/2**32/2**64: households = 4294967396 reached the
database as 100. These dumpers check the range first and raise psycopg.DataError, so the statement
fails and nothing stored changes. Registered once, globally, from CoreConfig.ready().
"""

from __future__ import annotations

import hashlib

import psycopg
from django.db import InterfaceError, OperationalError
from psycopg.adapt import Dumper
from psycopg.types import numeric

_RANGES = {
    numeric.Int2: (-(2**15), 2**15 - 1),
    numeric.Int4: (-(2**31), 2**31 - 1),
    numeric.Int8: (-(2**63), 2**63 - 1),
}


def _checked(base: type[Dumper], kind: type) -> type[Dumper]:
    low, high = _RANGES[kind]

    class Checked(base):  # type: ignore[misc, valid-type]
        def dump(self, obj):
            if not low <= int(obj) <= high:
                raise psycopg.DataError(
                    f"{int(obj)} is out of range for a {kind.__name__.lower()} column "
                    f"(allowed {low} to {high}); nothing was stored"
                )
            return super().dump(obj)

    Checked.__name__ = f"Checked{base.__name__}"
    return Checked


def register_checked_integers() -> None:
    adapters = psycopg.adapters
    for kind, text, binary in (
        (numeric.Int2, numeric.Int2Dumper, numeric.Int2BinaryDumper),
        (numeric.Int4, numeric.Int4Dumper, numeric.Int4BinaryDumper),
        (numeric.Int8, numeric.Int8Dumper, numeric.Int8BinaryDumper),
    ):
        adapters.register_dumper(kind, _checked(text, kind))
        adapters.register_dumper(kind, _checked(binary, kind))


# --- Transient database errors: worth retrying, unlike a fault in the data -------------------------

# SQLSTATEs that say "try again" rather than "this is wrong": serialization failure and deadlock
# (class 40), lost or refused connections (08), the server shutting down or not yet accepting
# connections (57P01-57P03), too many connections and other resource shortages (53), a lock wait
# that timed out (55P03).
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03", "55P03"})
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53"})
# SQLite: the database file is busy or locked by another writer.
SQLITE_BUSY_CODES = frozenset({5, 6})

# The Celery options of a task that retries, with backoff, when the database cannot be reached (tasks
# are acks_late by settings, so a worker lost mid-run has its task redelivered too).
RETRY_ON_DATABASE_ERRORS = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 5, "max_retries": 5}


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def transient_db_error(exc: BaseException) -> bool:
    """True for a database error that may well succeed when tried again (deadlock, database down...).

    Django wraps the driver's exception (django.db.OperationalError with the psycopg one as
    __cause__), so the chain is searched for the driver's SQLSTATE. A psycopg OperationalError or
    InterfaceError without one means the connection itself failed (refused, lost): transient too.
    """
    import sqlite3

    from django.db import InterfaceError as DjangoInterfaceError
    from django.db import OperationalError as DjangoOperationalError

    for error in _chain(exc):
        state = _sqlstate(error)
        if state:
            return state in TRANSIENT_SQLSTATES or state[:2] in TRANSIENT_SQLSTATE_CLASSES
        if isinstance(error, sqlite3.Error):
            return getattr(error, "sqlite_errorcode", None) in SQLITE_BUSY_CODES or "locked" in str(error)
        if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
            return True
    return isinstance(exc, DjangoOperationalError | DjangoInterfaceError) and exc.__cause__ is None


def advisory_lock_id(key: str) -> int:
    """A stable 64-bit lock key for a name (Python's hash() differs between processes)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def advisory_locks(keys) -> None:
    """Take transaction-scoped advisory locks on these keys, always in the same (sorted) order.

    Processing batches that touch the same districts then queue behind each other instead of
    locking rows in whatever order their submissions came: two workers cannot deadlock on shared
    villages, visit-plan entries or provisional villages. PostgreSQL only; SQLite has one writer.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    ids = sorted({advisory_lock_id(k) for k in keys})  # sorted, so the order is one
    if ids:
        with connection.cursor() as cursor:
            # unnest returns the elements in array order, so the locks are taken in sorted order.
            cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [ids])
