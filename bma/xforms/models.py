"""The form registry: forms, their published versions (immutable), and the list files they use."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bma.core.models import TimeStampedModel


class FormState(models.TextChoices):
    # As in ODK Central: a closing form drops out of the form list but still accepts submissions.
    OPEN = "open", pgettext_lazy("form state", "Open")
    CLOSING = "closing", pgettext_lazy("form state", "Closing")
    CLOSED = "closed", pgettext_lazy("form state", "Closed")


class FormKind(models.TextChoices):
    B1 = "b1", _("B1 district assessment")
    B2 = "b2", _("B2 village assessment")
    SPOT_CHECK = "spot_check", _("Spot-check visit")
    OTHER = "other", _("Other form")


class Form(TimeStampedModel):
    xml_form_id = models.CharField(
        max_length=249, unique=True, help_text=_("The formID (id attribute of the form)."), verbose_name=_("form ID")
    )
    title = models.CharField(max_length=300, verbose_name=_("title"))
    kind = models.CharField(max_length=16, choices=FormKind.choices, default=FormKind.OTHER, verbose_name=_("kind"))
    state = models.CharField(max_length=16, choices=FormState.choices, default=FormState.OPEN, verbose_name=_("state"))

    class Meta:
        ordering = ["xml_form_id"]
        verbose_name = _("form")
        verbose_name_plural = _("forms")

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

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="versions", verbose_name=_("form"))
    version = models.CharField(max_length=249, verbose_name=_("version"))
    xlsform = models.BinaryField(
        help_text=_("The XLSForm workbook bytes as uploaded or built."), verbose_name=_("XLSForm")
    )
    xlsform_sha256 = models.CharField(max_length=64, verbose_name=_("XLSForm SHA-256"))
    xml = models.TextField(help_text=_("The XForm XML exactly as served to devices."), verbose_name=_("XML"))
    xml_md5 = models.CharField(
        max_length=32, help_text=_("MD5 of the served XML bytes (the form list hash)."), verbose_name=_("XML MD5")
    )
    media_filenames = models.JSONField(
        default=list, blank=True, help_text=_("List files the form reads."), verbose_name=_("media filenames")
    )
    published_at = models.DateTimeField(verbose_name=_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["form", "-published_at"]
        get_latest_by = "published_at"
        constraints = [models.UniqueConstraint(fields=["form", "version"], name="form_version_unique")]
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")

    def __str__(self) -> str:
        return f"{self.form.xml_form_id} v{self.version}"


class ListFile(TimeStampedModel):
    """A CSV list file for the forms (villages, districts, rounds...), regenerated from the gazetteer.

    The manifest hash is the MD5 of ``content``: when the list changes, the hash changes, and devices
    fetch it again on their next refresh.
    """

    round = models.ForeignKey(
        "rounds.Round",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="list_files",
        verbose_name=_("round"),
    )
    filename = models.CharField(max_length=200, verbose_name=_("filename"))
    content = models.BinaryField(verbose_name=_("content"))
    md5 = models.CharField(max_length=32, verbose_name=_("MD5"))
    row_count = models.PositiveIntegerField(default=0, verbose_name=_("row count"))

    class Meta:
        ordering = ["round", "filename"]
        constraints = [
            models.UniqueConstraint(fields=["round", "filename"], name="list_file_unique_per_round"),
            models.UniqueConstraint(
                fields=["filename"], condition=models.Q(round__isnull=True), name="list_file_unique_global"
            ),
        ]
        verbose_name = _("list file")
        verbose_name_plural = _("list files")

    def __str__(self) -> str:
        return f"{self.filename} ({self.round or 'all rounds'})"
