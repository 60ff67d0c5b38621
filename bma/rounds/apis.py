from django.urls import path
from rest_framework import generics, serializers

from bma.core.api_permissions import HasReviewRole
from bma.rounds.models import Round


class RoundOutput(serializers.ModelSerializer):
    class Meta:
        model = Round
        fields = [
            "number",
            "name",
            "state",
            "collection_start",
            "collection_end",
            "reference_start",
            "reference_end",
        ]


class RoundListApi(generics.ListAPIView):
    """Rounds of data collection (every staff role sees all rounds; their data is scoped elsewhere)."""

    serializer_class = RoundOutput
    permission_classes = [HasReviewRole]
    queryset = Round.objects.order_by("-number")


urlpatterns = [path("rounds/", RoundListApi.as_view(), name="round-list")]
