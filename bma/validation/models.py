"""Quality issues found by the rules, and spot-check samples with their outcomes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bma.core.models import TimeStampedModel
from bma.validation.comparison import Outcome
from bma.validation.entity_problem_text import entity_problem_text
from bma.validation.issue_text import text_in_language
from bma.validation.rules import Severity


class IssueState(models.TextChoices):
    # Russian agrees the state with the noun it describes (проблема: открыта; раунд: открыт).
    OPEN = "open", pgettext_lazy("quality issue state", "Open")
    RESOLVED = "resolved", _("Resolved")
    WAIVED = "waived", _("Waived")


class QualityIssue(TimeStampedModel):
    village_assessment = models.ForeignKey(
        "assessments.VillageAssessment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="issues",
        verbose_name=_("village assessment"),
    )
    district_assessment = models.ForeignKey(
        "assessments.DistrictAssessment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="issues",
        verbose_name=_("district assessment"),
    )
    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="+", verbose_name=_("round"))
    district = models.ForeignKey(
        "geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    code = models.CharField(max_length=64, help_text=_("The rule that raised it."), verbose_name=_("code"))
    severity = models.CharField(
        max_length=8,
        choices=[(Severity.ERROR, _("Error")), (Severity.WARNING, _("Warning")), (Severity.INFO, _("Info"))],
        verbose_name=_("severity"),
    )
    population = models.CharField(max_length=3, blank=True, verbose_name=_("population"))
    message = models.TextField(verbose_name=_("message"))  # in English: the record, exported and searched
    # [[msgid template, values], ...] from the rule, so a page can say the message in its reader's language.
    text_parts = models.JSONField(default=list, blank=True, verbose_name=_("text parts"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    state = models.CharField(max_length=8, choices=IssueState.choices, default=IssueState.OPEN, verbose_name=_("state"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.TextField(blank=True, verbose_name=_("decision note"))

    class Meta:
        ordering = ["state", "-severity", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(village_assessment__isnull=True) ^ Q(district_assessment__isnull=True),
                name="issue_belongs_to_one_assessment",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | ~Q(decision_note=""), name="issue_decision_needs_a_note"
            ),
        ]
        indexes = [models.Index(fields=["round", "district", "state"])]
        verbose_name = _("quality issue")
        verbose_name_plural = _("quality issues")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The message in the active language, the places it names included."""
        return text_in_language(self.text_parts, self.message, self._places_in_language())

    def _places_in_language(self) -> dict[str, str]:
        # The rules write the village's and the district's English names (the message is the record);
        # a reader sees them as the gazetteer names them in their language. Typed-in names stay as typed.
        places = {}
        village = self.village_assessment.village if self.village_assessment_id else None
        if village is not None:
            places[village.name_en] = village.display_name
        if self.district_id:
            places[f"{self.district.name_en} ({self.district.code})"] = str(self.district)
        return places


class RoundQualitySettings(models.Model):
    """Per-round overrides of the quality thresholds and spot-check tolerances (else settings apply)."""

    round = models.OneToOneField(
        "rounds.Round", on_delete=models.CASCADE, related_name="quality_settings", verbose_name=_("round")
    )
    thresholds = models.JSONField(
        default=dict, blank=True, help_text=_('e.g. {"min_informants": 3}'), verbose_name=_("thresholds")
    )
    tolerances = models.JSONField(
        default=dict,
        blank=True,
        help_text=_('e.g. {"total": {"absolute": 10, "relative": 0.25}}'),
        verbose_name=_("tolerances"),
    )

    class Meta:
        verbose_name_plural = _("round quality settings")
        verbose_name = _("round quality settings")

    def __str__(self) -> str:
        return f"Quality settings of {self.round}"


