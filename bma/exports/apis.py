from django.shortcuts import get_object_or_404
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from bma.api.permissions import IsCoordinator
from bma.exports.report import previous_round_of, round_figures
from bma.rounds.models import Round


class RoundReportApi(APIView):
    """The round report's figures (the tables of the published report) as JSON.

    `?include=unapproved` counts every assessment that is not rejected, not only approved ones.
    """

    permission_classes = [IsCoordinator]

    def get(self, request, number: int):
        round_ = get_object_or_404(Round, number=number)
        include = request.query_params.get("include") == "unapproved"
        return Response(round_figures(round_, include, previous_round_of(round_)))


urlpatterns = [path("rounds/<int:number>/report/", RoundReportApi.as_view(), name="round-report")]
