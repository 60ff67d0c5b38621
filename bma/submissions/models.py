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
from django.utils.translation import gettext_lazy as _

from bma.core.errors import message_lazy
from bma.core.models import TimeStampedModel


class SubmissionSource(models.TextChoices):
    OPENROSA = "openrosa", _("ODK Collect / Web Forms")
    KOBO = "kobo", _("KoboToolbox REST service")
    CENTRAL = "central", _("Pulled from ODK Central")


class PayloadFormat(models.TextChoices):
    XML = "xml", _("XForm instance XML")
    KOBO_JSON = "kobo_json", _("KoboToolbox JSON")


class ProcessingState(models.TextChoices):
    RECEIVED = "received", _("Received, waiting for processing")
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Processing failed")


class Submission(TimeStampedModel):
    form = models.ForeignKey(
        "xforms.Form", on_delete=models.PROTECT, related_name="submissions", verbose_name=_("form")
    )
    # Null only for Kobo payloads naming a version we do not hold: kept anyway, processing reports it.
    form_version = models.ForeignKey(
        "xforms.FormVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("form version"),
    )
    round = models.ForeignKey(
        "rounds.Round", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("round")
    )
    instance_id = models.CharField(max_length=255, verbose_name=_("instance ID"))
    # The first instanceID of an edit chain: typed rows are keyed by it, so an edit replaces its parent.
    root_instance_id = models.CharField(max_length=255, db_index=True, verbose_name=_("root instance ID"))
    deprecated_id = models.CharField(max_length=255, blank=True, verbose_name=_("deprecated ID"))
    is_current = models.BooleanField(
        default=True, help_text=_("False once an edit has replaced this version."), verbose_name=_("is current")
    )
    instance_name = models.CharField(max_length=255, blank=True, verbose_name=_("instance name"))
    source = models.CharField(
        max_length=16, choices=SubmissionSource.choices, default=SubmissionSource.OPENROSA, verbose_name=_("source")
    )
    payload_format = models.CharField(
        max_length=16, choices=PayloadFormat.choices, default=PayloadFormat.XML, verbose_name=_("payload format")
    )
    payload = models.BinaryField(help_text=_("The submission exactly as received."), verbose_name=_("payload"))
    payload_sha256 = models.CharField(max_length=64, verbose_name=_("payload SHA-256"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("submitted by"),
    )
    device_id = models.CharField(max_length=255, blank=True, verbose_name=_("device ID"))
    state = models.CharField(
        max_length=16, choices=ProcessingState.choices, default=ProcessingState.RECEIVED, verbose_name=_("state")
    )
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    # Who holds the claim while the row is processing: a token whose PostgreSQL advisory lock the
    # claiming worker's session holds (bma/pipeline/claims.py), and its host and pid for the people
    # reading the row. A row whose token's lock is free lost its worker and is taken up again at once.
    claim_token = models.BigIntegerField(null=True, blank=True, editable=False, verbose_name=_("claim token"))
    claimed_by = models.CharField(max_length=200, blank=True, editable=False, verbose_name=_("claimed by"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))
    # Processing attempts since the submission last became waiting (counted when a worker claims it).
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    # After a transient failure: not processed again before this time (backoff); null = at once.
    retry_at = models.DateTimeField(null=True, blank=True, verbose_name=_("retry at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    # The top-level <district> the submission names, kept at intake: a supervisor sees the failures of
    # their area even when processing never produced a typed assessment to scope by.
    district_code = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("district code"))
    # Facts read from ODK Central on each pull, kept on every version of the chain. They are shown to the
    # supervisor, never turned into our own review decision (assessments.counting weighs a deletion).
    central_review_state = models.CharField(max_length=16, blank=True, verbose_name=_("review state in Central"))
    central_review_state_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("review state in Central since")
    )
    central_deleted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deleted in Central at"))

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
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return self.instance_name or self.instance_id

    @property
    def payload_bytes(self) -> bytes:
        return bytes(self.payload)


class SubmissionAttachment(TimeStampedModel):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("submission")
    )
    filename = models.CharField(max_length=255, verbose_name=_("filename"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    content = models.BinaryField(verbose_name=_("content"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))

    class Meta:
        ordering = ["filename"]
        constraints = [models.UniqueConstraint(fields=["submission", "filename"], name="attachment_unique")]
        verbose_name = _("submission attachment")
        verbose_name_plural = _("submission attachments")

    def __str__(self) -> str:
        return self.filename


class RejectedAttempt(models.Model):
    """An intake attempt that was refused: kept so a supervisor can see why a device keeps failing."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    source = models.CharField(max_length=16, choices=SubmissionSource.choices, verbose_name=_("source"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("user")
    )
    status = models.PositiveSmallIntegerField(verbose_name=_("status"))
    code = models.CharField(max_length=64, verbose_name=_("code"))
    message = models.TextField(verbose_name=_("message"))
    form_id = models.CharField(max_length=255, blank=True, verbose_name=_("form ID"))
    instance_id = models.CharField(max_length=255, blank=True, verbose_name=_("instance ID"))
    device_id = models.CharField(max_length=255, blank=True, verbose_name=_("device ID"))
    remote_addr = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("remote address"))
    body_size = models.PositiveBigIntegerField(default=0, verbose_name=_("body size"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("rejected attempt")
        verbose_name_plural = _("rejected attempts")

    def __str__(self) -> str:
        return f"{self.status} {self.code}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CollectToken(TimeStampedModel):
    """A device token for QR-code set-up, like ODK Central's app users: /collect/key/<token>/..."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collect_tokens", verbose_name=_("user")
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False, verbose_name=_("token"))
    label = models.CharField(
        max_length=100, blank=True, help_text=_("e.g. the tablet's asset tag"), verbose_name=_("label")
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("collect token")
        verbose_name_plural = _("collect tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.label}".strip()


class DigestCredential(models.Model):
    """HA1 = MD5(username:realm:password) for HTTP Digest, the scheme ODK Collect uses over plain HTTP.

    Django keeps only a salted hash of the password, which Digest cannot use; this is written when the
    password is set (see signals.py) and is worth as much as the password for this realm only.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_credential", verbose_name=_("user")
    )
    ha1 = models.CharField(max_length=32, verbose_name=_("HA1"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("digest credential")
        verbose_name_plural = _("digest credentials")

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
        help_text=_(
            "Kobo names its versions with its own ids: records whose version this server does not hold "
            "are read as this version of the form (empty: they wait as 'unknown version')."
        ),
        verbose_name=_("form version"),
    )


def form_version_of_form(source) -> None:
    """A source's fallback version must be a version of the form it fills."""
    from django.core.exceptions import ValidationError

    if source.form_version_id and source.form_id and source.form_version.form_id != source.form_id:
        raise ValidationError(
            {
                "form_version": message_lazy(
                    _("%(version)s is not a version of %(form)s."), version=source.form_version, form=source.form
                )
            }
        )


class KoboSource(TimeStampedModel):
    """A KoboToolbox project whose REST service posts here: /kobo/<token>/ feeds one of our forms."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    form = models.ForeignKey(
        "xforms.Form", on_delete=models.PROTECT, related_name="kobo_sources", verbose_name=_("form")
    )
    form_version = kobo_version_field()
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False, verbose_name=_("token"))
    submitted_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Recorded as the submitter of the project's data."),
        verbose_name=_("submitted as"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("kobo source")
        verbose_name_plural = _("kobo sources")

    def clean(self):
        form_version_of_form(self)

    def __str__(self) -> str:
        return self.name


class DigestNonceUse(models.Model):
    """The nonce counts used with a Digest nonce, so a captured Authorization header works once.

    Nonces are stateless (signed, bound to one URI, short-lived); a row is written only after a
    request proved the password, and rows past their nonce's lifetime are deleted as new ones come.
    ``last_nc`` is the highest count used; bit i of ``seen_nc`` says ``last_nc - i`` was used, so
    requests sent in parallel on one nonce may arrive out of order (auth.DIGEST_NC_WINDOW).
    """

    nonce = models.CharField(max_length=128, unique=True, verbose_name=_("nonce"))
    last_nc = models.BigIntegerField(verbose_name=_("last nonce count"))
    seen_nc = models.BigIntegerField(default=1, verbose_name=_("nonce counts used below the last"))
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("digest nonce use")
        verbose_name_plural = _("digest nonce uses")

    def __str__(self) -> str:
        return f"{self.nonce} nc={self.last_nc}"


class PullKind(models.TextChoices):
    CENTRAL = "central", _("ODK Central")
    KOBO = "kobo", _("KoboToolbox (API v2)")


class PullSource(TimeStampedModel):
    """A server whose submissions this one pulls: an ODK Central form or a KoboToolbox asset.

    The credentials never enter the database: ``secret_env`` names the environment variable that holds
    the password (Central) or the API token (Kobo). ``cursor`` is the newest submission or edit time
    fully pulled; ``resume_url`` is the next page of a pull that stopped half-way, so a failed page is
    fetched again without losing or repeating the pages before it.
    """

    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(max_length=8, choices=PullKind.choices, verbose_name=_("kind"))
    base_url = models.URLField(
        help_text=_("The server, e.g. https://central.example.org or https://kf.kobotoolbox.org"),
        verbose_name=_("base URL"),
    )
    project_id = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("ODK Central project number."), verbose_name=_("project ID")
    )
    remote_form_id = models.CharField(
        max_length=200,
        help_text=_("Central's form ID (xmlFormId), or the Kobo asset's UID."),
        verbose_name=_("remote form ID"),
    )
    username = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Central: the web user's email; empty when the secret is a Central app user's token."),
        verbose_name=_("username"),
    )
    secret_env = models.CharField(
        max_length=100,
        help_text=_(
            "The environment variable holding the web user's password or the app user's token (Central), "
            "or the API token (Kobo)."
        ),
        verbose_name=_("secret environment variable"),
    )
    form = models.ForeignKey(
        "xforms.Form", on_delete=models.PROTECT, related_name="pull_sources", verbose_name=_("form")
    )
    form_version = kobo_version_field()  # for Kobo sources
    round = models.ForeignKey(
        "rounds.Round", on_delete=models.PROTECT, related_name="pull_sources", verbose_name=_("round")
    )
    past_round_import = models.BooleanField(
        default=False,
        help_text=_("Import into this round even though it is closed (a past round's baseline)."),
        verbose_name=_("past round import"),
    )
    submitted_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Recorded as the submitter; empty: nobody (no assignment limits the data)."),
        verbose_name=_("submitted as"),
    )
    active = models.BooleanField(
        default=True, help_text=_("Paused sources are not synced by the beat job."), verbose_name=_("active")
    )
    cursor = models.CharField(
        max_length=40, blank=True, help_text=_("Newest submission or edit time pulled."), verbose_name=_("cursor")
    )
    resume_url = models.TextField(blank=True, verbose_name=_("resume URL"))
    pending_cursor = models.CharField(max_length=40, blank=True, verbose_name=_("pending cursor"))
    last_started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last started at"))
    # Set while a pull runs (the beat job and "sync now" may overlap); a stale one is taken over.
    syncing_since = models.DateTimeField(null=True, blank=True, verbose_name=_("syncing since"))
    last_finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last finished at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    # The last error's English template and parameters (PullError.detail): shown in the reader's language.
    last_error_detail = models.JSONField(default=dict, blank=True, verbose_name=_("last error detail"))
    last_counts = models.JSONField(default=dict, blank=True, verbose_name=_("last counts"))
    stored_total = models.PositiveIntegerField(default=0, verbose_name=_("stored total"))
    # Central does not bring a record back when a file comes in a later request (updatedAt and the
    # feed's ETag stay): the records still missing files are read again on each sync until complete.
    media_waiting = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Central submissions whose files have not all arrived; each sync reads them again."),
        verbose_name=_("waiting for media"),
    )
    # Deletions leave Central's default feed and do not move updatedAt: a second feed
    # ($filter=__system/deletedAt gt <this>) reads them, from its own cursor.
    deleted_cursor = models.CharField(max_length=40, blank=True, verbose_name=_("deletions cursor"))

    class Meta:
        verbose_name = _("pull source")
        verbose_name_plural = _("pull sources")

    def clean(self):
        form_version_of_form(self)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
