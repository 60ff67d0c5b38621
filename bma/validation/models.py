"""Quality issues found by the rules, and spot-check samples with their outcomes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bma.core.models import TimeStampedModel
from bma.validation.comparison import Outcome
from bma.validation.issue_text import text_in_language
from bma.validation.rules import Severity


class IssueState(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    WAIVED = "waived", "Waived"


class QualityIssue(TimeStampedModel):
    village_assessment = models.ForeignKey(
        "assessments.VillageAssessment", null=True, blank=True, on_delete=models.CASCADE, related_name="issues"
    )
    district_assessment = models.ForeignKey(
        "assessments.DistrictAssessment", null=True, blank=True, on_delete=models.CASCADE, related_name="issues"
    )
    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=64, help_text="The rule that raised it.")
    severity = models.CharField(
        max_length=8, choices=[(s, s.title()) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    )
    population = models.CharField(max_length=3, blank=True)
    message = models.TextField()  # in English: the record, exported and searched
    # [[msgid template, values], ...] from the rule, so a page can say the message in its reader's language.
    text_parts = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=IssueState.choices, default=IssueState.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

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

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The message in the active language."""
        return text_in_language(self.text_parts, self.message)


class RoundQualitySettings(models.Model):
    """Per-round overrides of the quality thresholds and spot-check tolerances (else settings apply)."""

    round = models.OneToOneField("rounds.Round", on_delete=models.CASCADE, related_name="quality_settings")
    thresholds = models.JSONField(default=dict, blank=True, help_text='e.g. {"min_informants": 3}')
    tolerances = models.JSONField(
        default=dict, blank=True, help_text='e.g. {"total": {"absolute": 10, "relative": 0.25}}'
    )

    class Meta:
        verbose_name_plural = "round quality settings"

    def __str__(self) -> str:
        return f"Quality settings of {self.round}"


class SpotCheckSample(TimeStampedModel):
    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="spot_check_samples")
    seed = models.BigIntegerField(help_text="Drawing again with this seed gives the same sample.")
    share = models.FloatField()
    min_per_district = models.PositiveSmallIntegerField()
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Sample of {self.round} (seed {self.seed})"


class CheckOutcome(models.TextChoices):
    PENDING = "pending", "Not visited yet"
    CONFIRMED = Outcome.CONFIRMED, "Confirmed"
    MINOR = Outcome.MINOR, "Minor discrepancy"
    MAJOR = Outcome.MAJOR, "Major discrepancy"


class SpotCheckAssignment(TimeStampedModel):
    sample = models.ForeignKey(SpotCheckSample, on_delete=models.CASCADE, related_name="assignments")
    assessment = models.ForeignKey(
        "assessments.VillageAssessment", on_delete=models.CASCADE, related_name="spot_check_assignments"
    )
    village = models.ForeignKey("geo.Settlement", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("geo.AdminArea", on_delete=models.PROTECT, related_name="+")
    had_open_issues = models.BooleanField(default=False)
    outcome = models.CharField(max_length=24, choices=CheckOutcome.choices, default=CheckOutcome.PENDING)
    visit = models.ForeignKey(
        "assessments.SpotCheckVisit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comparisons = models.JSONField(default=list, blank=True)
    endorsed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["district__code", "village__name_en"]
        constraints = [models.UniqueConstraint(fields=["sample", "village"], name="village_once_per_sample")]

    def __str__(self) -> str:
        return f"{self.village}: {self.get_outcome_display()}"
