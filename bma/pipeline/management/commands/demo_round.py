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
from bma.geo.models import AdminArea, SettlementSource
from bma.geo.services import settlement_upsert
from bma.pipeline.demo import DEMO_DISTRICTS, DemoVillage, b2_xml, village_name
from bma.pipeline.services import batch_size, submissions_process_batch
from bma.rounds.models import Assignment, Round, RoundState
from bma.rounds.roles import Role, role_assign
from bma.submissions.auth import collect_token_issue
from bma.submissions.models import ProcessingState, Submission
from bma.xforms.models import FormVersion
from bma.xforms.services import b2_publish_for_round, forms_publish_all, list_files_refresh

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
        districts = {a.code: a for a in AdminArea.objects.filter(code__in=DEMO_DISTRICTS).select_related("parent")}
        if len(districts) != len(DEMO_DISTRICTS):
            raise CommandError("The gazetteer is missing the report's districts: run `manage.py load_gazetteer` first.")
        round_ = Round.objects.filter(state=RoundState.OPEN).order_by("-number").first()
        if round_ is None:
            raise CommandError("No open round: open one in the admin (or run `manage.py demo_users`).")
        if not FormVersion.objects.filter(form__xml_form_id="bma_b2").exists():
            forms_publish_all()
        # Filled in the round's own B2: its reference years, every country, whole-family departures.
        version, _ = b2_publish_for_round(round_)
        years = tuple(round_.reference_years)
        villages = self._villages(rng, districts, communities)
        list_files_refresh(round_)
        collector = self._collector(round_)
        token = collect_token_issue(collector, "demo round").token
        client = Client(SERVER_NAME=(settings.ALLOWED_HOSTS or ["127.0.0.1"])[0].lstrip(".") or "127.0.0.1")
        url = f"/collect/key/{token}/submission"
        start = round_.collection_start or dt.date.today()
        statuses: dict[int, int] = {}
        for index, village in enumerate(villages, start=1):
            visit = (start + dt.timedelta(days=rng.randint(0, 27))).isoformat()
            xml = b2_xml(rng, village, version.version, years, visit)
            response = client.post(url, {"xml_submission_file": _upload(xml)})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if index % 100 == 0:
                self.stdout.write(f"  {index}/{len(villages)} sent")
        self.stdout.write(f"Submissions sent: {statuses}")
        # Process what is still waiting here rather than wait for a worker, so the demo is complete.
        waiting = list(
            Submission.objects.filter(round=round_, state=ProcessingState.RECEIVED).values_list("pk", flat=True)
        )
        size = batch_size()
        for start_at in range(0, len(waiting), size):
            submissions_process_batch(waiting[start_at : start_at + size])
        approved = self._approve(round_)
        # The exports app (a sibling of pipeline) records them: reached by command name, not an import.
        call_command("demo_reference_figures", stdout=self.stdout)
        self.stdout.write(
            f"{round_}: {VillageAssessment.objects.filter(round=round_).count()} village assessments, {approved} approved; "
            f"open quality issues: {self._open_issues(round_) or 'none'}.\n"
            f"Round report: http://127.0.0.1:8000/reports/rounds/{round_.number}/ (log in as coordinator)"
        )

    def _villages(self, rng, districts, communities) -> list[DemoVillage]:
        villages = []
        for code, share in DEMO_DISTRICTS.items():
            district = districts[code]
            lat0, lon0 = CENTRES[code]
            for number in range(1, max(1, round(share * communities)) + 1):
                lat, lon = lat0 + rng.uniform(-0.15, 0.15), lon0 + rng.uniform(-0.15, 0.15)
                village, _ = settlement_upsert(
                    code=f"DEMO-{code}-{number:04d}",
                    area=district,
                    name_en=village_name(rng),
                    latitude=round(lat, 6),
                    longitude=round(lon, 6),
                    source=SettlementSource.IMPORT,
                    source_note="Synthetic demo village",
                )
                villages.append(DemoVillage(village.code, code, district.parent.code, lat, lon))
        return villages

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

    def _approve(self, round_) -> int:
        """The demo supervisor's work: approve what came in clean, so the report has data at once; the
        assessments with open quality issues wait on the review desk, as they would in a real round."""
        from django.contrib.auth import get_user_model

        from bma.validation.models import IssueState

        reviewer = get_user_model().objects.filter(username="coordinator").first()
        pending = (
            VillageAssessment.objects.filter(round=round_, is_current=True)
            .exclude(review_state=ReviewState.APPROVED)
            .exclude(issues__state=IssueState.OPEN)
        )
        count = 0
        for assessment in pending.iterator():
            assessment_review(assessment, ReviewState.APPROVED, reviewer, "Demo round")
            count += 1
        return count


def _upload(xml: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("submission.xml", xml, content_type="text/xml")
