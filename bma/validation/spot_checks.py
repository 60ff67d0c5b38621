"""Spot checks: drawing a round's sample, comparing a spot-check visit with the village's assessment,
and the comparison as a supervisor reads it."""

from __future__ import annotations

import random
from dataclasses import asdict

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from bma.assessments import models as am
from bma.assessments.counting import village_counted_assessment
from bma.core.errors import BmaError, codes, message_lazy
from bma.core.numbers import grouped
from bma.geo.models import Settlement
from bma.geo.names import name_in_language
from bma.validation.comparison import (
    compare_count,
    compare_presence,
    compare_round,
    compare_service,
    overall_outcome,
)
from bma.validation.models import (
    CheckOutcome,
    IssueState,
    SpotCheckAssignment,
    SpotCheckSample,
)
from bma.validation.quality_settings import round_tolerances
from bma.validation.sampling import Candidate, SamplingPlan, draw_sample


def spot_check_sample_create(round, *, share=0.10, min_per_district=2, seed=None, user=None) -> SpotCheckSample:
    """The sample's row, with its parameters and seed, before any village is drawn (spot_check_sample_fill
    draws them, in the worker). The seed is chosen here, so every draw of this row is the same draw."""
    SamplingPlan(share=share, min_per_district=min_per_district)  # refuses a wrong share or minimum
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    return SpotCheckSample.objects.create(
        round=round, seed=seed, share=share, min_per_district=min_per_district, drawn_by=user
    )


@transaction.atomic
def spot_check_sample_fill(sample_id: int) -> SpotCheckSample:
    """Draw the villages of a sample row, stratified by district and weighted towards open issues, and
    write the devices' list of villages to check. Once: a redelivered task (acks_late), or a second
    worker, finds the sample drawn and changes nothing, so enumerators keep the list they hold."""
    from bma.xforms.services import list_file_store, spot_check_villages_csv

    sample = SpotCheckSample.objects.select_for_update().select_related("round").get(pk=sample_id)
    if sample.drawn_at is not None:
        return sample
    round = sample.round
    plan = SamplingPlan(share=sample.share, min_per_district=sample.min_per_district)
    # The visits that count (bma.assessments.counting decides which): never a rejected one.
    assessments = list(
        am.VillageAssessment.objects.filter(round=round, is_current=True, village__isnull=False)
        .annotate(open_issues=Count("issues", filter=Q(issues__state=IssueState.OPEN)))
        .select_related("village", "district")
    )
    if not assessments:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(gettext_lazy("%(round)s has no assessed villages to sample yet."), round=round),
        )
    by_village = {a.village_id: a for a in assessments}
    drawn = draw_sample([Candidate(a.village_id, a.district_id, a.open_issues) for a in assessments], plan, sample.seed)
    SpotCheckAssignment.objects.bulk_create(
        SpotCheckAssignment(
            sample=sample,
            assessment=by_village[c.village_id],
            village_id=c.village_id,
            district_id=c.district_id,
            had_open_issues=c.open_issues > 0,
        )
        for c in drawn
    )
    villages = Settlement.objects.filter(pk__in=[c.village_id for c in drawn]).select_related("district")
    content, count = spot_check_villages_csv(villages.order_by("district__code", "name_en"))
    list_file_store(round, "spot_check_villages.csv", content, count)
    sample.drawn_at = timezone.now()
    sample.save(update_fields=["drawn_at", "updated_at"])
    return sample


@transaction.atomic
def spot_check_sample_draw(round, *, share=0.10, min_per_district=2, seed=None, user=None) -> SpotCheckSample:
    """Create a sample and draw it at once (scripts, the demo round); the admin creates the row and
    leaves the draw to the worker."""
    sample = spot_check_sample_create(round, share=share, min_per_district=min_per_district, seed=seed, user=user)
    return spot_check_sample_fill(sample.pk)


def spot_check_compare(visit: am.SpotCheckVisit) -> tuple[SpotCheckAssignment | None, bool]:
    """Compare a spot-check visit with the village's assessment that counts now (bma.assessments.counting
    decides which: a village assessed again since the sample is compared with its new visit).

    Returns the updated assignment (None: the village is not in a sample, or none of its visits counts)
    and whether this comparison newly found a major discrepancy: a replayed or reprocessed visit whose
    outcome was already major says False, so it does not put the village back in the plan again.
    """
    assignment = (
        SpotCheckAssignment.objects.select_for_update()
        .filter(sample__round=visit.round, village=visit.village)
        .order_by("-sample__created_at", "-pk")
        .first()
    )
    if assignment is None:
        return None, False
    assessment = village_counted_assessment(visit.round_id, visit.village_id)
    if assessment is None:
        return None, False
    already_major = assignment.outcome == CheckOutcome.MAJOR and assignment.visit_id == visit.pk
    tolerances = round_tolerances(visit.round)
    figures = {p.population: p for p in assessment.populations.all()}
    comparisons = []
    for observed in visit.figures.all():
        assessed = figures.get(observed.population)
        seen = {"yes": True, "no": False}.get(observed.present)
        comparisons.append(
            compare_presence(f"{observed.population}_present", assessed.present if assessed else False, seen)
        )
        if assessed is not None and observed.count is not None:
            comparisons.append(
                compare_count(f"{observed.population}_total", assessed.total, observed.count, tolerances["total"])
            )
    available = dict(assessment.services.values_list("service", "available"))
    for observed in visit.services.all():
        seen = {"yes": True, "no": False}.get(observed.observed)
        comparisons.append(compare_service(f"svc_{observed.service}", available.get(observed.service), seen))
    typed_round = compare_round(visit.round.number, visit.round_answered)
    if typed_round is not None:
        comparisons.append(typed_round)
    outcome = overall_outcome(comparisons)
    assignment.outcome = outcome
    assignment.visit = visit
    assignment.assessment = assessment  # the visit the comparison was made with
    assignment.comparisons = [asdict(c) for c in comparisons]
    assignment.endorsed_at = timezone.now() if outcome == CheckOutcome.CONFIRMED else None
    assignment.save(update_fields=["outcome", "visit", "assessment", "comparisons", "endorsed_at", "updated_at"])
    return assignment, outcome == CheckOutcome.MAJOR and not already_major


