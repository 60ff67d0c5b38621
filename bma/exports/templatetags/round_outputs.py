"""``{% load round_outputs %}{% round_outputs %}``: the desk's home page block for coordinators: each
round's work still waiting (counted) and its outputs (report, published versions, district profiles,
exports), so the home page leads to them instead of the reader knowing their addresses. The round's own
admin page shows the same block for that round (``{% round_outputs original %}``).

A tag in exports because it reads assessments, referrals and publishing, which sit below exports.
"""

from __future__ import annotations

from django import template
from django.db.models import Count, Q
from django.urls import reverse

from bma.assessments import models as am
from bma.core.roles import user_sees_everything
from bma.referrals.models import MatchState, ReferralMatch
from bma.rounds.models import Round

register = template.Library()

WAITING_STATES = (am.ReviewState.RECEIVED, am.ReviewState.EDITED, am.ReviewState.HAS_ISSUES)
ROUNDS_SHOWN = 3  # the latest rounds: older ones are reached from the report pages


def round_work(round_) -> dict:
    """What is waiting in a round: assessments a supervisor has not decided, referrals not yet matched."""
    # A village's replaced visits (is_current false) are not waiting for anyone; B1 has one row per visit.
    waiting = (
        am.VillageAssessment.objects.filter(round=round_, is_current=True, review_state__in=WAITING_STATES).count()
        + am.DistrictAssessment.objects.filter(round=round_, review_state__in=WAITING_STATES).count()
    )
    referrals = ReferralMatch.objects.filter(round=round_, state=MatchState.PENDING).count()
    return {"waiting": waiting, "referrals": referrals}


@register.inclusion_tag("exports/_round_outputs.html", takes_context=True)
def round_outputs(context, round_shown=None):
    """The latest rounds on the home page; with ``round_shown``, that round alone (its admin page)."""
    request = context.get("request")
    if request is None or not user_sees_everything(request.user):
        return {"rounds": []}
    rounds = []
    shown = [round_shown] if round_shown is not None else Round.objects.order_by("-number")[:ROUNDS_SHOWN]
    for round_ in shown:
        report = reverse("round-report", args=[round_.number])
        districts = list(
            am.VillageAssessment.objects.filter(round=round_, is_current=True)
            .values("district__code", "district__name_en")
            .annotate(n=Count("pk", filter=Q(district__isnull=False)))
            .filter(n__gt=0)
            .order_by("district__name_en")
        )
        rounds.append(
            {
                "round": round_,
                "work": round_work(round_),
                "report": report,
                "pdf": reverse("round-report-pdf", args=[round_.number]),
                "xlsx": reverse("round-report-xlsx", args=[round_.number]),
                "published": reverse("round-report-published", args=[round_.number]),
                "exports": reverse("admin:exports_exportjob_changelist") + f"?round__id__exact={round_.pk}",
                "districts": [
                    {
                        "name": d["district__name_en"],
                        "url": reverse("district-profile", args=[round_.number, d["district__code"]]),
                    }
                    for d in districts
                ],
            }
        )
    return {"rounds": rounds}
