"""The district profile as a printable page and as JSON. Supervisors see the districts of their areas."""

from __future__ import annotations

import copy

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bma.core.roles import Role, user_has_role, user_sees_everything
from bma.exports.profile import district_profile
from bma.exports.report import include_unapproved_param
from bma.exports.report_language import LABEL_INDEX, code_label, population_labels_in_language
from bma.exports.svg import bar_chart
from bma.geo.models import AdminArea, AreaLevel, Settlement
from bma.geo.names import place_name, reader_language
from bma.referrals.models import PlanReason
from bma.rounds.models import Round
from bma.rounds.scoping import user_may_act_in
from bma.xforms import codelists as cl

NOT_YOURS = _("This district is outside the areas you are assigned to.")


def _profile_for(user, number: int, code: str, include_unapproved: bool) -> dict | None:
    """The profile, or None when the user may not see this district (404s are raised for unknowns)."""
    round_ = get_object_or_404(Round, number=number)
    district = get_object_or_404(AdminArea.objects.select_related("parent"), code=code, level=AreaLevel.DISTRICT)
    allowed = user_sees_everything(user) or (
        user_has_role(user, Role.SUPERVISOR) and user_may_act_in(user, district, role=Role.SUPERVISOR)
    )
    return district_profile(round_, district, include_unapproved) if allowed else None


def _labels_for_reader(profile: dict) -> dict:
    """The page's copy of the profile with the code lists' labels in the reader's language (as the
    report does it, by each row's code), the basis of the figures and why each village is planned."""
    language = reader_language()
    index = LABEL_INDEX.get(language, 0)
    populations = copy.deepcopy(profile["populations"])
    for pop in populations:
        population_labels_in_language(pop, language)
    communities = profile["communities"]
    waiting = [
        {**v, "reason": PlanReason(v["reason"]).label if v["reason"] in PlanReason.values else v["reason"]}
        for v in communities["waiting"]
    ]
    references = [
        {**r, "label": code_label(cl.POPULATIONS, r["population"], r["label"], index)}
        for r in profile["reference_figures"]
    ]
    return {
        **profile,
        "basis": gettext(profile["basis"]),
        "populations": populations,
        "communities": {**communities, "waiting": waiting},
        "reference_figures": references,
    }


def _places_for_reader(profile: dict, code: str) -> dict:
    """The page's copy of the profile with the gazetteer's names in the reader's language.

    Only the printable page: the JSON keeps the English names (name_tg and name_ru beside them), the
    same whoever asks; so do its labels (see _labels_for_reader)."""
    district = AdminArea.objects.select_related("parent").get(code=code)
    areas = {a.name_en: a.display_name for a in AdminArea.objects.filter(path__startswith=district.path)}
    communities = profile["communities"]
    listed = [*communities["waiting"], *profile["villages_most_departures"]]
    villages = {s.code: s.display_name for s in Settlement.objects.filter(code__in={v["code"] for v in listed})}

    def village(row: dict) -> dict:
        return {**row, "village": villages.get(row["code"], row["village"])}

    return {
        **profile,
        "district": {**profile["district"], "name": district.display_name, "province": place_name(district.parent)},
        "communities": {**communities, "waiting": [village(v) for v in communities["waiting"]]},
        "villages_most_departures": [village(v) for v in profile["villages_most_departures"]],
        "reference_figures": [{**r, "area": areas.get(r["area"], r["area"])} for r in profile["reference_figures"]],
    }


@login_required
def profile_page(request, number: int, code: str):
    profile = _profile_for(request.user, number, code, include_unapproved_param(request.GET))
    if profile is None:
        raise PermissionDenied(NOT_YOURS)
    profile = _labels_for_reader(_places_for_reader(profile, code))
    charts = {p["code"]: bar_chart([(str(y["year"]), y["total"]) for y in p["yearly"]]) for p in profile["populations"]}
    departures = profile["departures"]
    departure_chart = bar_chart([(str(y["year"]), y["households"]) for y in departures["yearly"]]) if departures else ""
    return render(
        request, "exports/district_profile.html", {"p": profile, "charts": charts, "departure_chart": departure_chart}
    )


class DistrictProfileApi(APIView):
    """A district's profile for a round as JSON (`?include=unapproved` counts every non-rejected assessment)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="district_profile")
    def get(self, request, number: int, code: str):
        profile = _profile_for(request.user, number, code, include_unapproved_param(request.query_params))
        if profile is None:
            raise ApiPermissionDenied(NOT_YOURS)
        return Response(profile)
