"""Who holds a processing claim, and whether that holder is still alive.

A worker marks the submissions it takes as *processing* in a transaction of its own, so the state is
true while it works and each claim counts as an attempt (a submission that kills its worker every
time must run out of attempts, not loop). A worker that dies then leaves its rows in processing. The
stuck timer (BMA_PROCESSING_STUCK_SECONDS) used to be the only way back, a quarter of an hour later,
and the task Celery redelivers at once (acks_late + reject_on_worker_lost) skipped the rows because
they were no longer waiting.

So each claim carries a token, and the claiming worker holds a *session-level* PostgreSQL advisory
lock on that token from before the claim commits until its rows are marked. The lock lives exactly as
long as the worker's database session: PostgreSQL drops it when the worker process dies (its socket
closes and the backend exits), when the connection is killed (pg_terminate_backend) and when the
server restarts. Anyone can ask pg_locks whether a token is still held; rows whose token is free have
lost their claimer and are released at once by the next processing task (the redelivered one, or the
one the restarted worker asks for) and by the sweeper. Why not a heartbeat column or host+pid: a pid
cannot be checked from another host, and a heartbeat needs a timeout, which is the delay we remove.
Why not keep the claim's row locks open for the whole batch: a dead worker would then roll its
attempt count back with it, and the rows would not show as processing to anyone else.

Every write a claimer makes afterwards is filtered by its own token, so a worker that lost its
session (and so its claim) can never overwrite a row that another worker has since taken up.

SQLite (the embedded default, tasks in-process) has no advisory locks and no separate worker
process: a claim there always counts as alive and the stuck timer stays the way back.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket

from django.db import DatabaseError, connection

# The first key of the two-key advisory lock form. PostgreSQL keeps one-key (bigint) and two-key locks
# in separate spaces, so these never meet the district locks of bma.core.db.advisory_locks.
CLAIM_LOCK_SPACE = 0x626D61  # "bma"


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def claimer_name() -> str:
    """Shown on the row while it is processing: which worker process holds it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _new_token() -> int:
    return secrets.randbelow(2**31 - 2) + 1  # a positive int4: pg_locks shows the key as an oid


@contextlib.contextmanager
def claim_session():
    """A fresh claim token whose advisory lock this session holds until the block ends."""
    if not _postgres():
        yield _new_token()
        return
    while True:
        token = _new_token()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [CLAIM_LOCK_SPACE, token])
            if cursor.fetchone()[0]:
                break  # else another live claim drew the same number: draw again
    try:
        yield token
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [CLAIM_LOCK_SPACE, token])
        except DatabaseError:
            pass  # the session is gone, and its lock with it


def claims_alive(tokens) -> set[int]:
    """The tokens whose advisory lock some session of this database still holds."""
    tokens = sorted({int(t) for t in tokens if t is not None})
    if not tokens:
        return set()
    if not _postgres():
        return set(tokens)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT objid::bigint FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 2
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid::bigint = %s AND objid::bigint = ANY(%s::bigint[])
            """,
            [CLAIM_LOCK_SPACE, tokens],
        )
        return {row[0] for row in cursor.fetchall()}
