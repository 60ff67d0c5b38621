"""Is a round ready to publish? What is still open in it, counted, each with the list behind it.

The one owner of the question: the publish page shows it, ``report_publish`` refuses on it (unless the
coordinator writes an override note) and stores it with the version, and the PDF prints it as "figures
as of". It lives in exports because it reads submissions, assessments, referrals and validation, which
all sit below exports in the layer order.

What blocks publishing, and why:

- Submissions waiting, processing or failed: their assessments are not in the figures yet (or never
  will be unless someone looks at the failure), so the version would undercount without saying so.
- Typed-in villages waiting for a supervisor (pending matches of villages an enumerator typed): until
  linked, two visits to one unlisted village count as two communities.
- Open ERROR-severity quality issues on counted (approved, current) assessments: a figure a rule calls
  impossible would be published as fact.
- Spot checks drawn but not compared: the round's own validation of its figures is unfinished.

Not blocking, shown: villages in the visit plan not yet visited. The plan grows with every referral
until the last day and some villages cannot be reached (season, roads, access), so a round rarely ends
with an empty plan; the report counts the communities it did assess, and the count of planned
villages left out is printed with the version so a reader knows the coverage. Blocking on it would
hold every report hostage to the tail of the snowball.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bma.assessments import models as am
from bma.exports.report import counted_assessments
from bma.referrals.models import MatchState, PlanReason, PlanStatus, ReferralMatch, VisitPlanEntry
from bma.submissions.models import ProcessingState, Submission
from bma.validation.models import CheckOutcome, IssueState, QualityIssue, SpotCheckAssignment
from bma.validation.rules import Severity

NOT_PROCESSED = (ProcessingState.RECEIVED, ProcessingState.PROCESSING, ProcessingState.FAILED)


@dataclass(frozen=True)
class ReadinessItem:
    code: str  # stable: stored with a published version
    label: str  # lazy, worded where it is shown
    count: int
    blocking: bool
    link: str  # the admin list behind the count, filtered to the round and the state

    @property
    def is_open(self) -> bool:
        return self.count > 0

    @property
    def blocks(self) -> bool:
        return self.blocking and self.count > 0


LABELS = {
    "submissions": _("Submissions waiting, processing or failed"),
    "typed_villages": _("Typed-in villages waiting for a supervisor"),
    "error_issues": _("Open errors on approved assessments"),
    "spot_checks": _("Spot checks drawn but not compared"),
    "unvisited_villages": _("Planned villages not visited yet"),
}


def _link(model_admin: str, **filters) -> str:
    return f"{reverse(f'admin:{model_admin}_changelist')}?{urlencode(filters)}"


def report_readiness(round_) -> list[ReadinessItem]:
    """What is still open in the round, in the order a coordinator works through it."""
    on_round = {"round__id__exact": round_.pk}
    counted = counted_assessments(round_)
    approved_b1 = am.DistrictAssessment.objects.filter(round=round_, review_state=am.ReviewState.APPROVED)
    rows = [
        (
            "submissions",
            Submission.objects.filter(round=round_, is_current=True, state__in=NOT_PROCESSED).count(),
            True,
            _link("submissions_submission", **on_round, is_current__exact=1, state__in=",".join(NOT_PROCESSED)),
        ),
        (
            "typed_villages",
            ReferralMatch.objects.filter(round=round_, state=MatchState.PENDING, reason=PlanReason.ENUMERATOR).count(),
            True,
            _link(
                "referrals_referralmatch",
                **on_round,
                state__exact=MatchState.PENDING,
                reason__exact=PlanReason.ENUMERATOR,
            ),
        ),
        (
            "error_issues",
            QualityIssue.objects.filter(round=round_, severity=Severity.ERROR, state=IssueState.OPEN)
            .filter(Q(village_assessment__in=counted) | Q(district_assessment__in=approved_b1))
            .count(),
            True,
            # The admin list cannot filter on the assessment's review state: it shows every open error
            # of the round, the approved ones among them.
            _link("validation_qualityissue", **on_round, state__exact=IssueState.OPEN, severity__exact=Severity.ERROR),
        ),
        (
            "spot_checks",
            SpotCheckAssignment.objects.filter(sample__round=round_, outcome=CheckOutcome.PENDING).count(),
            True,
            _link("validation_spotchecksample", **on_round),
        ),
        (
            "unvisited_villages",
            VisitPlanEntry.objects.filter(round=round_, status=PlanStatus.PLANNED).count(),
            False,
            _link("referrals_visitplanentry", **on_round, status__exact=PlanStatus.PLANNED),
        ),
    ]
    return [ReadinessItem(code, LABELS[code], count, blocking, link) for code, count, blocking, link in rows]


def readiness_record(items: list[ReadinessItem], at=None) -> dict:
    """What a published version keeps of it: the time and each count (no links, no words: those are
    worded in the reader's language from the codes)."""
    return {
        "as_of": (at or timezone.now()).isoformat(timespec="seconds"),
        "items": [{"code": i.code, "count": i.count, "blocking": i.blocking} for i in items],
    }


def readiness_in_words(record: dict) -> list[dict]:
    """A stored record's items with their labels, for the published page and the PDF."""
    return [{**item, "label": LABELS.get(item["code"], item["code"])} for item in record.get("items", [])]
