"""The form registry: forms, their published versions (immutable), and the list files they use."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bma.core.models import TimeStampedModel


class FormState(models.TextChoices):
    # As in ODK Central: a closing form drops out of the form list but still accepts submissions.
    OPEN = "open", "Open"
    CLOSING = "closing", "Closing"
    CLOSED = "closed", "Closed"


class FormKind(models.TextChoices):
    B1 = "b1", "B1 district assessment"
    B2 = "b2", "B2 village assessment"
    SPOT_CHECK = "spot_check", "Spot-check visit"
    OTHER = "other", "Other form"


class Form(TimeStampedModel):
    xml_form_id = models.CharField(max_length=249, unique=True, help_text="The formID (id attribute of the form).")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=FormKind.choices, default=FormKind.OTHER)
    state = models.CharField(max_length=16, choices=FormState.choices, default=FormState.OPEN)

    class Meta:
        ordering = ["xml_form_id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.xml_form_id})"

    @property
    def accepts_submissions(self) -> bool:
        return self.state in (FormState.OPEN, FormState.CLOSING)

    @property
    def listed_to_devices(self) -> bool:
        return self.state == FormState.OPEN


class FormVersion(TimeStampedModel):
    """A published version. Never changed after publication: a new workbook means a new version."""

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=249)
    xlsform = models.BinaryField(help_text="The XLSForm workbook bytes as uploaded or built.")
    xlsform_sha256 = models.CharField(max_length=64)
    xml = models.TextField(help_text="The XForm XML exactly as served to devices.")
    xml_md5 = models.CharField(max_length=32, help_text="MD5 of the served XML bytes (the form list hash).")
    media_filenames = models.JSONField(default=list, blank=True, help_text="List files the form reads.")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["form", "-published_at"]
        get_latest_by = "published_at"
        constraints = [models.UniqueConstraint(fields=["form", "version"], name="form_version_unique")]

    def __str__(self) -> str:
        return f"{self.form.xml_form_id} v{self.version}"


class ListFile(TimeStampedModel):
    """A CSV list file for the forms (villages, districts, rounds...), regenerated from the gazetteer.

    The manifest hash is the MD5 of ``content``: when the list changes, the hash changes, and devices
    fetch it again on their next refresh.
    """

    round = models.ForeignKey(
        "rounds.Round", null=True, blank=True, on_delete=models.CASCADE, related_name="list_files"
    )
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    md5 = models.CharField(max_length=32)
    row_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["round", "filename"]
        constraints = [
            models.UniqueConstraint(fields=["round", "filename"], name="list_file_unique_per_round"),
            models.UniqueConstraint(
                fields=["filename"], condition=models.Q(round__isnull=True), name="list_file_unique_global"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.round or 'all rounds'})"
