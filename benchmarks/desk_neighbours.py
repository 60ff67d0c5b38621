"""Benchmark: previous/next on the assessment page for a coordinator's whole round.

Usage: .venv/bin/python benchmarks/desk_neighbours.py [N] [--repeat R]
       (defaults: N = 100,000 village assessments in one round; R = 5 timings per case, the median shown)

In a throw-away database (PostgreSQL with DATABASE_URL, else SQLite): stores N B2 assessments of one
round over the small gazetteer's districts, with visit dates over two months (one in ten blank) and
mixed review states, then times ``changelist_neighbours`` for the coordinator, an assessment in the
middle of the list, under several list queries (default order, a filter, sorts by visit date, village,
district and open issues, a search), against the way it was done before issue 17: every id of the
filtered list read into Python and searched there. Both build the same ChangeList; both answers are
checked equal. Then times the list page's own queries with and without the DISTINCT the area scoping
used to add to every list.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import DatabaseError, connection  # noqa: E402

from benchmarks.throwaway import benchmark_database  # noqa: E402

# The list's ``o=`` columns (0 is the selection box): 1 review state, 2 open issues, 3 village, 4 district,
# 5 visit date.
QUERIES = [
    ("default order (newest visit first)", ""),
    ("filter: received", "review_state__exact=received"),
    ("sort: visit date, oldest first (nulls)", "o=5"),
    ("sort: village, then visit date", "o=3.-5"),
    ("sort: district (foreign key)", "o=4"),
    ("sort: open issues (annotation)", "o=-2"),
    ("search: a village name (DISTINCT)", "q=Shaydon"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--queries", action="store_true", help="also print each SQL query of one look-up")
    args = parser.parse_args()
    with benchmark_database():
        run(args.n, args.repeat, args.queries)


def run(n: int, repeat: int, queries: bool) -> None:
    from django.contrib import admin
    from django.test import RequestFactory

    from bma.assessments.models import VillageAssessment
    from bma.core.roles import roles_sync
    from bma.review.desk import changelist_neighbours
    from tests import factories

    roles_sync()
    geo = factories.small_gazetteer()
    round_ = factories.make_round(number=2)
    coordinator = factories.make_user("bench-coordinator", "coordinator")
    started = time.perf_counter()
    store(n, geo, round_)
    print(f"stored {n:,} village assessments in {time.perf_counter() - started:.0f} s ({connection.vendor})")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    model_admin = admin.site._registry[VillageAssessment]
    request = RequestFactory().get("/")
    request.user = coordinator
    print(f"{'list query':<42} {'rows':>8} {'before':>10} {'now':>10} {'ratio':>7}")
    for label, query in QUERIES:
        # The list as the page shows it (whole rows: see neighbours_before for why not only ids).
        shown = [
            row.pk
            for row in model_admin.get_changelist_instance(_listing(request, query))
            .queryset.select_related(None)
            .only("pk")
        ]
        at = len(shown) // 2
        obj = VillageAssessment.objects.get(pk=shown[at])
        expected = (shown[at - 1], shown[at + 1])
        new = _median(repeat, lambda q=query, o=obj: changelist_neighbours(model_admin, request, o, q))
        if new[1] != expected:
            sys.exit(f"{label}: the neighbours are {new[1]}, the list shows {expected}")
        try:
            old = _median(repeat, lambda q=query, o=obj: neighbours_before(model_admin, request, o, q))
        except DatabaseError as exc:  # PostgreSQL: SELECT DISTINCT ordered by an unselected expression
            before, ratio = "fails", f"({type(exc).__name__})"
        else:
            before, ratio = f"{old[0] * 1000:8.1f}ms", f"{old[0] / new[0]:6.1f}x"
        print(f"{label:<42} {len(shown):>8,} {before:>10} {new[0] * 1000:>8.1f}ms {ratio:>7}")
        if queries:
            timed = []

            def record(execute, sql, params, many, context, timed=timed):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    timed.append((time.perf_counter() - started, sql))

            with connection.execute_wrapper(record):
                changelist_neighbours(model_admin, request, obj, query)
            for seconds, sql in timed:
                print(f"    {seconds * 1000:7.1f}ms  {sql[:150]}")
    list_page_timings(model_admin, request, repeat)


def list_page_timings(model_admin, request, repeat: int) -> None:
    """The list page's own queries (its two counts and its page of 50 rows) for the coordinator, against
    the area scoping's DISTINCT as it was before: every list asked for it, though along foreign keys
    it can remove nothing."""
    print(f"\n{'list page: counts and 50 rows':<42} {'rows':>8} {'DISTINCT':>10} {'now':>10} {'ratio':>7}")
    scoped = model_admin.get_queryset
    for label, query in QUERIES:
        new = _median(repeat, lambda q=query: _list_page(model_admin, request, q))
        model_admin.get_queryset = lambda req: scoped(req).distinct()
        try:
            old = _median(repeat, lambda q=query: _list_page(model_admin, request, q))
        except DatabaseError as exc:
            before, ratio = "fails", f"({type(exc).__name__})"
        else:
            before, ratio = f"{old[0] * 1000:8.1f}ms", f"{old[0] / new[0]:6.1f}x"
        finally:
            del model_admin.get_queryset
        print(f"{label:<42} {new[1]:>8,} {before:>10} {new[0] * 1000:>8.1f}ms {ratio:>7}")


def _list_page(model_admin, request, query: str) -> int:
    changelist = model_admin.get_changelist_instance(_listing(request, query))
    list(changelist.result_list)
    return changelist.result_count


def _median(repeat: int, call):
    timings, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), answer


def _listing(request, query: str):
    import copy

    from django.http import QueryDict

    listing = copy.copy(request)
    listing.GET = QueryDict(query)
    return listing


def neighbours_before(model_admin, request, obj, list_query: str):
    """changelist_neighbours as it was before issue 17: every id of the list, searched in Python.

    On PostgreSQL the list sorted by open issues fails here: the area scoping's DISTINCT with only the
    ids selected, ordered by the annotation's subquery, is refused."""
    ids = list(model_admin.get_changelist_instance(_listing(request, list_query)).queryset.values_list("pk", flat=True))
    at = ids.index(obj.pk)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)