class SpotCheckSample(TimeStampedModel):
    round = models.ForeignKey(
        "rounds.Round", on_delete=models.CASCADE, related_name="spot_check_samples", verbose_name=_("round")
    )
    seed = models.BigIntegerField(
        help_text=_("Drawing again with this seed gives the same sample."), verbose_name=_("seed")
    )
    share = models.FloatField(verbose_name=_("share"))
    min_per_district = models.PositiveSmallIntegerField(verbose_name=_("minimum per district"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("drawn by")
    )
    # Set once, when the villages are drawn: the row exists before the worker draws them, and a
    # redelivered draw task finds it set and leaves the sample (and the devices' list) as it is.
    drawn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("drawn at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("spot check sample")
        verbose_name_plural = _("spot check samples")

    def __str__(self) -> str:
        return f"Sample of {self.round} (seed {self.seed})"


class CheckOutcome(models.TextChoices):
    PENDING = "pending", _("Not visited yet")
    CONFIRMED = Outcome.CONFIRMED, _("Confirmed")
    MINOR = Outcome.MINOR, _("Minor discrepancy")
    MAJOR = Outcome.MAJOR, _("Major discrepancy")


class SpotCheckAssignment(TimeStampedModel):
    sample = models.ForeignKey(
        SpotCheckSample, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("sample")
    )
    assessment = models.ForeignKey(
        "assessments.VillageAssessment",
        on_delete=models.CASCADE,
        related_name="spot_check_assignments",
        verbose_name=_("assessment"),
    )
    village = models.ForeignKey("geo.Settlement", on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    district = models.ForeignKey(
        "geo.AdminArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    had_open_issues = models.BooleanField(default=False, verbose_name=_("had open issues"))
    outcome = models.CharField(
        max_length=24, choices=CheckOutcome.choices, default=CheckOutcome.PENDING, verbose_name=_("outcome")
    )
    visit = models.ForeignKey(
        "assessments.SpotCheckVisit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("visit"),
    )
    comparisons = models.JSONField(default=list, blank=True, verbose_name=_("comparisons"))
    endorsed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("endorsed at"))

    class Meta:
        ordering = ["district__code", "village__name_en"]
        constraints = [models.UniqueConstraint(fields=["sample", "village"], name="village_once_per_sample")]
        verbose_name = _("spot check assignment")
        verbose_name_plural = _("spot check assignments")

    def __str__(self) -> str:
        return f"{self.village}: {self.get_outcome_display()}"


class EntityAction(models.TextChoices):
    CREATE = "create", _("creation")
    UPDATE = "update", _("update")


class EntityProblem(TimeStampedModel):
    """An entity block of a submission that the server refused: a creation (an empty label, an id
    already used, a repeat with a bad row) or an update (an unknown or deleted village, a base version
    the server never had). ODK Central records these only in its audit log (``entity.error``), where
    nobody reads them; here they are the one record of both, on the submission's assessment page and in
    one list, scoped by the district the submission names."""

    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="entity_problems", verbose_name=_("submission")
    )
    round = models.ForeignKey(
        "rounds.Round", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("round")
    )
    district = models.ForeignKey(
        "geo.AdminArea", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    code = models.CharField(max_length=16, help_text=_("ODK Central's problem code."), verbose_name=_("code"))
    action = models.CharField(
        max_length=8, choices=EntityAction.choices, default=EntityAction.CREATE, verbose_name=_("refused")
    )
    row = models.PositiveIntegerField(
        default=0, help_text=_("Which entity of the submission (1 for the first)."), verbose_name=_("row")
    )
    dataset = models.CharField(max_length=64, verbose_name=_("entity list"))
    entity_id = models.CharField(max_length=255, blank=True, verbose_name=_("entity ID"))
    label = models.CharField(max_length=400, blank=True, verbose_name=_("label"))
    message = models.TextField(verbose_name=_("message"))  # in English, as Central's errorMessage: the record

    class Meta:
        ordering = ["-created_at", "submission", "row"]
        constraints = [models.UniqueConstraint(fields=["submission", "row"], name="entity_problem_once_per_row")]
        verbose_name = _("entity problem")
        verbose_name_plural = _("entity problems")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """What went wrong, in the reader's language."""
        return entity_problem_text(self)
