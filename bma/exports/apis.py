from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from bma.core.api_permissions import IsCoordinator
from bma.core.params import INT4_MAX, choice_param
from bma.exports.models import ExportFormat, ExportJob, ExportState
from bma.exports.profile_views import DistrictProfileApi
from bma.exports.report import include_unapproved_param, previous_round_of, round_figures
from bma.exports.report_language import LABEL_INDEX, figures_in_language
from bma.exports.services import export_jobs_visible_to
from bma.exports.tasks import export_job_start
from bma.rounds.models import Round


class RoundReportApi(APIView):
    """The round report's figures (the tables of the published report) as JSON.

    `?include=unapproved` counts every assessment that is not rejected, not only approved ones.
    `?lang=ru` or `tg`: the same figures with their labels (populations, places, reasons...) in Russian
    or Tajik; English by default.
    `comparison` sets the previous round's figures beside this round's, as the previous round's latest
    published version (`before_published`, `before_version`); where it has none, its live figures, with
    `before_published` false. Breakdown rows carry their area `code`.
    """

    permission_classes = [IsCoordinator]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="round_report")
    def get(self, request, number: int):
        round_ = get_object_or_404(Round, number=number)
        include = include_unapproved_param(request.query_params)
        language = choice_param(request.query_params, "lang", list(LABEL_INDEX)) or "en"
        figures = round_figures(round_, include, previous_round_of(round_))
        return Response(figures_in_language(figures, language))


class ExportJobOutput(serializers.ModelSerializer):
    round = serializers.IntegerField(source="round.number")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "round",
            "format",
            "include_unapproved",
            "include_personal",
            "hxl",
            "language",
            "state",
            "progress",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]

    def get_download_url(self, job) -> str | None:
        if job.state != ExportState.DONE:
            return None
        return self.context["request"].build_absolute_uri(reverse("export-download", args=[job.pk]))


class ExportJobInput(serializers.Serializer):
    round = serializers.IntegerField(help_text="Round number", min_value=1, max_value=INT4_MAX)
    format = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.XLSX)
    include_unapproved = serializers.BooleanField(default=False)
    include_personal = serializers.BooleanField(default=False)
    hxl = serializers.BooleanField(default=False)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="Sheet names and codebook text (variable names stay the same); default: your own language.",
    )


class ExportJobListApi(APIView):
    """Start a round dataset export (202, then poll its progress), or list the exports."""

    permission_classes = [IsCoordinator]

    @extend_schema(responses={200: ExportJobOutput(many=True)}, operation_id="exports_list")
    def get(self, request):
        jobs = export_jobs_visible_to(request.user, ExportJob.objects.select_related("round"))[:100]
        return Response(ExportJobOutput(jobs, many=True, context={"request": request}).data)

    @extend_schema(request=ExportJobInput, responses={202: ExportJobOutput}, operation_id="exports_start")
    def post(self, request):
        data = ExportJobInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        round_ = get_object_or_404(Round, number=values.pop("round"))
        job = export_job_start(round=round_, user=request.user, **values)
        return Response(ExportJobOutput(job, context={"request": request}).data, status=202)


class ExportJobApi(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(responses={200: ExportJobOutput}, operation_id="exports_detail")
    def get(self, request, job_id: int):
        job = get_object_or_404(
            export_jobs_visible_to(request.user, ExportJob.objects.select_related("round")), pk=job_id
        )
        return Response(ExportJobOutput(job, context={"request": request}).data)


urlpatterns = [
    path("rounds/<int:number>/report/", RoundReportApi.as_view(), name="round-report"),
    path(
        "rounds/<int:number>/districts/<str:code>/profile/",
        DistrictProfileApi.as_view(),
        name="district-profile",
    ),
    path("exports/", ExportJobListApi.as_view(), name="export-list"),
    path("exports/<int:job_id>/", ExportJobApi.as_view(), name="export-detail"),
]