def spot_check_summary(round_, districts: Q | None = None) -> list[dict]:
    """Per district: villages assessed, checked, confirmed, and the shares.

    ``districts`` keeps the districts a user may see (a Q on the rows' ``district``, as area_scope_q gives).
    """
    districts = districts if districts is not None else Q()
    names = ("district__name_en", "district__name_ru", "district__name_tg")
    assessed = {
        row[:3]: row[3]
        for row in am.VillageAssessment.objects.filter(districts, round=round_, is_current=True)
        .values(*names)
        .annotate(n=Count("pk"))
        .values_list(*names, "n")
    }
    checks = (
        SpotCheckAssignment.objects.filter(districts, sample__round=round_)
        .exclude(outcome=CheckOutcome.PENDING)
        .values(*names)
        .annotate(checked=Count("pk"), confirmed=Count("pk", filter=Q(outcome=CheckOutcome.CONFIRMED)))
    )
    by_district = {tuple(c[name] for name in names): c for c in checks}
    summary = []
    # Ordered by the English name, as before; shown in the reader's language.
    for district, n in sorted(assessed.items(), key=lambda item: tuple(v or "" for v in item[0])):
        c = by_district.get(district, {"checked": 0, "confirmed": 0})
        summary.append(
            {
                "district": name_in_language(*district),
                "assessed": n,
                "checked": c["checked"],
                "confirmed": c["confirmed"],
                "share_checked": round(c["checked"] / n, 3) if n else 0.0,
                "share_confirmed": round(c["confirmed"] / c["checked"], 3) if c["checked"] else 0.0,
            }
        )
    return summary


_LABEL_INDEX = {"en": 0, "ru": 1, "tg": 2}


def _code_label(codes: dict, code: str) -> str:
    from django.utils.translation import get_language

    labels = codes.get(code)
    return labels[_LABEL_INDEX.get((get_language() or "en")[:2], 0)] if labels else code


def _yes_no(value) -> str:
    _ = gettext
    if value is None:
        return _("not checked")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def spot_check_rows(assignment: SpotCheckAssignment) -> list[dict]:
    """The comparison of one spot check as a supervisor reads it: one row per compared field with the
    assessment's value, the visit's, the tolerance and the outcome.

    Rows stored before the tolerance was kept with them get it from the round's tolerances now (the
    same arithmetic as the comparison, so the row shows what decided it unless the round's settings
    changed since)."""
    from bma.xforms import codelists as cl

    _ = gettext

    outcomes = dict(CheckOutcome.choices)
    total_tolerance = None
    rows = []
    for c in assignment.comparisons:
        field = c.get("field", "")
        if field == "round":
            label, tolerance = _("Round typed on the tablet"), _("must agree")
        elif field.startswith("svc_"):
            label, tolerance = (
                _("Service: %(service)s") % {"service": _code_label(cl.SERVICES, field[4:])},
                _("must agree"),
            )
        elif field.endswith("_present"):
            label = _("%(population)s present") % {"population": _code_label(cl.POPULATIONS, field[:-8])}
            tolerance = _("must agree")
        elif field.endswith("_total"):
            label = _("%(population)s total") % {"population": _code_label(cl.POPULATIONS, field[:-6])}
            allowed = c.get("allowed")
            if allowed is None and isinstance(c.get("assessed"), int):
                if total_tolerance is None:
                    total_tolerance = round_tolerances(assignment.sample.round_id)["total"]
                allowed = total_tolerance.allowed(c["assessed"])
            tolerance = _("± %(allowed)s") % {"allowed": grouped(allowed)} if allowed is not None else ""
        else:
            label, tolerance = field, ""
        # A population's total is a count a supervisor reads (12 345); a round number stays as typed.
        shown = grouped if field.endswith("_total") else _yes_no
        rows.append(
            {
                "field": label,
                "assessed": shown(c.get("assessed")) if c.get("assessed") is not None else _yes_no(None),
                "observed": shown(c.get("observed")) if c.get("observed") is not None else _yes_no(None),
                "tolerance": tolerance,
                "outcome": outcomes.get(c.get("outcome"), c.get("outcome", "")),
                "code": c.get("outcome", ""),
            }
        )
    return rows
