from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bma.assessments.models import POPULATION_CHOICES
from bma.core.models import TimeStampedModel


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    CSV = "csv", _("CSV files (zip)")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired (file deleted)")


class ExportJob(TimeStampedModel):
    """A round dataset being built by the worker; coordinators download it when done."""

    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="exports", verbose_name=_("round"))
    format = models.CharField(
        max_length=8, choices=ExportFormat.choices, default=ExportFormat.XLSX, verbose_name=_("format")
    )
    include_unapproved = models.BooleanField(
        default=False,
        verbose_name=_("include assessments not yet approved"),
        help_text=_("Also assessments not yet approved (never rejected ones)."),
    )
    include_personal = models.BooleanField(
        default=False,
        verbose_name=_("include personal data"),
        help_text=_("Informants' names and phones (needs the permission)."),
    )
    hxl = models.BooleanField(
        default=False, verbose_name=_("HXL hashtags"), help_text=_("Add an HXL hashtag row under the headers.")
    )
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        verbose_name=_("language"),
        help_text=_("Language of the sheet names and the codebook; variable names and codes stay as they are."),
    )
    state = models.CharField(
        max_length=8, choices=ExportState.choices, default=ExportState.QUEUED, verbose_name=_("state")
    )
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"), help_text=_("Per cent done."))
    file = models.FileField(upload_to="exports/", blank=True, verbose_name=_("file"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    expires_at = models.DateTimeField(
        null=True,
        blank=True,
        verbose_name=_("expires at"),
        help_text=_("When the file is deleted (exports with personal data only)."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")

    def __str__(self) -> str:
        return gettext("Round %(number)s %(format)s (%(state)s)") % {
            "number": self.round.number,
            "format": self.format,
            "state": self.get_state_display(),
        }


class ExportDownload(models.Model):
    """Who downloaded which export, when and from where: kept after the file itself is gone."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="downloads", verbose_name=_("export job"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user")
    )
    downloaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("downloaded at"))
    address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("address"))

    class Meta:
        ordering = ["-downloaded_at"]
        verbose_name = _("export download")
        verbose_name_plural = _("export downloads")

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.job} at {self.downloaded_at:%Y-%m-%d %H:%M}"


# Bounds of a reference figure: a district's count of people, never a wrapped or capped number.
REFERENCE_VALUE_MAX = 10_000_000


class ReferenceFigure(TimeStampedModel):
    """A figure from another source (a ministry, the Migration Service, a census) that coordinators set
    beside the round's estimates: "Migration Service: 24,000 Asht residents in labour migration, July 2024"."""

    area = models.ForeignKey(
        "geo.AdminArea", on_delete=models.PROTECT, related_name="reference_figures", verbose_name=_("area")
    )
    population = models.CharField(
        max_length=3,
        choices=POPULATION_CHOICES,
        verbose_name=_("population"),
        help_text=_("The BMA population the figure counts."),
    )
    source = models.CharField(
        max_length=200, verbose_name=_("source"), help_text=_("Who published it, e.g. the Migration Service.")
    )
    as_of = models.DateField(verbose_name=_("as of"), help_text=_("The date the figure refers to."))
    value = models.PositiveIntegerField(validators=[MaxValueValidator(REFERENCE_VALUE_MAX)], verbose_name=_("value"))
    note = models.TextField(
        blank=True, verbose_name=_("note"), help_text=_("How it was counted, where it was published.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["area__code", "population", "-as_of"]
        verbose_name = _("reference figure")
        verbose_name_plural = _("reference figures")
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

    round = models.ForeignKey(
        "rounds.Round", on_delete=models.PROTECT, related_name="published_reports", verbose_name=_("round")
    )
    version = models.PositiveIntegerField(verbose_name=_("version"))
    published_at = models.DateTimeField(verbose_name=_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    note = models.TextField(
        blank=True,
        verbose_name=_("note"),
        help_text=_("What this version is for, or what changed since the last."),
    )
    figures = models.JSONField(
        verbose_name=_("figures"), help_text=_("The figures as published (also the figures file).")
    )
    figures_file = models.FileField(upload_to=published_report_path, verbose_name=_("figures file"))
    figures_sha256 = models.CharField(max_length=64, verbose_name=_("figures SHA-256"))
    xlsx_file = models.FileField(upload_to=published_report_path, verbose_name=_("workbook file"))
    xlsx_sha256 = models.CharField(max_length=64, verbose_name=_("workbook SHA-256"))
    readiness = models.JSONField(
        default=dict,
        blank=True,
        verbose_name=_("readiness"),
        help_text=_("What was still open in the round when it was published."),
    )
    override_note = models.TextField(
        blank=True,
        verbose_name=_("override note"),
        help_text=_("Why this version was published while items that block publishing were open."),
    )

    class Meta:
        ordering = ["round__number", "-version"]
        verbose_name = _("published report")
        verbose_name_plural = _("published reports")
        constraints = [models.UniqueConstraint(fields=["round", "version"], name="one_published_version_number")]

    def __str__(self) -> str:
        return gettext("Round %(number)s report, version %(version)s") % {
            "number": self.round.number,
            "version": self.version,
        }


def published_document_path(instance, filename: str) -> str:
    return published_report_path(instance.report, filename)


class PublishedDocument(models.Model):
    """The PDF of a published version in one language: the same figures, labels in that language."""

    report = models.ForeignKey(
        PublishedReport, on_delete=models.PROTECT, related_name="documents", verbose_name=_("published report")
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, verbose_name=_("language"))
    file = models.FileField(upload_to=published_document_path, verbose_name=_("file"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))

    class Meta:
        ordering = ["report", "language"]
        verbose_name = _("published document")
        verbose_name_plural = _("published documents")
        constraints = [models.UniqueConstraint(fields=["report", "language"], name="one_document_per_language")]

    def __str__(self) -> str:
        return f"{self.report} ({self.language})"


class PublishState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Publishing")
    DONE = "done", _("Published")
    FAILED = "failed", _("Failed")


PUBLISH_ACTIVE_STATES = (PublishState.QUEUED, PublishState.RUNNING)


class PublishJob(TimeStampedModel):
    """A coordinator's "publish": the figures twice and a PDF per language take minutes on a big round, more
    than a web request may, so the export worker makes the version (bma/exports/publish_jobs.py) while the
    published page shows how far it is, then the version or why it failed."""

    round = models.ForeignKey(
        "rounds.Round", on_delete=models.CASCADE, related_name="publish_jobs", verbose_name=_("round")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    override_note = models.TextField(blank=True, verbose_name=_("override note"))
    confirm = models.BooleanField(
        default=False,
        verbose_name=_("publish unchanged figures"),
        help_text=_("The coordinator confirmed publishing figures no different from the latest version."),
    )
    # The requester's language: the worker words a refusal in it, as the page would have.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en", verbose_name=_("language"))
    state = models.CharField(
        max_length=8, choices=PublishState.choices, default=PublishState.QUEUED, verbose_name=_("state")
    )
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"), help_text=_("Per cent done."))
    report = models.ForeignKey(
        PublishedReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published report"),
    )
    error_code = models.CharField(max_length=64, blank=True, verbose_name=_("error code"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("publish job")
        verbose_name_plural = _("publish jobs")
        constraints = [
            # Two coordinators pressing "publish" at once: one job is queued, the other is told one is running.
            models.UniqueConstraint(
                fields=["round"],
                condition=models.Q(state__in=["queued", "running"]),
                name="one_publish_job_at_a_time_per_round",
            )
        ]

    def __str__(self) -> str:
        return gettext("Publishing Round %(number)s (%(state)s)") % {
            "number": self.round.number,
            "state": self.get_state_display(),
        }
