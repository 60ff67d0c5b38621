"""Benchmark: keeping the villages entity list in step, and serving it (issue 32).

Usage: .venv/bin/python benchmarks/entity_list.py [VILLAGES]   (default 20,000; DATABASE_URL, PostgreSQL
for the real figures). Builds a throw-away database with that many villages and their entities, then:
- the list-file refresh's check when nothing changed (village_entities_stale) against the full sync it
  replaced (village_entities_sync, which reads every village and entity into Python);
- the list's CSV built (a cache miss) and served from the cache (a hit: one aggregate query);
- a gazetteer import of 1,000 villages, each saved with its entity (signal) or caught up once (bulk).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from benchmarks.throwaway import benchmark_database  # noqa: E402


def _timed(label: str, run, repeat: int = 3) -> None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    print(f"{label}: {min(times) * 1000:.0f} ms (best of {repeat}, worst {max(times) * 1000:.0f} ms)")


def main(villages: int) -> None:
    from unittest import mock

    from bma.entities import lists
    from bma.entities.services import village_entities_stale, village_entities_sync
    from bma.geo.models import Settlement
    from bma.geo.services import gazetteer_import
    from tests import factories

    geo = factories.small_gazetteer()
    Settlement.objects.bulk_create(
        Settlement(
            code=f"V-B-{n:06d}",
            area=geo["oshoba"],
            district=geo["asht"],
            name_en=f"Village {n}",
            name_tg=f"Деҳа {n}",
            name_ru=f"Село {n}",
            status="official",
        )
        for n in range(villages)
    )
    print(f"{villages} villages; first sync: {village_entities_sync()}")
    _timed("check when nothing changed (village_entities_stale)", village_entities_stale)
    _timed("full sync when nothing changed (village_entities_sync)", village_entities_sync)
    _timed("the list's CSV built", lambda: lists.entity_list_csv())
    lists.entity_list_served()
    _timed("the list served from the cache", lambda: lists.entity_list_served(), repeat=10)
    rows = "\n".join(f"V-I-{n:05d},TJ-SU-ASH,Imported {n},Деҳа {n},Село {n}" for n in range(1000))
    data = f"code,area_code,name_en,name_tg,name_ru\n{rows}\n".encode()
    start = time.perf_counter()
    gazetteer_import("villages.csv", data)
    print(f"import of 1,000 villages, caught up once: {time.perf_counter() - start:.2f} s")
    rows = rows.replace("V-I-", "V-J-")
    data = f"code,area_code,name_en,name_tg,name_ru\n{rows}\n".encode()
    with mock.patch("bma.entities.signals.in_gazetteer_bulk_write", return_value=False):
        start = time.perf_counter()
        gazetteer_import("villages.csv", data)
        print(f"import of 1,000 villages, one entity per saved village (before): {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with benchmark_database():
        main(count)
