"""Benchmark: every quality rule over N village assessments in one process.

Usage: .venv/bin/python benchmarks/quality_rules.py [N]   (default 100,000)
Prints the time for building the facts and for running the rules, and the findings per rule.
Target (issue 7): all rules over 100,000 village assessments under 60 s on one worker.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from bma.validation.rules import (  # noqa: E402
    AssessmentFacts,
    BoundingBox,
    Point,
    PopulationFacts,
    Thresholds,
    run_assessment_rules,
)

POPULATIONS = ("imw", "ret", "emi", "imi", "ioi")


def synthetic_facts(n: int, seed: int = 1) -> list[AssessmentFacts]:
    rng = random.Random(seed)
    start = datetime(2023, 8, 1, 9)
    facts = []
    for i in range(n):
        households = rng.randint(50, 1500)
        populations = {}
        for code in POPULATIONS:
            present = rng.random() < 0.6
            total = rng.randint(1, households * 2) if present else 0
            yearly = {y: total // 4 + rng.randint(-3, 3) for y in range(2020, 2024)} if present else {}
            countries = (
                {"RUS": int(total * 0.9), "KAZ": total - int(total * 0.9) + rng.randint(0, 2)} if present else {}
            )
            populations[code] = PopulationFacts(present, total, yearly, countries)
        lat, lon = 37 + rng.random() * 3, 68 + rng.random() * 3
        facts.append(
            AssessmentFacts(
                village_name=f"Village {i}",
                households=households,
                informants=rng.randint(1, 5),
                populations=populations,
                gps=Point(lat + rng.gauss(0, 0.02), lon + rng.gauss(0, 0.02)),
                village_location=Point(lat, lon),
                district_bounds=BoundingBox(lat - 0.3, lon - 0.3, lat + 0.3, lon + 0.3),
                started_at=start,
                ended_at=start + timedelta(minutes=rng.randint(2, 90)),
                previous_totals={c: rng.randint(0, 500) for c in POPULATIONS},
                other_assessments_in_round=1 if rng.random() < 0.01 else 0,
            )
        )
    return facts


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    t0 = time.perf_counter()
    facts = synthetic_facts(n)
    t1 = time.perf_counter()
    thresholds = Thresholds()
    counts: Counter[str] = Counter()
    for f in facts:
        for finding in run_assessment_rules(f, thresholds):
            counts[finding.code] += 1
    t2 = time.perf_counter()
    print(f"assessments: {n:,}")
    print(f"build facts: {t1 - t0:.2f} s")
    print(f"run rules:   {t2 - t1:.2f} s  ({n / (t2 - t1):,.0f} assessments/s)  target: < 60 s for 100,000")
    for code, count in counts.most_common():
        print(f"  {code:<36} {count:>8,}")


if __name__ == "__main__":
    main()
