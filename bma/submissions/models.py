"""The lossless store: every submission's raw bytes and attachments, exactly as received.

A row is written before anything but the header is parsed, so whatever later processing does (or
fails to do) the original is here to replay. Edits are new rows in the same chain (same root
instance), the newest one current.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from bma.core.models import TimeStampedModel


class SubmissionSource(models.TextChoices):
    OPENROSA = "openrosa", "ODK Collect / Web Forms"
    KOBO = "kobo", "KoboToolbox REST service"
    CENTRAL = "central", "Pulled from ODK Central"


class PayloadFormat(models.TextChoices):
    XML = "xml", "XForm instance XML"
    KOBO_JSON = "kobo_json", "KoboToolbox JSON"


class ProcessingState(models.TextChoices):
    RECEIVED = "received", "Received, waiting for processing"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Processing failed"


class Submission(TimeStampedModel):
    form = models.ForeignKey("xforms.Form", on_delete=models.PROTECT, related_name="submissions")
    # Null only for Kobo payloads naming a version we do not hold: kept anyway, processing reports it.
    form_version = models.ForeignKey(
        "xforms.FormVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    round = models.ForeignKey("rounds.Round", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    instance_id = models.CharField(max_length=255)
    # The first instanceID of an edit chain: typed rows are keyed by it, so an edit replaces its parent.
    root_instance_id = models.CharField(max_length=255, db_index=True)
    deprecated_id = models.CharField(max_length=255, blank=True)
    is_current = models.BooleanField(default=True, help_text="False once an edit has replaced this version.")
    instance_name = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, choices=SubmissionSource.choices, default=SubmissionSource.OPENROSA)
    payload_format = models.CharField(max_length=16, choices=PayloadFormat.choices, default=PayloadFormat.XML)
    payload = models.BinaryField(help_text="The submission exactly as received.")
    payload_sha256 = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    device_id = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=16, choices=ProcessingState.choices, default=ProcessingState.RECEIVED)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Processing attempts since the submission last became waiting (counted when a worker claims it).
    attempts = models.PositiveIntegerField(default=0)
    # After a transient failure: not processed again before this time (backoff); null = at once.
    retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The top-level <district> the submission names, kept at intake: a supervisor sees the failures of
    # their area even when processing never produced a typed assessment to scope by.
    district_code = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The duplicate guard: concurrent POSTs of one instance cannot both insert.
            models.UniqueConstraint(fields=["form", "instance_id"], name="submission_instance_unique"),
            # One current version per edit chain: two racing edits of the same parent cannot both win.
            models.UniqueConstraint(
                fields=["form", "root_instance_id"], condition=Q(is_current=True), name="submission_one_current"
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]
        permissions = [("reprocess_submission", "Can ask for submissions to be processed again")]

    def __str__(self) -> str:
        return self.instance_name or self.instance_id

    @property
    def payload_bytes(self) -> bytes:
        return bytes(self.payload)


class SubmissionAttachment(TimeStampedModel):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["filename"]
        constraints = [models.UniqueConstraint(fields=["submission", "filename"], name="attachment_unique")]

    def __str__(self) -> str:
        return self.filename


class RejectedAttempt(models.Model):
    """An intake attempt that was refused: kept so a supervisor can see why a device keeps failing."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=16, choices=SubmissionSource.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=64)
    message = models.TextField()
    form_id = models.CharField(max_length=255, blank=True)
    instance_id = models.CharField(max_length=255, blank=True)
    device_id = models.CharField(max_length=255, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    body_size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.status} {self.code}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CollectToken(TimeStampedModel):
    """A device token for QR-code set-up, like ODK Central's app users: /collect/key/<token>/..."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collect_tokens")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    label = models.CharField(max_length=100, blank=True, help_text="e.g. the tablet's asset tag")
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.label}".strip()


class DigestCredential(models.Model):
    """HA1 = MD5(username:realm:password) for HTTP Digest, the scheme ODK Collect uses over plain HTTP.

    Django keeps only a salted hash of the password, which Digest cannot use; this is written when the
    password is set (see signals.py) and is worth as much as the password for this realm only.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_credential")
    ha1 = models.CharField(max_length=32)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Digest credential of {self.user}"