def store(n: int, geo: dict, round_) -> None:
    """``n`` submissions and their B2 assessments, in batches (bulk_create works on both databases)."""
    import hashlib

    from bma.assessments.models import ReviewState, VillageAssessment
    from bma.submissions.models import ProcessingState, Submission
    from bma.xforms.models import Form

    form = Form.objects.create(xml_form_id="bma_b2", title="B2")
    places = [
        (geo["oshoba_village"], geo["asht"]),
        (geo["shaydon"], geo["asht"]),
        (geo["buston_asht"], geo["asht"]),
        (geo["panj_centre"], geo["panj"]),
        (None, geo["khujand"]),
    ]
    states = [ReviewState.RECEIVED, ReviewState.APPROVED, ReviewState.APPROVED, ReviewState.HAS_ISSUES]
    start = datetime.date(2026, 10, 1)
    sha = hashlib.sha256(b"<data/>").hexdigest()
    batch = 2_000  # under PostgreSQL's 65,535 parameters per statement
    for offset in range(0, n, batch):
        count = min(batch, n - offset)
        submissions = Submission.objects.bulk_create(
            Submission(
                form=form,
                round=round_,
                instance_id=f"uuid:bench-{offset + i}",
                root_instance_id=f"uuid:bench-{offset + i}",
                payload=b"<data/>",
                payload_sha256=sha,
                state=ProcessingState.PROCESSED,
            )
            for i in range(count)
        )
        rows = []
        for i, submission in enumerate(submissions):
            k = offset + i
            village, district = places[k % len(places)]
            rows.append(
                VillageAssessment(
                    submission=submission,
                    root_instance_id=submission.root_instance_id,
                    form_version="2026112202",
                    round=round_,
                    province=district.parent,
                    district=district,
                    village=village,
                    village_name_typed="" if village else f"Typed {k}",
                    visit_date=None if k % 10 == 0 else start + datetime.timedelta(days=k % 61),
                    review_state=states[k % len(states)],
                    is_current=village is None or k < len(places),  # one current assessment per village
                )
            )
        VillageAssessment.objects.bulk_create(rows)


if __name__ == "__main__":
    main()
