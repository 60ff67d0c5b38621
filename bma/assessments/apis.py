from django.db.models import Prefetch
from django.urls import path
from rest_framework import generics, serializers

from bma.assessments.models import PopulationFigure, ReviewState, VillageAssessment
from bma.core.api_permissions import HasReviewRole
from bma.core.params import boolean_param, choice_param, integer_param, text_param
from bma.rounds.scoping import area_scope_q


class VillageAssessmentOutput(serializers.ModelSerializer):
    round = serializers.IntegerField(source="round.number")
    district = serializers.CharField(source="district.code")
    village_code = serializers.CharField(source="village.code", default="")
    village = serializers.SerializerMethodField()
    populations = serializers.SerializerMethodField()

    class Meta:
        model = VillageAssessment
        fields = [
            "id",
            "round",
            "district",
            "village_code",
            "village",
            "visit_date",
            "review_state",
            "is_current",
            "households",
            "populations",
        ]

    def get_village(self, a) -> str:
        return a.village.name_en if a.village else a.village_name_typed

    def get_populations(self, a) -> dict:
        return {f.population: {"present": f.present, "total": f.total} for f in a.populations.all()}


class VillageAssessmentListApi(generics.ListAPIView):
    """B2 village assessments in the caller's areas. Filters: round (number), area (code: a province,
    district or jamoat, with everything below it), state (review state), current (true/false)."""

    serializer_class = VillageAssessmentOutput
    permission_classes = [HasReviewRole]

    def get_queryset(self):
        params = self.request.query_params
        qs = (
            VillageAssessment.objects.filter(area_scope_q(self.request.user, "district"))
            .select_related("round", "district", "village")
            .prefetch_related(Prefetch("populations", queryset=PopulationFigure.objects.order_by("population")))
            .order_by("-visit_date", "-pk")
        )
        round_number = integer_param(params, "round")
        if round_number is not None:
            qs = qs.filter(round__number=round_number)
        area_code = text_param(params, "area", max_length=32)
        if area_code:
            from bma.geo.models import AdminArea

            area = AdminArea.objects.filter(code=area_code).first()
            qs = qs.filter(district__path__startswith=area.path) if area else qs.none()
        state = choice_param(params, "state", ReviewState)
        if state:
            qs = qs.filter(review_state=state)
        current = boolean_param(params, "current")
        if current is not None:
            qs = qs.filter(is_current=current)
        return qs


urlpatterns = [path("assessments/", VillageAssessmentListApi.as_view(), name="assessment-list")]
