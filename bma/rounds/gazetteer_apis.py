"""The gazetteer's API: areas and villages, scoped like the admin.

Here in rounds, not in geo: what a caller may see is decided by their round assignments (rounds/scoping.py),
which sit above the gazetteer."""

from django.db.models import Q
from django.urls import path
from rest_framework import generics, serializers

from bma.core.api_permissions import HasReviewRole
from bma.core.params import choice_param, integer_param, text_param
from bma.geo.models import AdminArea, AreaKind, AreaLevel, Settlement, SettlementStatus
from bma.rounds.scoping import area_scope_q


class AreaOutput(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AdminArea
        fields = ["code", "pcode", "parent", "level", "kind", "name_en", "name_tg", "name_ru", "valid_from", "valid_to"]


class AreaListApi(generics.ListAPIView):
    """Administrative areas the caller may see. Filters: level, kind, parent (code)."""

    serializer_class = AreaOutput
    permission_classes = [HasReviewRole]

    def get_queryset(self):
        qs = AdminArea.objects.select_related("parent").filter(area_scope_q(self.request.user))
        params = self.request.query_params
        level = integer_param(params, "level", min(AreaLevel.values), max(AreaLevel.values))
        if level is not None:
            qs = qs.filter(level=level)
        kind = choice_param(params, "kind", AreaKind)
        if kind:
            qs = qs.filter(kind=kind)
        parent = text_param(params, "parent", max_length=32)
        if parent:
            qs = qs.filter(parent__code=parent)
        return qs.order_by("path")


class VillageOutput(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Settlement
        fields = [
            "code",
            "area",
            "district",
            "name_en",
            "name_tg",
            "name_ru",
            "latitude",
            "longitude",
            "status",
            "source",
        ]


class VillageListApi(generics.ListAPIView):
    """Villages the caller may see. Filters: district (code), status, q (name in any script or alias)."""

    serializer_class = VillageOutput
    permission_classes = [HasReviewRole]

    def get_queryset(self):
        qs = Settlement.objects.select_related("area", "district").filter(area_scope_q(self.request.user, "district"))
        params = self.request.query_params
        district = text_param(params, "district", max_length=32)
        if district:
            qs = qs.filter(district__code=district)
        status = choice_param(params, "status", SettlementStatus)
        if status:
            qs = qs.filter(status=status)
        term = text_param(params, "q")
        if term:
            qs = qs.filter(
                Q(name_en__icontains=term)
                | Q(name_tg__icontains=term)
                | Q(name_ru__icontains=term)
                | Q(aliases__name__icontains=term)
            ).distinct()
        return qs.order_by("district__path", "name_en")


urlpatterns = [
    path("areas/", AreaListApi.as_view(), name="area-list"),
    path("villages/", VillageListApi.as_view(), name="village-list"),
]
