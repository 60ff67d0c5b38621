from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from bma.assessments.models import POPULATION_CHOICES
from bma.core.models import TimeStampedModel


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel workbook (XLSX)"
    CSV = "csv", "CSV files (zip)"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired (file deleted)"


class ExportJob(TimeStampedModel):
    """A round dataset being built by the worker; coordinators download it when done."""

    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=8, choices=ExportFormat.choices, default=ExportFormat.XLSX)
    include_unapproved = models.BooleanField(
        default=False, help_text="Also assessments not yet approved (never rejected ones)."
    )
    include_personal = models.BooleanField(
        default=False, help_text="Informants' names and phones (needs the permission)."
    )
    hxl = models.BooleanField(default=False, help_text="Add an HXL hashtag row under the headers.")
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text="Language of the sheet names and the codebook; variable names and codes stay as they are.",
    )
    state = models.CharField(max_length=8, choices=ExportState.choices, default=ExportState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When the file is deleted (exports with personal data only)."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Round {self.round.number} {self.format} ({self.get_state_display()})"


class ExportDownload(models.Model):
    """Who downloaded which export, when and from where: kept after the file itself is gone."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    downloaded_at = models.DateTimeField(auto_now_add=True)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.job} at {self.downloaded_at:%Y-%m-%d %H:%M}"


# Bounds of a reference figure: a district's count of people, never a wrapped or capped number.
REFERENCE_VALUE_MAX = 10_000_000


class ReferenceFigure(TimeStampedModel):
    """A figure from another source (a ministry, the Migration Service, a census) that coordinators set
    beside the round's estimates: "Migration Service: 24,000 Asht residents in labour migration, July 2024"."""

    area = models.ForeignKey("geo.AdminArea", on_delete=models.PROTECT, related_name="reference_figures")
    population = models.CharField(
        max_length=3, choices=POPULATION_CHOICES, help_text="The BMA population the figure counts."
    )
    source = models.CharField(max_length=200, help_text="Who published it, e.g. the Migration Service.")
    as_of = models.DateField(help_text="The date the figure refers to.")
    value = models.PositiveIntegerField(validators=[MaxValueValidator(REFERENCE_VALUE_MAX)])
    note = models.TextField(blank=True, help_text="How it was counted, where it was published.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["area__code", "population", "-as_of"]
        indexes = [models.Index(fields=["area", "as_of"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__lte=REFERENCE_VALUE_MAX), name="reference_figure_value_bounded"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.value} {self.get_population_display()} in {self.area}, {self.as_of}"


def published_report_path(instance, filename: str) -> str:
    return f"reports/round-{instance.round.number}/v{instance.version}/{filename}"


class PublishedReport(models.Model):
    """A version of a round's report as sent out: its figures, workbook and PDFs (one per language), frozen.

    Rows and files are written once by ``report_publish`` and never changed: later edits and approvals
    change the live report only. The SHA-256 of each file lets anyone check a copy they were sent.
    """

    round = models.ForeignKey("rounds.Round", on_delete=models.PROTECT, related_name="published_reports")
    version = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, help_text="What this version is for, or what changed since the last.")
    figures = models.JSONField(help_text="The figures as published (also the figures file).")
    figures_file = models.FileField(upload_to=published_report_path)
    figures_sha256 = models.CharField(max_length=64)
    xlsx_file = models.FileField(upload_to=published_report_path)
    xlsx_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["round__number", "-version"]
        constraints = [models.UniqueConstraint(fields=["round", "version"], name="one_published_version_number")]

    def __str__(self) -> str:
        return f"Round {self.round.number} report, version {self.version}"


def published_document_path(instance, filename: str) -> str:
    return published_report_path(instance.report, filename)


class PublishedDocument(models.Model):
    """The PDF of a published version in one language: the same figures, labels in that language."""

    report = models.ForeignKey(PublishedReport, on_delete=models.PROTECT, related_name="documents")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    file = models.FileField(upload_to=published_document_path)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["report", "language"]
        constraints = [models.UniqueConstraint(fields=["report", "language"], name="one_document_per_language")]

    def __str__(self) -> str:
        return f"{self.report} ({self.language})"
