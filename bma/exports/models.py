from django.conf import settings
from django.db import models

from bma.core.models import TimeStampedModel


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel workbook (XLSX)"
    CSV = "csv", "CSV files (zip)"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


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
    state = models.CharField(max_length=8, choices=ExportState.choices, default=ExportState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Round {self.round.number} {self.format} ({self.get_state_display()})"
