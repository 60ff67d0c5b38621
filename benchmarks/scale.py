"""Benchmark: do intake and processing keep their speed when the store is full?

Usage: .venv/bin/python benchmarks/scale.py [N] [--submissions M] [--assessments K]
       (defaults: N = 1,000 measured B2s; M = 1,000,000 stored submissions; K = 100,000 assessments)

Needs PostgreSQL (DATABASE_URL: the preload uses COPY) and a Redis broker (CELERY_BROKER_URL, e.g.
redis://127.0.0.1:6379/15, flushed at the end; no worker: none may consume it). Without either it says so
and exits 2: with no broker every submission would be processed inside intake, and the "processing"
measure would time an empty queue. In a throw-away database: measures intake of N B2 submissions through
``submission_receive`` (the service behind the OpenRosa view, in-process, one transaction each; its
processing request goes to the broker and waits there), then their processing (the worker's batches,
in-process), first on an empty store, then again after COPY has loaded M stored submissions and K village
assessments of an earlier round (the history a store holds after a few rounds). The processing rate
counts the submissions the timed loop found waiting and processed. Prints both rates and their ratio;
the target (issue 15) is within 20% of the empty store.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from benchmarks.requirements import missing, require_postgresql, require_redis_broker  # noqa: E402

if __name__ == "__main__":  # before Django is set up: the settings fall back to SQLite and in-process tasks
    require_postgresql(os.environ.get("DATABASE_URL", ""), "the preload uses COPY")
    require_redis_broker(
        os.environ.get("CELERY_BROKER_URL", ""), "without one, intake would process each submission inline"
    )

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from benchmarks.throwaway import benchmark_database  # noqa: E402

FIXTURE = ROOT / "tests" / "assessments" / "fixtures" / "b2_2026112202.xml"
FIXTURE_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--submissions", type=int, default=1_000_000)
    parser.add_argument("--assessments", type=int, default=100_000)
    args = parser.parse_args()
    try:
        with benchmark_database():
            run(args.n, args.submissions, args.assessments)
    finally:
        import redis
        from django.conf import settings

        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # the processing requests nobody took


def run(n: int, stored: int, assessments: int) -> None:
    from bma.core.roles import roles_sync
    from bma.rounds.models import RoundState
    from bma.xforms.build import xlsform_build
    from bma.xforms.services import form_publish
    from bma.xforms.workbooks import FORMS_DIR
    from tests import factories

    roles_sync()
    geo = factories.small_gazetteer()
    earlier = factories.make_round(number=1, state=RoundState.CLOSED)
    current = factories.make_round(number=2)
    user = factories.make_user("bench", "enumerator")
    factories.assign(user, geo["asht"], current, "enumerator")
    version, _ = form_publish(xlsform_build((FORMS_DIR / "b2_village.xlsx").read_bytes(), "b2_village.xlsx"), b"")
    template = FIXTURE.read_text()

    measure(min(n, 200), user, template, "warm-up")  # first batches pay for caches and connections
    empty = measure(n, user, template, "empty")
    started = time.perf_counter()
    preload(stored, assessments, version, earlier, user, template)
    print(f"preloaded {stored:,} submissions and {assessments:,} assessments in {time.perf_counter() - started:.0f} s")
    full = measure(n, user, template, "full")
    print(f"database: {connection.vendor}; {n} B2 submissions per measure")
    for label, key in (("intake", "intake"), ("processing", "processing")):
        ratio = full[key] / empty[key]
        print(f"{label:>10}: empty {empty[key]:.0f}/s, full {full[key]:.0f}/s, ratio {ratio:.2f} (target >= 0.80)")


def measure(n: int, user, template: str, label: str) -> dict[str, float]:
    from bma.pipeline.services import submission_process
    from bma.submissions.models import ProcessingState, Submission
    from bma.submissions.services import submission_receive

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # both measures start from fresh planner statistics
    payloads = [template.replace(FIXTURE_ID, f"uuid:{label}-{uuid.uuid4()}").encode() for _ in range(n)]
    started = time.perf_counter()
    for payload in payloads:
        submission_receive(payload=payload, files=[], user=user)
    intake = n / (time.perf_counter() - started)
    waiting = Submission.objects.filter(state=ProcessingState.RECEIVED).order_by("pk").values_list("pk", flat=True)
    found = waiting.count()
    if found < n:  # processed elsewhere meanwhile (inline, or a worker on this broker): not this loop's work
        missing(f"only {found} of {n} submissions were waiting after intake: something else processed them")
    started = time.perf_counter()
    while (next_id := waiting.first()) is not None:
        submission_process(next_id)
    processing = found / (time.perf_counter() - started)
    processed = Submission.objects.filter(state=ProcessingState.PROCESSED).count()
    print(f"{label} store: intake {intake:.0f}/s, processing {processing:.0f}/s ({processed:,} processed in all)")
    return {"intake": intake, "processing": processing}


def preload(stored: int, assessments: int, version, round_, user, template: str) -> None:
    """COPY ``stored`` processed submissions of ``round_`` and ``assessments`` B2 assessments of theirs."""
    import hashlib

    from django.utils import timezone

    from bma.assessments.models import VillageAssessment
    from bma.geo.models import AdminArea
    from bma.submissions.models import ProcessingState, Submission

    now = timezone.now()
    payload = template.encode()
    sha = hashlib.sha256(payload).hexdigest()
    submission_columns = [
        "created_at",
        "updated_at",
        "form_id",
        "form_version_id",
        "round_id",
        "instance_id",
        "root_instance_id",
        "deprecated_id",
        "is_current",
        "instance_name",
        "source",
        "payload_format",
        "payload",
        "payload_sha256",
        "submitted_by_id",
        "device_id",
        "state",
        "attempts",
        "last_error",
        "district_code",
        "processed_at",
    ]
    submission_extra = other_columns(Submission, submission_columns)
    submission_columns += list(submission_extra)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(
            f"COPY {Submission._meta.db_table} ({', '.join(submission_columns)}) FROM STDIN"
        ) as copy:
            for i in range(stored):
                instance = f"uuid:preload-{i}"
                copy.write_row(
                    (now, now, version.form_id, version.pk, round_.pk, instance, instance, "", True, "", "openrosa",
                     "xml", payload, sha, user.pk, "", ProcessingState.PROCESSED, 1, "", "TJ-SU-ASH", now,
                     *submission_extra.values())
                )  # fmt: skip
        cursor.execute(
            f"SELECT id, root_instance_id FROM {Submission._meta.db_table} WHERE round_id = %s ORDER BY id LIMIT %s",
            [round_.pk, assessments],
        )
        owners = cursor.fetchall()
        assessment_columns = [
            "created_at",
            "updated_at",
            "submission_id",
            "root_instance_id",
            "form_version",
            "round_id",
            "province_id",
            "district_id",
            "enumerator_id",
            "review_state",
            "village_name_typed",
            "households",
            "elderly_alone",
            "is_current",
        ]
        assessment_extra = other_columns(VillageAssessment, assessment_columns)
        assessment_columns += list(assessment_extra)
        asht = AdminArea.objects.get(code="TJ-SU-ASH")
        with raw.cursor().copy(
            f"COPY {VillageAssessment._meta.db_table} ({', '.join(assessment_columns)}) FROM STDIN"
        ) as copy:
            for submission_id, root in owners:
                copy.write_row(
                    (now, now, submission_id, root, version.version, round_.pk, asht.parent_id, asht.pk, user.pk,
                     "approved", f"Preloaded {submission_id}", 400, "", True, *assessment_extra.values())
                )  # fmt: skip


def other_columns(model, listed: list[str]) -> dict:
    """The NOT NULL columns the preload does not set, with the model's defaults: COPY fills no default,
    and a column added later (claimed_by, central_review_state) would otherwise break the preload."""
    fields = [f for f in model._meta.concrete_fields if not f.null and not f.primary_key and f.column not in listed]
    return {field.column: field.get_default() for field in fields}  # a CharField's default is ""


if __name__ == "__main__":
    main()