def kobo_version_field():
    """Kobo's records name Kobo's own version ids: the version of ours they are read as, per source."""
    return models.ForeignKey(
        "xforms.FormVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Kobo names its versions with its own ids: records whose version this server does not hold "
        "are read as this version of the form (empty: they wait as 'unknown version').",
    )


def form_version_of_form(source) -> None:
    """A source's fallback version must be a version of the form it fills."""
    from django.core.exceptions import ValidationError

    if source.form_version_id and source.form_id and source.form_version.form_id != source.form_id:
        raise ValidationError({"form_version": f"{source.form_version} is not a version of {source.form}."})


class KoboSource(TimeStampedModel):
    """A KoboToolbox project whose REST service posts here: /kobo/<token>/ feeds one of our forms."""

    name = models.CharField(max_length=200)
    form = models.ForeignKey("xforms.Form", on_delete=models.PROTECT, related_name="kobo_sources")
    form_version = kobo_version_field()
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    submitted_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Recorded as the submitter of the project's data.",
    )
    active = models.BooleanField(default=True)

    def clean(self):
        form_version_of_form(self)

    def __str__(self) -> str:
        return self.name


class DigestNonceUse(models.Model):
    """The highest nonce count seen for a Digest nonce, so a captured Authorization header works once.

    Nonces are stateless (signed, bound to one URI, short-lived); a row is written only after a
    request proved the password, and rows past their nonce's lifetime are deleted as new ones come.
    """

    nonce = models.CharField(max_length=128, unique=True)
    last_nc = models.BigIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.nonce} nc={self.last_nc}"


class PullKind(models.TextChoices):
    CENTRAL = "central", "ODK Central"
    KOBO = "kobo", "KoboToolbox (API v2)"


class PullSource(TimeStampedModel):
    """A server whose submissions this one pulls: an ODK Central form or a KoboToolbox asset.

    The credentials never enter the database: ``secret_env`` names the environment variable that holds
    the password (Central) or the API token (Kobo). ``cursor`` is the newest submission or edit time
    fully pulled; ``resume_url`` is the next page of a pull that stopped half-way, so a failed page is
    fetched again without losing or repeating the pages before it.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=PullKind.choices)
    base_url = models.URLField(help_text="The server, e.g. https://central.example.org or https://kf.kobotoolbox.org")
    project_id = models.PositiveIntegerField(null=True, blank=True, help_text="ODK Central project number.")
    remote_form_id = models.CharField(
        max_length=200, help_text="Central's form ID (xmlFormId), or the Kobo asset's UID."
    )
    username = models.CharField(max_length=200, blank=True, help_text="Central: the web user's email.")
    secret_env = models.CharField(
        max_length=100,
        help_text="The environment variable holding the password (Central) or the API token (Kobo).",
    )
    form = models.ForeignKey("xforms.Form", on_delete=models.PROTECT, related_name="pull_sources")
    form_version = kobo_version_field()  # for Kobo sources
    round = models.ForeignKey("rounds.Round", on_delete=models.PROTECT, related_name="pull_sources")
    past_round_import = models.BooleanField(
        default=False, help_text="Import into this round even though it is closed (a past round's baseline)."
    )
    submitted_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Recorded as the submitter; empty: nobody (no assignment limits the data).",
    )
    active = models.BooleanField(default=True, help_text="Paused sources are not synced by the beat job.")
    cursor = models.CharField(max_length=40, blank=True, help_text="Newest submission or edit time pulled.")
    resume_url = models.TextField(blank=True)
    pending_cursor = models.CharField(max_length=40, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    # Set while a pull runs (the beat job and "sync now" may overlap); a stale one is taken over.
    syncing_since = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_counts = models.JSONField(default=dict, blank=True)
    stored_total = models.PositiveIntegerField(default=0)

    def clean(self):
        form_version_of_form(self)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
