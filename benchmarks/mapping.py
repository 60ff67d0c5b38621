"""Benchmark: processing B2 submissions in one worker process, as the worker does it, on PostgreSQL.

Usage: .venv/bin/python benchmarks/mapping.py [N] [--same-village] [--profile]   (default N 2,000)

Needs PostgreSQL (DATABASE_URL=postgres://...): without it, it says so and exits 2. It builds a throw-away
test database with the published B2 form (built with ODK Validate: Java needed), a gazetteer of ten
districts with N villages between them (their entities made, as a loaded gazetteer has them), and N
stored B2 submissions made from the engine fixture, one per village, each referring to a village of the
next district by its typed name: half an existing village (an exact match), half one of 50 new names
(the first naming makes a provisional village, later ones find it). It then times the worker's runs
until none is left: each run is ``submission_process`` on the oldest waiting submission, which claims it
and up to BMA_PROCESSING_BATCH_SIZE - 1 others and does everything processing does: map, store the typed
rows, settle which visit counts, quality rules, spot-check comparison, referral matching and the visit
plan, entities, marking the rows processed.

--same-village: every B2 is the fixture itself, all visits of one village (the shape the benchmark had
  until issue 34): a stress case for settling and the duplicate-visit rule, not a round.
--profile: afterwards, one more batch under cProfile, with its queries counted by the step they ran in
  (printed, with the 25 most expensive functions); a separate run, so the timed figure is not disturbed.

Target (issue 34): at least 350 B2/s per worker process.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import os
import pstats
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from benchmarks.requirements import require_postgresql  # noqa: E402

FIXTURE = ROOT / "tests" / "assessments" / "fixtures" / "b2_2026112202.xml"
FIXTURE_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"
DISTRICTS = 10
NEW_NAMES = 50
PROFILE_FILE = f"/tmp/bma-mapping-{os.getpid()}.prof"


def main() -> None:
    require_postgresql(os.environ.get("DATABASE_URL", ""), "the figure is per worker on PostgreSQL")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument("--same-village", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from benchmarks.throwaway import benchmark_database

    with benchmark_database():
        run(args.n, same_village=args.same_village, profile=args.profile)


def setup(n: int, same_village: bool):
    """The round, the form, the gazetteer and the user; returns (version, round, user, villages)."""
    from bma.core.roles import roles_sync
    from bma.entities.services import village_entities_sync
    from bma.geo.models import AreaKind, Settlement
    from bma.xforms.build import xlsform_build
    from bma.xforms.services import form_publish
    from bma.xforms.workbooks import FORMS_DIR
    from tests import factories

    roles_sync()
    geo = factories.small_gazetteer()
    round_ = factories.make_round()
    user = factories.make_user("bench", "enumerator")
    factories.assign(user, geo["sughd"], round_, "enumerator")
    version, _ = form_publish(xlsform_build((FORMS_DIR / "b2_village.xlsx").read_bytes(), "b2_village.xlsx"), b"")
    villages: list[list[Settlement]] = []
    if not same_village:
        per_district = -(-n // DISTRICTS)
        for d in range(DISTRICTS):
            district = factories.make_area(f"TJ-SU-B{d:02}", AreaKind.DISTRICT, f"Bench {d}", geo["sughd"])
            rows = [
                Settlement(
                    code=f"V-B{d:02}-{v:05}",
                    area=district,
                    district=district,
                    name_en=f"Qishloq {d}-{v}",
                    latitude=40.78 + v / 100000,
                    longitude=70.79,
                )
                for v in range(per_district)
            ]
            villages.append(Settlement.objects.bulk_create(rows))  # the gazetteer import's way: no signal
        village_entities_sync()
    return version, round_, user, villages


def payloads(n: int, villages, same_village: bool) -> list[tuple[str, bytes]]:
    template = FIXTURE.read_text()
    out = []
    for k in range(n):
        instance_id = f"uuid:{uuid.uuid4()}"
        text = template.replace(FIXTURE_ID, instance_id)
        if not same_village:
            d = k % DISTRICTS
            village = villages[d][k // DISTRICTS]
            referred = villages[(d + 1) % DISTRICTS]
            name = referred[k % len(referred)].name_en if k % 2 else f"Yangi qishloq {k % NEW_NAMES}"
            text = (
                text.replace("<district>TJ-SU-ASH</district>", f"<district>{village.district.code}</district>")
                .replace("<village>V-ASH-0001</village>", f"<village>{village.code}</village>")
                .replace("B2 TJ-SU-ASH V-ASH-0001", f"B2 {village.district.code} {village.code}")
                .replace(
                    "<ref_district>TJ-KT-PAN</ref_district>",
                    f"<ref_district>{referred[0].district.code}</ref_district>",
                )
                .replace("Yangiobod", name)
            )
        out.append((instance_id, text.encode()))
    return out


def store(version, round_, user, items) -> None:
    from bma.submissions.models import ProcessingState, Submission

    Submission.objects.bulk_create(
        [
            Submission(
                form=version.form,
                form_version=version,
                round=round_,
                instance_id=instance_id,
                root_instance_id=instance_id,
                payload=payload,
                payload_sha256=hashlib.sha256(payload).hexdigest(),
                submitted_by=user,
                state=ProcessingState.RECEIVED,
            )
            for instance_id, payload in items
        ],
        batch_size=500,
    )


def backend_cpu_seconds(pid: int) -> float | None:
    """CPU time of the PostgreSQL backend serving this process, when the server runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def drain() -> tuple[int, float, float, float | None]:
    """As the worker runs since intake queues one request at a time: a run takes a batch of waiting
    submissions, then asks again while any are left. Returns (runs, seconds, the worker's CPU seconds,
    its database backend's CPU seconds or None): on a shared machine the wall-clock rate follows the
    other jobs' load, the CPU the work itself took much less so."""
    from django.db import connection

    from bma.pipeline.services import submission_process
    from bma.submissions.models import ProcessingState, Submission

    waiting = (
        Submission.objects.filter(state=ProcessingState.RECEIVED).order_by("created_at").values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    backend_before = backend_cpu_seconds(backend)
    runs, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while (next_id := waiting.first()) is not None:
        submission_process(next_id)
        runs += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    backend_after = backend_cpu_seconds(backend)
    database_cpu = backend_after - backend_before if backend_before is not None and backend_after is not None else None
    return runs, elapsed, cpu, database_cpu


@contextmanager
def gc_timed():
    """How often and how long the garbage collector ran meanwhile (it walks every object the process
    holds: a worker's long-lived Django state, not only the batch's)."""
    totals = {"count": 0, "seconds": 0.0, "full": 0, "full_seconds": 0.0}
    started = [0.0]

    def callback(phase, info):
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent = time.perf_counter() - started[0]
            totals["count"] += 1
            totals["seconds"] += spent
            if info["generation"] == 2:
                totals["full"] += 1
                totals["full_seconds"] += spent

    gc.callbacks.append(callback)
    try:
        yield totals
    finally:
        gc.callbacks.remove(callback)


def run(n: int, *, same_village: bool, profile: bool) -> None:
    from django.conf import settings
    from django.db import connection

    from bma.submissions.models import ProcessingState, Submission

    version, round_, user, villages = setup(n, same_village)
    store(version, round_, user, payloads(n, villages, same_village))
    load_before = os.getloadavg()[0]
    print(f"objects tracked by the collector before the run: {len(gc.get_objects()):,}")
    # What each worker pool process does once it has started (bma/celery.py); getattr: so the
    # benchmark also measures a checkout from before it (issue 34's before/after pairs).
    from bma import celery as worker_app

    getattr(worker_app, "pool_process_started", lambda: None)()
    with gc_timed() as collections:
        runs, elapsed, cpu, database_cpu = drain()
    processed = Submission.objects.filter(state=ProcessingState.PROCESSED).count()
    failed = Submission.objects.filter(state=ProcessingState.FAILED).count()
    shape = "all visits of one village" if same_village else f"one visit per village, {DISTRICTS} districts"
    print(f"database: {connection.vendor}; {shape}; batches of {settings.BMA_PROCESSING_BATCH_SIZE}, {runs} runs")
    print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(
        f"{processed}/{n} B2 submissions processed ({failed} failed) in {elapsed:.2f} s: "
        f"{n / elapsed:.0f} submissions/s per process"
    )
    database = f" + its database backend {database_cpu:.2f} s" if database_cpu is not None else ""
    print(f"CPU: the worker process {cpu:.2f} s ({n / cpu:.0f} B2/s of its CPU){database}")
    if database_cpu is not None:
        print(
            f"alone on the machine (worker and database CPU, one after the other): {n / (cpu + database_cpu):.0f} B2/s"
        )
    print(
        f"garbage collection: {collections['count']} collections, {collections['seconds']:.2f} s of the run "
        f"({collections['full']} full ones, {collections['full_seconds']:.2f} s)"
    )
    if profile:
        profile_batch(version, round_, user, villages, same_village)


def profile_batch(version, round_, user, villages, same_village: bool) -> None:
    """One more batch (new visits to the first villages: second visits, so settling and the
    duplicate-visit rule have work) under cProfile, its queries counted by processing step."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bma.pipeline import services

    size = settings.BMA_PROCESSING_BATCH_SIZE
    store(version, round_, user, payloads(size, villages, same_village))
    step_queries: Counter = Counter()
    wrapped = {}

    def counted(name, fn):
        def step(*args, **kwargs):
            before = len(connection.queries)
            try:
                return fn(*args, **kwargs)
            finally:
                step_queries[name] += len(connection.queries) - before

        return step

    for name in ("store_b2_batch", "create_entities", "_mark", "submission_values", "check_payload"):
        wrapped[name] = getattr(services, name)
        setattr(services, name, counted(name, wrapped[name]))
    steps = list(services.AFTER_STORE_STEPS)
    services.AFTER_STORE_STEPS[:] = [counted(step.__name__, step) for step in steps]
    profiler = cProfile.Profile(time.process_time)  # CPU time: other jobs on the machine do not count
    try:
        with CaptureQueriesContext(connection) as queries:
            profiler.enable()
            runs, elapsed, _cpu, _database_cpu = drain()
            profiler.disable()
    finally:
        for name, fn in wrapped.items():
            setattr(services, name, fn)
        services.AFTER_STORE_STEPS[:] = steps
    print(f"\nprofiled: {size} B2s in {runs} run(s), {elapsed:.2f} s under cProfile, {len(queries)} queries")
    for name, count in step_queries.most_common():
        print(f"  {count:6d} queries in {name}")
    print("the slowest queries:")
    for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:12]:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:150]}")
    profiler.dump_stats(PROFILE_FILE)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(f"(the whole profile: {PROFILE_FILE}, for pstats or snakeviz)")


if __name__ == "__main__":
    main()
