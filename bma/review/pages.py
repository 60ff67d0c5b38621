"""What each assessment page shows (B2, B1, spot check): headings, the figures in words, the
submission's parts and whether the visit counts. The admin in admin.py lays them out."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from bma.assessments import models as m
from bma.assessments.review import DECISIONS as REVIEW_DECISIONS
from bma.assessments.review import (
    NEEDS_COMMENT,
)
from bma.core.numbers import grouped
from bma.geo.models import AdminArea, Settlement
from bma.geo.names import place_name
from bma.review.totals import total_label, total_note
from bma.submissions.models import PayloadFormat, PullSource, SubmissionAttachment
from bma.submissions.payload_view import payload_for_reader
from bma.xforms import codelists as cl

# The assessment page's sections after the decision, in order (each shows nothing for a model it has


def counts_line(a: m.VillageAssessment) -> str:
    """Whether this visit is the one of its village that counts in the round, and who chose it."""
    if a.is_current:
        line = _("This visit counts for its village in this round.")
    elif a.review_state == m.ReviewState.REJECTED:
        line = _("This visit is rejected: it does not count.")
    else:
        line = _("Another visit of this village counts in this round.")
    if a.counted_at is not None:
        line += " " + _("Chosen to count by %(user)s on %(date)s.") % {
            "user": a.counted_by.get_username() if a.counted_by else "?",
            "date": date_format(timezone.localtime(a.counted_at), "SHORT_DATETIME_FORMAT"),
        }
    return line


# The assessment page's buttons: (decision posted, label, access key, whether a comment is needed).
DECISIONS = [
    (name, label, key, REVIEW_DECISIONS[name] in NEEDS_COMMENT)
    for name, label, key in (
        ("approve", gettext_lazy("Approve"), "a"),
        ("flag", gettext_lazy("Has issues"), "h"),
        ("reject", gettext_lazy("Reject"), "x"),
    )
]


# Which of a code list's (en, ru, tg) labels a reader of each language gets.
LABEL_INDEX = {"en": 0, "ru": 1, "tg": 2}


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _label(codes: dict, code: str) -> str:
    """A code's label in the reader's language, from the code list's own tuple (the code if unknown)."""
    labels = codes.get(code)
    return labels[LABEL_INDEX.get(_language(), 0)] if labels else code


def _labels(codes: dict, values) -> str:
    return ", ".join(_label(codes, v) for v in values)


def assessment_heading(a: m.VillageAssessment) -> str:
    village = a.village
    if village is None:
        return f"B2 {a.village_name_typed} ({a.round_id})"
    return f"B2 {place_name(village)} ({village.code}) ({a.round_id})"


def assessment_page(a: m.VillageAssessment, reader) -> dict:
    """What the assessment page shows, as a supervisor reads it, in the reader's language."""
    figures = {
        f.population: f for f in a.populations.prefetch_related("yearly", "countries", "reasons", "areas__area").all()
    }
    rows = [
        (_("Present"), lambda f: _label(cl.YES_NO, "yes" if f.present else "no")),
        (total_label(a), lambda f: f.total),
    ]
    # The round's years and any year this assessment holds (an older form version may hold others).
    held = {y.year for f in figures.values() for y in f.yearly.all()}
    for year in sorted(set(a.round.reference_years) | held):
        rows.append((str(year), lambda f, y=year: next((x.count for x in f.yearly.all() if x.year == y), "")))
    rows += [
        (
            _("Countries"),
            lambda f: ", ".join(f"{_label(cl.COUNTRIES, c.country)} {grouped(c.count)}" for c in f.countries.all()),
        ),
        (
            _("Districts"),
            lambda f: ", ".join(f"{place_name(x.area, x.area_code)} {grouped(x.count)}" for x in f.areas.all()),
        ),
        (_("Reasons"), lambda f: _labels(cl.REASONS, [r.reason for r in f.reasons.all()])),
        (_("Type of migration"), lambda f: _label(cl.MIGRATION_TYPES, f.migration_type) if f.migration_type else ""),
    ]
    not_asked = _("not asked")
    table = [
        (label, [getter(figures[p]) if p in figures else not_asked for p in cl.POPULATION_CODES])
        for label, getter in rows
    ]
    referred = list(a.referrals.all())
    districts = {x.code: x for x in AdminArea.objects.filter(code__in={r.district_code for r in referred})}
    villages = {x.code: x for x in Settlement.objects.filter(code__in={r.village_code for r in referred} - {""})}
    referrals = [
        (
            r,
            place_name(districts.get(r.district_code), r.district_code),
            place_name(villages.get(r.village_code), r.village_code) if r.village_code in villages else r.name_typed,
            _labels(cl.POPULATIONS, r.populations or []),
        )
        for r in referred
    ]
    return {
        "population_headers": [_label(cl.POPULATIONS, p) for p in cl.POPULATION_CODES],
        "population_table": table,
        "total_note": total_note(a),
        "services": a.services.all(),
        "informants": a.informants.all(),
        "referrals": referrals,
        **_submission_parts(a, reader),
    }


