"""Benchmark: processing (map + typed upsert) of B2 submissions in one worker process.

Usage: .venv/bin/python benchmarks/mapping.py [N]   (default 2,000)
Uses DATABASE_URL (PostgreSQL for the real figure) with a throw-away test database, the published B2
form (built with ODK Validate: Java needed) and N stored B2 submissions made from the engine fixture,
then times the worker's runs (a batch at a time) until none is left. Target (issue 5): at least
200 B2/s.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from benchmarks.throwaway import benchmark_database  # noqa: E402


def main(n: int) -> None:
    with benchmark_database():
        run(n)


def run(n: int) -> None:
    from bma.core.roles import roles_sync
    from bma.pipeline.services import submission_process
    from bma.submissions.models import ProcessingState, Submission
    from bma.xforms.build import xlsform_build
    from bma.xforms.services import form_publish
    from bma.xforms.workbooks import FORMS_DIR
    from tests import factories

    roles_sync()
    geo = factories.small_gazetteer()
    round_ = factories.make_round()
    user = factories.make_user("bench", "enumerator")
    factories.assign(user, geo["asht"], round_, "enumerator")
    version, _ = form_publish(xlsform_build((FORMS_DIR / "b2_village.xlsx").read_bytes(), "b2_village.xlsx"), b"")
    template = (ROOT / "tests" / "assessments" / "fixtures" / "b2_2026112202.xml").read_text()
    old_id = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"
    rows = []
    for _ in range(n):
        instance_id = f"uuid:{uuid.uuid4()}"
        payload = template.replace(old_id, instance_id).encode()
        rows.append(
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
        )
    Submission.objects.bulk_create(rows, batch_size=500)
    started = time.perf_counter()
    # As the worker runs since intake queues one request at a time: a run takes a batch of waiting
    # submissions, then asks again while any are left.
    waiting = (
        Submission.objects.filter(state=ProcessingState.RECEIVED).order_by("created_at").values_list("pk", flat=True)
    )
    while (next_id := waiting.first()) is not None:
        submission_process(next_id)
    elapsed = time.perf_counter() - started
    processed = Submission.objects.filter(state=ProcessingState.PROCESSED).count()
    print(f"database: {connection.vendor}")
    print(f"{processed}/{n} B2 submissions processed in {elapsed:.2f} s: {n / elapsed:.0f} submissions/s per process")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
