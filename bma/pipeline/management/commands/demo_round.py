"""Make a synthetic round shaped like the Round 2 report and send it through the real OpenRosa intake."""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from bma.assessments.models import ReviewState, VillageAssessment
from bma.assessments.review import assessment_review
from bma.core.roles import Role, role_assign
from bma.geo.models import AdminArea, Settlement, SettlementSource
from bma.geo.services import settlement_upsert
from bma.pipeline.demo import (
    DEMO_DISTRICTS,
    REFERRAL_SHARE,
    SPOT_CHECK_VISITS,
    TWIN_NAME_SHARE,
    UNREVIEWED_SHARE,
    DemoVillage,
    b2_xml,
    spot_check_xml,
    village_name,
)
from bma.pipeline.services import batch_size, submissions_process_batch
from bma.rounds.models import Assignment, Round, RoundState
from bma.submissions.auth import collect_token_issue
from bma.submissions.models import ProcessingState, Submission
from bma.xforms.models import FormVersion
from bma.xforms.services import forms_publish_all, round_forms_publish

# Rough centres of the report's districts, so GPS points and village locations look right on a map.
CENTRES = {
    "TJ-RA-RUD": (38.45, 68.80),
    "TJ-KT-BOK": (37.84, 68.78),
    "TJ-SU-KHU": (40.28, 69.62),
    "TJ-GB-KHO": (37.49, 71.55),
    "TJ-KT-PAN": (37.24, 69.10),
    "TJ-KT-KUL": (37.91, 69.78),
    "TJ-GB-VAN": (38.37, 71.45),
    "TJ-RA-VAH": (38.56, 69.01),
    "TJ-DU-FIR": (38.56, 68.72),
    "TJ-DU-SIN": (38.53, 68.75),
    "TJ-DU-SHO": (38.58, 68.80),
    "TJ-DU-ISM": (38.57, 68.77),
    "TJ-SU-ASH": (40.70, 70.85),
}