def _waiting_for_media(submission) -> bool:
    """A pull source still waits for files this submission names (Central has not received them all)."""
    lists = PullSource.objects.filter(form_id=submission.form_id).values_list("media_waiting", flat=True)
    return any(submission.root_instance_id in (waiting or []) for waiting in lists)


def _submission_parts(a, reader) -> dict:
    """What every assessment page shows of its submission: review history, photos, the raw answers."""
    return {
        "waiting_for_media": _waiting_for_media(a.submission),
        # Facts read from ODK Central or KoboToolbox by the pull: shown, never our own decision.
        "from_kobo": a.submission.payload_format == PayloadFormat.KOBO_JSON,
        "central_deleted_at": a.submission.central_deleted_at,
        "central_rejected_at": a.submission.central_review_state_at
        if a.submission.central_review_state == "rejected"
        else None,
        "history": a.review_events.select_related("actor"),
        "raw_payload": payload_for_reader(a.submission, reader),
        "attachments": [
            (att, reverse("admin:assessments_attachment", args=[att.pk]))
            for att in SubmissionAttachment.objects.filter(submission=a.submission)
        ],
    }


def _estimates_in_words(estimates: dict) -> str:
    return ", ".join(f"{_label(cl.POPULATIONS, code)} {grouped(count)}" for code, count in (estimates or {}).items())


def district_assessment_heading(a: m.DistrictAssessment) -> str:
    return f"B1 {place_name(a.district)} ({a.round_id})"


def district_assessment_page(a: m.DistrictAssessment, reader) -> dict:
    """The B1 page: the district's estimates per population, its informants (no names: those are in
    InformantContact, never on this page) and the villages it nominates as entered."""
    estimates = {e.population: e.total for e in a.estimates.all()}
    nominations = list(a.nominations.all())
    villages = {x.code: x for x in Settlement.objects.filter(code__in={n.village_code for n in nominations} - {""})}
    return {
        "estimates": [
            (_label(cl.POPULATIONS, code), estimates.get(code, _("not asked"))) for code in cl.POPULATION_CODES
        ],
        "informants": a.informants.all(),
        "nominations": [
            (
                n,
                n.get_flow_display(),
                place_name(villages[n.village_code]) if n.village_code in villages else n.name_typed or n.village_code,
                _estimates_in_words(n.estimates),
            )
            for n in nominations
        ],
        **_submission_parts(a, reader),
    }


def spot_check_visit_heading(v: m.SpotCheckVisit) -> str:
    code = f" ({v.village.code})" if v.village else ""
    return f"{_('Spot check')} {place_name(v.village)}{code} ({v.round_id})"


def spot_check_visit_page(v: m.SpotCheckVisit, reader) -> dict:
    """The spot-check visit page's own parts; the comparison with the B2 is validation's section."""
    return {"notes": v.notes, **_submission_parts(v, reader)}
