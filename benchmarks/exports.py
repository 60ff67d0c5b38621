"""Benchmark: round report figures and dataset exports for a 100,000-village round.

Usage: .venv/bin/python benchmarks/exports.py [VILLAGES] [--keep]   (default 100,000)
Builds a throw-away database (DATABASE_URL, PostgreSQL for the real figures) with typed assessments
inserted in bulk, then times the report figures, the XLSX export and the CSV zip, with the peak
resident memory of the process. Inserting 100,000 villages takes several minutes: --keep keeps that
database (bma_benchmark_exports_<VILLAGES>) and reuses it on the next run. Targets (issue 9): report under 2 s, XLSX under 60 s, CSV
under 15 s, peak memory under 300 MB; (issue 18) the report PDF of a 1,000-village round under 20 s.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from benchmarks.throwaway import benchmark_database  # noqa: E402


def populate(n: int):
    from django.utils import timezone

    from bma.assessments import models as am
    from bma.core.roles import roles_sync
    from bma.geo.models import Settlement
    from bma.geo.services import gazetteer_import_path
    from bma.submissions.models import Submission
    from bma.xforms.models import Form, FormVersion
    from tests import factories

    roles_sync()
    gazetteer_import_path(ROOT / "bma" / "geo" / "data" / "tajikistan_admin.csv")
    from bma.geo.models import AdminArea

    districts = list(AdminArea.objects.filter(level=2).select_related("parent"))
    round_ = factories.make_round()
    form = Form.objects.create(xml_form_id="bma_b2", title="B2", kind="b2")
    version = FormVersion.objects.create(
        form=form, version="1", xlsform=b"", xlsform_sha256="", xml="", xml_md5="", published_at=timezone.now()
    )
    rng = random.Random(1)
    batch = 1000  # server-side binding allows 65,535 parameters per statement
    for start in range(0, n, batch):
        count = min(batch, n - start)
        chosen = [rng.choice(districts) for _ in range(count)]
        villages = Settlement.objects.bulk_create(
            Settlement(
                code=f"B-{start + i:07d}",
                area=d,
                district=d,
                name_en=f"Village {start + i}",
                # Somewhere in Tajikistan's extent: the report's map draws every community.
                latitude=round(rng.uniform(36.7, 41.0), 6),
                longitude=round(rng.uniform(67.4, 75.1), 6),
            )
            for i, d in enumerate(chosen)
        )
        subs = Submission.objects.bulk_create(
            Submission(
                form=form,
                form_version=version,
                round=round_,
                instance_id=f"uuid:{start + i}",
                root_instance_id=f"uuid:{start + i}",
                payload=b"<data/>",
                payload_sha256="x",
                state="processed",
            )
            for i in range(count)
        )
        assessments = am.VillageAssessment.objects.bulk_create(
            am.VillageAssessment(
                submission=s,
                root_instance_id=s.instance_id,
                form_version="1",
                round=round_,
                province=d.parent,
                district=d,
                village=v,
                households=rng.randint(50, 900),
                houses_empty=rng.randint(0, 40),
                houses_looked_after=rng.randint(0, 10),
                elderly_alone=rng.choice(["yes", "no", "unknown"]),
                review_state="approved",
                is_current=True,
            )
            for s, v, d in zip(subs, villages, chosen, strict=True)
        )
        am.Informant.objects.bulk_create(
            am.Informant(
                village_assessment=a,
                position=p,
                sex=rng.choice(["male", "male", "female"]),
                informant_type="local_authority",
            )
            for a in assessments
            for p in (1, 2, 3)
        )
        figures = am.PopulationFigure.objects.bulk_create(
            am.PopulationFigure(assessment=a, population=pop, present=True, total=rng.randint(1, 300))
            for a in assessments
            for pop in ("imw", "ret", "emi", "imi", "ioi")
        )
        am.YearlyFigure.objects.bulk_create(
            am.YearlyFigure(
                figure=f, assessment=f.assessment, population=f.population, year=y, count=rng.randint(0, 300)
            )
            for f in figures
            for y in (2022, 2023)
        )
        am.CountryFigure.objects.bulk_create(
            am.CountryFigure(figure=f, assessment=f.assessment, population=f.population, country="RU", count=f.total)
            for f in figures
            if f.population in ("ret", "emi")
        )
        am.PopulationReason.objects.bulk_create(
            am.PopulationReason(figure=f, assessment=f.assessment, population=f.population, reason="other")
            for f in figures
        )
        am.HouseholdDeparture.objects.bulk_create(
            am.HouseholdDeparture(
                assessment=a,
                year=y,
                households=rng.randint(0, 12),
                destination=rng.choice(["abroad", "another_district", "unknown"]),
            )
            for a in assessments
            for y in (2022, 2023)
        )
        am.ServiceAccess.objects.bulk_create(
            am.ServiceAccess(
                assessment=a,
                service=s,
                available=rng.random() < 0.7,
                distance_band="6_10",
                households_affected=a.households,
            )
            for a in assessments
            for s in ("clinic", "hospital", "market", "water", "school", "internet")
        )
    return round_


def timed(label, fn):
    """Wall time, and the process's peak resident memory so far (which includes building the data)."""
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: {elapsed:.1f} s, process peak RSS {peak_mb:.0f} MB")
    return result


