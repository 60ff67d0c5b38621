"""The round's visit plan and how each nominated or referred village was matched to the gazetteer."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bma.core.models import TimeStampedModel


class PlanReason(models.TextChoices):
    B1_NOMINATION = "b1_nomination", "Nominated by the district assessment (B1)"
    REFERRAL = "referral", "Referred by village informants (B2)"
    ENUMERATOR = "enumerator", "Added by an enumerator (typed in a B2)"
    CARRIED_OVER = "carried_over", "Carried over from the previous round"
    REASSESSMENT = "reassessment", "Re-assessment after a spot check"


class PlanStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ASSESSED = "assessed", "Assessed"
    NOT_FOUND = "not_found", "Not found"
    DUPLICATE = "duplicate", "Duplicate"


class VisitPlanEntry(TimeStampedModel):
    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="visit_plan")
    village = models.ForeignKey("geo.Settlement", on_delete=models.PROTECT, related_name="plan_entries")
    district = models.ForeignKey("geo.AdminArea", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=PlanReason.choices)
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    referral_count = models.PositiveIntegerField(default=0, help_text="How many nominations and referrals named it.")
    first_referred_by = models.ForeignKey(
        "assessments.VillageAssessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["district__code", "village__name_en"]
        constraints = [models.UniqueConstraint(fields=["round", "village"], name="village_once_in_plan")]
        indexes = [models.Index(fields=["round", "district", "status"])]

    def __str__(self) -> str:
        return f"{self.village} ({self.get_status_display()})"


class MatchOutcome(models.TextChoices):
    PICKED = "picked", "Picked from the list"
    EXACT = "exact", "Exact name"
    ALIAS = "alias", "Alias or former name"
    FUZZY = "fuzzy", "Close spelling"
    AMBIGUOUS = "ambiguous", "Unclear: waiting for a supervisor"
    NEW = "new", "Not in the gazetteer: new provisional village"


class MatchState(models.TextChoices):
    LINKED = "linked", "Linked to a village"
    PENDING = "pending", "Waiting for a supervisor"
    REJECTED = "rejected", "Rejected"


class ReferralMatch(TimeStampedModel):
    """One nominated (B1), referred (B2) or typed-in (B2) village name and what it was matched to."""

    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+")
    district_code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    reason = models.CharField(max_length=16, choices=PlanReason.choices)
    source_key = models.CharField(
        max_length=300,
        unique=True,
        help_text="root instance + what was named (bma.assessments.source_keys): stable across reprocessing and reordering",
    )
    village_assessment = models.ForeignKey(
        "assessments.VillageAssessment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    district_assessment = models.ForeignKey(
        "assessments.DistrictAssessment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=MatchOutcome.choices)
    score = models.FloatField(default=0)
    candidates = models.JSONField(default=list, blank=True)
    village = models.ForeignKey("geo.Settlement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=MatchState.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["state", "district_code", "name"]
        verbose_name_plural = "referral matches"

    def __str__(self) -> str:
        return f"{self.name} ({self.district_code}): {self.get_outcome_display()}"