class Command(BaseCommand):
    help = "Create a realistic synthetic round (about 900 communities in 12 districts, plus Asht) through the OpenRosa intake."

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=900)
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args, communities: int, seed: int, **options):
        rng = random.Random(seed)
        # The desk's open work (twin names, referrals, unreviewed, spot checks) draws from its own
        # generator, so the villages and figures of a seed stay what the README measures.
        work_rng = random.Random(seed + 1)
        districts = {a.code: a for a in AdminArea.objects.filter(code__in=DEMO_DISTRICTS).select_related("parent")}
        if len(districts) != len(DEMO_DISTRICTS):
            raise CommandError("The gazetteer is missing the report's districts: run `manage.py load_gazetteer` first.")
        round_ = Round.objects.filter(state=RoundState.OPEN).order_by("-number").first()
        if round_ is None:
            raise CommandError("No open round: open one in the admin (or run `manage.py demo_users`).")
        if not FormVersion.objects.filter(form__xml_form_id="bma_b2").exists():
            forms_publish_all()
        years = tuple(round_.reference_years)
        villages = self._villages(rng, work_rng, districts, communities)
        names = self._names_by_district()
        self.referrals = 0
        # Filled in the round's own B2: its reference years, every country, whole-family departures;
        # published with the list files that now hold the demo's villages.
        version, _ = round_forms_publish(round_)
        collector = self._collector(round_)
        token = collect_token_issue(collector, "demo round").token
        client = Client(SERVER_NAME=(settings.ALLOWED_HOSTS or ["127.0.0.1"])[0].lstrip(".") or "127.0.0.1")
        url = f"/collect/key/{token}/submission"
        start = round_.collection_start or dt.date.today()
        statuses: dict[int, int] = {}
        for index, village in enumerate(villages, start=1):
            visit = (start + dt.timedelta(days=rng.randint(0, 27))).isoformat()
            xml = b2_xml(rng, village, version.version, years, visit, self._referral(work_rng, village, names))
            response = client.post(url, {"xml_submission_file": _upload(xml)})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if index % 100 == 0:
                self.stdout.write(f"  {index}/{len(villages)} sent")
        self.stdout.write(f"Submissions sent: {statuses}")
        # Process what is still waiting here rather than wait for a worker, so the demo is complete.
        self._process(round_)
        approved = self._approve(round_, work_rng)
        visited = self._spot_checks(round_, work_rng, client, url, seed, {v.code: v for v in villages})
        # The exports app (a sibling of pipeline) records them: reached by command name, not an import.
        call_command("demo_reference_figures", stdout=self.stdout)
        self.stdout.write(
            f"{round_}: {VillageAssessment.objects.filter(round=round_).count()} village assessments, {approved} approved; "
            f"{self._unclear_referrals(round_)} unclear referrals wait for a supervisor; spot-check sample drawn, "
            f"{visited} visited; "
            f"open quality issues: {self._open_issues(round_) or 'none'}.\n"
            f"Round report: http://127.0.0.1:8000/reports/rounds/{round_.number}/ (log in as coordinator)"
        )

    def _villages(self, rng, work_rng, districts, communities) -> list[DemoVillage]:
        villages = []
        for code, share in DEMO_DISTRICTS.items():
            district = districts[code]
            lat0, lon0 = CENTRES[code]
            previous = ""
            for number in range(1, max(1, round(share * communities)) + 1):
                lat, lon = lat0 + rng.uniform(-0.15, 0.15), lon0 + rng.uniform(-0.15, 0.15)
                name = village_name(rng)
                if previous and work_rng.random() < TWIN_NAME_SHARE:
                    name = previous
                previous = name
                village, _ = settlement_upsert(
                    code=f"DEMO-{code}-{number:04d}",
                    area=district,
                    name_en=name,
                    latitude=round(lat, 6),
                    longitude=round(lon, 6),
                    source=SettlementSource.IMPORT,
                    source_note="Synthetic demo village",
                )
                villages.append(DemoVillage(village.code, code, district.parent.code, lat, lon))
        return villages

    def _names_by_district(self) -> dict[str, dict[str, int]]:
        from django.db.models import Count

        names: dict[str, dict[str, int]] = {}
        rows = Settlement.objects.filter(code__startswith="DEMO-").values("district__code", "name_en")
        for row in rows.annotate(n=Count("pk")):
            names.setdefault(row["district__code"], {})[row["name_en"]] = row["n"]
        return names

    def _referral(self, work_rng, village: DemoVillage, names) -> str:
        """A referred village: every third one a name two villages of the district share (unclear, for
        a supervisor), the others a name new to the gazetteer (a provisional village for the plan)."""
        if work_rng.random() >= REFERRAL_SHARE:
            return ""
        self.referrals += 1
        twins = sorted(name for name, n in names.get(village.district_code, {}).items() if n > 1)
        if twins and self.referrals % 3 == 1:
            return work_rng.choice(twins)
        return village_name(work_rng) + " " + work_rng.choice(("Bolo", "Poyon", "Nav"))

    def _process(self, round_) -> None:
        # Process what is still waiting here rather than wait for a worker, so the demo is complete.
        waiting = list(
            Submission.objects.filter(round=round_, state=ProcessingState.RECEIVED).values_list("pk", flat=True)
        )
        size = batch_size()
        for start_at in range(0, len(waiting), size):
            submissions_process_batch(waiting[start_at : start_at + size])

    def _unclear_referrals(self, round_) -> int:
        from bma.referrals.models import MatchState, ReferralMatch

        return ReferralMatch.objects.filter(round=round_, state=MatchState.PENDING).count()

    def _spot_checks(self, round_, work_rng, client, url, seed, villages: dict[str, DemoVillage]) -> int:
        """Draw the round's spot-check sample (as a coordinator does) and send a few supervisors' visits
        through the intake, so the desk shows confirmed checks and a discrepancy; the rest wait."""
        from django.contrib.auth import get_user_model

        from bma.validation.models import SpotCheckAssignment
        from bma.validation.services import spot_check_sample_draw

        coordinator = get_user_model().objects.filter(username="coordinator").first()
        sample = spot_check_sample_draw(round_, seed=seed, user=coordinator)
        visits = (
            SpotCheckAssignment.objects.filter(sample=sample, village__code__in=villages)
            .select_related("village", "assessment")
            .order_by("village__code")[:SPOT_CHECK_VISITS]
        )
        start = round_.collection_start or dt.date.today()
        for assignment in visits:
            assessed = {p.population: (p.total if p.present else None) for p in assignment.assessment.populations.all()}
            visit = (start + dt.timedelta(days=28)).isoformat()
            entity = assignment.village.entities.filter(deleted_at__isnull=True).values_list("uuid", "version").first()
            xml = spot_check_xml(
                work_rng,
                villages[assignment.village.code],
                round_.number,
                visit,
                assessed,
                (str(entity[0]), entity[1]) if entity else None,
            )
            client.post(url, {"xml_submission_file": _upload(xml)})
        self._process(round_)
        return len(visits)

    def _open_issues(self, round_) -> str:
        from django.db.models import Count

        from bma.validation.models import IssueState, QualityIssue

        counts = (
            QualityIssue.objects.filter(round=round_, state=IssueState.OPEN)
            .values("code")
            .annotate(n=Count("pk"))
            .order_by("-n", "code")
        )
        return ", ".join(f"{row['code']} {row['n']}" for row in counts)

    def _collector(self, round_):
        from django.contrib.auth import get_user_model

        user, created = get_user_model().objects.get_or_create(username="demo-collector")
        if created:
            user.set_unusable_password()
            user.save()
            role_assign(user, Role.ENUMERATOR)
        country = AdminArea.objects.get(code="TJ")
        Assignment.objects.get_or_create(user=user, round=round_, area=country, defaults={"role": "enumerator"})
        return user

    def _approve(self, round_, work_rng) -> int:
        """The demo supervisor's work: approve most of what came in clean, so the report has data at
        once; the assessments with open quality issues, and a few clean ones not yet reviewed, wait on
        the review desk, as they would in a real round."""
        from django.contrib.auth import get_user_model

        from bma.validation.models import IssueState

        reviewer = get_user_model().objects.filter(username="coordinator").first()
        pending = (
            VillageAssessment.objects.filter(round=round_, is_current=True)
            .exclude(review_state=ReviewState.APPROVED)
            .exclude(issues__state=IssueState.OPEN)
            .order_by("village__code")
        )
        count = 0
        for assessment in pending.iterator():
            if work_rng.random() < UNREVIEWED_SHARE:
                continue
            assessment_review(assessment, ReviewState.APPROVED, reviewer, "Demo round")
            count += 1
        return count


def _upload(xml: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("submission.xml", xml, content_type="text/xml")