def populated_round(n: int, *, kept: bool):
    """The round to measure, in the benchmark database already open: the one kept from an earlier run
    (--keep), else n villages inserted now; then ANALYZE, as autovacuum would have done on a live
    database. Shared by the benchmarks that need a big round (exports, publishing, dataset_copy)."""
    from bma.rounds.models import Round

    round_ = Round.objects.first() if kept else None
    if round_ is None:
        started = time.perf_counter()
        round_ = populate(n)
        print(f"database: {connection.vendor}; {n:,} villages inserted in {time.perf_counter() - started:.0f} s")
    else:
        print(f"database: {connection.vendor}; {n:,} villages kept from an earlier run")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return round_


def main(n: int, keep: bool) -> None:
    from bma.exports.dataset import write_csv_zip, write_xlsx
    from bma.exports.report import round_figures

    name = f"bma_benchmark_exports_{n}" if keep else None
    with benchmark_database(keep_as=name):
        round_ = populated_round(n, kept=keep)
        started = time.perf_counter()
        figures = round_figures(round_)
        print(f"report figures: {time.perf_counter() - started:.2f} s")
        from bma.exports.departures import departures_per_province
        from bma.exports.profile import district_profile
        from bma.exports.report import Counted

        started = time.perf_counter()
        departures_per_province(Counted(round_.pk), round_.reference_years)
        print(f"  of which whole-family departures: {time.perf_counter() - started:.2f} s")
        from bma.geo.models import AdminArea

        busiest = AdminArea.objects.filter(level=2).order_by("code").first()
        started = time.perf_counter()
        district_profile(round_, busiest)
        print(f"district profile ({busiest.code}): {time.perf_counter() - started:.2f} s")
        with tempfile.TemporaryFile() as out:
            timed("XLSX export", lambda: write_xlsx(out, round_))
            print(f"  {out.tell() / 1e6:.0f} MB written")
        with tempfile.TemporaryFile() as out:
            timed("CSV zip export", lambda: write_csv_zip(out, round_))
            print(f"  {out.tell() / 1e6:.0f} MB written")
        # Last, so the exports' peak memory above is not the PDF's.
        from bma.exports.report import community_points
        from bma.exports.report_document import report_pdf

        started = time.perf_counter()
        pdf = report_pdf(figures, community_points(round_))
        print(f"report PDF (with the map): {time.perf_counter() - started:.1f} s, {len(pdf) / 1e6:.1f} MB")


if __name__ == "__main__":
    numbers = [int(arg) for arg in sys.argv[1:] if arg.isdigit()]
    main(numbers[0] if numbers else 100_000, keep="--keep" in sys.argv)
