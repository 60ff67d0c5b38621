"""The enumerator's own page: the forms to fill (in the browser or in ODK Collect), what they sent and
how far it got, and what a supervisor sent back with the comment saying why.

Field accounts have no desk (bma.core.roles gives enumerators no admin permission), so before this page
logging in at /accounts/login/ ended on a 404. Everyone lands here after logging in; desk users go on to
the desk. Nothing about the informants is shown: their names and phones need view_personal_data, and
the page identifies a submission by its form, village or district and date only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext

from bma.assessments.models import DistrictAssessment, ReviewEvent, ReviewState, SpotCheckVisit, VillageAssessment
from bma.core.errors import BmaError
from bma.geo.names import place_name
from bma.rounds.services import round_for_collection
from bma.submissions.models import Submission
from bma.xforms.distribution import forms_for_devices
from bma.xforms.models import FormKind

# States a supervisor sets to send an assessment back: the enumerator has something to correct or redo.
SENT_BACK = (ReviewState.HAS_ISSUES, ReviewState.REJECTED)
# The newest sent items shown; older ones stay on the server and in the desk.
SENT_SHOWN = 50


@dataclass(frozen=True)
class SentItem:
    form: str
    place: str
    visit_date: date | None
    received_at: datetime
    processing: str
    review: str
    review_state: str
    comment: str


def _form_title(form) -> str:
    return form.get_kind_display() if form.kind and form.kind != FormKind.OTHER else form.title


def _assessments_by_submission(submission_ids: list[int]) -> dict[int, object]:
    found = {}
    for model, related in (
        (VillageAssessment, ("village", "district")),
        (DistrictAssessment, ("district",)),
        (SpotCheckVisit, ("village", "district")),
    ):
        for row in model.objects.filter(submission_id__in=submission_ids).select_related(*related):
            found[row.submission_id] = row
    return found


def _last_comments(assessments) -> dict[tuple[str, int], str]:
    """The comment of the latest review event that set each assessment's current state."""
    owners = {VillageAssessment: "village_assessment", DistrictAssessment: "district_assessment"}
    owners[SpotCheckVisit] = "spot_check_visit"
    comments: dict[tuple[str, int], str] = {}
    for model, owner in owners.items():
        ids = [a.pk for a in assessments if isinstance(a, model)]
        if not ids:
            continue
        events = ReviewEvent.objects.filter(**{f"{owner}_id__in": ids}).order_by("-created_at", "-pk")
        for owner_id, to_state, comment in events.values_list(f"{owner}_id", "to_state", "comment"):
            comments.setdefault((owner, owner_id), comment if to_state in SENT_BACK else "")
    return comments


def _owner(assessment) -> str:
    return {VillageAssessment: "village_assessment", DistrictAssessment: "district_assessment"}.get(
        type(assessment), "spot_check_visit"
    )


def enumerator_home(user) -> dict:
    """What the page shows for ``user``: forms, the newest sent items, the ones sent back."""
    try:
        round_ = round_for_collection(user)
        round_problem = ""
    except BmaError as exc:
        round_, round_problem = None, str(exc)
    forms = []
    if round_ is not None:
        for form, _version in forms_for_devices(None, round_):
            forms.append({"title": _form_title(form), "url": reverse("webform", kwargs={"form_id": form.xml_form_id})})

    submissions = list(
        Submission.objects.filter(submitted_by=user, is_current=True)
        .select_related("form")
        .order_by("-created_at", "-pk")[:SENT_SHOWN]
    )
    assessments = _assessments_by_submission([s.pk for s in submissions])
    comments = _last_comments(list(assessments.values()))
    sent = []
    for submission in submissions:
        assessment = assessments.get(submission.pk)
        place = ""
        if assessment is not None:
            village = getattr(assessment, "village", None)
            fallback = getattr(assessment, "village_name_typed", "")
            place = place_name(village, fallback) if (village or fallback) else place_name(assessment.district)
        state = assessment.review_state if assessment is not None else ""
        sent.append(
            SentItem(
                form=_form_title(submission.form),
                place=place,
                visit_date=getattr(assessment, "visit_date", None),
                received_at=submission.created_at,
                processing=submission.get_state_display(),
                review=assessment.get_review_state_display() if assessment is not None else "",
                review_state=state,
                comment=comments.get((_owner(assessment), assessment.pk), "") if assessment is not None else "",
            )
        )
    return {
        "round": round_,
        "round_problem": round_problem,
        "forms": forms,
        "sent": sent,
        "sent_back": [item for item in sent if item.review_state in SENT_BACK],
    }


@login_required
def field_home(request):
    # Desk users (supervisors, coordinators) have their home in the desk.
    if request.user.is_staff:
        return redirect("admin:index")
    context = enumerator_home(request.user)
    context.update(
        title=gettext("My forms"),
        collect_server=request.build_absolute_uri(reverse("openrosa-root")),
        username=request.user.get_username(),
    )
    return TemplateResponse(request, "review/field_home.html", context)
