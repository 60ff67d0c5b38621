"""Benchmark: Central's entity API (/v1/projects/1/datasets/villages/...) over a large villages list.

Usage: .venv/bin/python benchmarks/entity_api.py [N] [--repeat R]
       (defaults: N = 20,000 entities, a fifth of them made on tablets; R = 5 timings, the median shown)

In a throw-away database (PostgreSQL with DATABASE_URL, else SQLite): stores N entities, then times what
analysts' tools ask, through Django's test client as a coordinator: the entity list (pyodk's
``entities.list``), the OData feed whole and one page of 100 with ``$count`` (pyodk's ``get_table``), a
``$filter`` on ``__system/createdAt`` and on a property, the admin CSV, and one entity.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
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


def run(n: int, repeat: int) -> None:
    from django.test import Client
    from django.utils import timezone

    from bma.core.roles import roles_sync
    from bma.entities.models import VILLAGES, Entity
    from tests import factories

    roles_sync()
    coordinator = factories.make_user("bench-coordinator", "coordinator")
    start = timezone.now() - dt.timedelta(days=30)
    rows = []
    for i in range(n):
        tablet = i % 5 == 0
        rows.append(
            Entity(
                dataset=VILLAGES,
                uuid=uuid.uuid4(),
                label=f"Village {i}",
                version=1 + i % 3,
                provisional=tablet,
                source_instance_id=f"uuid:bench-{i}" if tablet else "",
                properties={
                    "code": f"V{i:06d}",
                    "district": f"TJ-D{i % 70:02d}",
                    "jamoat": "",
                    "name_ru": f"Деревня {i}",
                    "name_tg": f"Деҳа {i}",
                    "status": "provisional" if tablet else "active",
                },
            )
        )
    Entity.objects.bulk_create(rows, batch_size=2000)
    # Spread the creation times over a month (auto_now_add gave them all "now").
    for i, pk in enumerate(Entity.objects.order_by("pk").values_list("pk", flat=True)):
        if i % 1000 == 0:
            Entity.objects.filter(pk__gte=pk, pk__lt=pk + 1000).update(
                created_at=start + dt.timedelta(minutes=i * 2), updated_at=start + dt.timedelta(minutes=i * 2 + 1)
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(coordinator)
    one = Entity.objects.order_by("pk").first().uuid
    base = "/v1/projects/1/datasets/villages"
    cut = (start + dt.timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    cases = [
        ("entity list (all)", f"{base}/entities", {}),
        ("OData feed (all)", f"{base}.svc/Entities", {}),
        ("OData $top=100&$count=true", f"{base}.svc/Entities", {"$top": 100, "$count": "true"}),
        ("OData $filter createdAt gt (half)", f"{base}.svc/Entities", {"$filter": f"__system/createdAt gt {cut}"}),
        ("OData $filter property eq", f"{base}.svc/Entities", {"$filter": "district eq 'TJ-D07'"}),
        ("admin entities.csv", f"{base}/entities.csv", {}),
        ("one entity", f"{base}/entities/{one}", {}),
    ]
    print(f"{n:,} entities ({connection.vendor})")
    print(f"{'request':<38} {'bytes':>12} {'median':>10}")
    for label, url, params in cases:
        timings, size = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"{label}: HTTP {response.status_code} {response.content[:200]!r}")
            size = len(response.content)
        print(f"{label:<38} {size:>12,} {statistics.median(timings) * 1000:>8.0f}ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with benchmark_database():
        run(args.n, args.repeat)


if __name__ == "__main__":
    main()
