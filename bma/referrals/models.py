"""The round's visit plan and how each nominated or referred village was matched to the gazetteer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bma.core.models import TimeStampedModel


class PlanReason(models.TextChoices):
    B1_NOMINATION = "b1_nomination", _("Nominated by the district assessment (B1)")
    REFERRAL = "referral", _("Referred by village informants (B2)")
    ENUMERATOR = "enumerator", _("Added by an enumerator (typed in a B2)")
    CARRIED_OVER = "carried_over", _("Carried over from the previous round")
    REASSESSMENT = "reassessment", _("Re-assessment after a spot check")


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ASSESSED = "assessed", _("Assessed")
    NOT_FOUND = "not_found", _("Not found")
    DUPLICATE = "duplicate", _("Duplicate")


class VisitPlanEntry(TimeStampedModel):
    round = models.ForeignKey(
        "rounds.Round", on_delete=models.CASCADE, related_name="visit_plan", verbose_name=_("round")
    )
    village = models.ForeignKey(
        "geo.Settlement", on_delete=models.PROTECT, related_name="plan_entries", verbose_name=_("village")
    )
    district = models.ForeignKey(
        "geo.AdminArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    reason = models.CharField(max_length=16, choices=PlanReason.choices, verbose_name=_("reason"))
    status = models.CharField(
        max_length=12, choices=PlanStatus.choices, default=PlanStatus.PLANNED, verbose_name=_("status")
    )
    referral_count = models.PositiveIntegerField(
        default=0, help_text=_("How many nominations and referrals named it."), verbose_name=_("referral count")
    )
    first_referred_by = models.ForeignKey(
        "assessments.VillageAssessment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("first referred by"),
    )

    class Meta:
        ordering = ["district__code", "village__name_en"]
        constraints = [models.UniqueConstraint(fields=["round", "village"], name="village_once_in_plan")]
        indexes = [models.Index(fields=["round", "district", "status"])]
        verbose_name = _("visit plan entry")
        verbose_name_plural = _("visit plan entries")

    def __str__(self) -> str:
        return f"{self.village} ({self.get_status_display()})"


class MatchOutcome(models.TextChoices):
    PICKED = "picked", _("Picked from the list")
    EXACT = "exact", _("Exact name")
    ALIAS = "alias", _("Alias or former name")
    FUZZY = "fuzzy", _("Close spelling")
    AMBIGUOUS = "ambiguous", _("Unclear: waiting for a supervisor")
    NEW = "new", _("Not in the gazetteer: new provisional village")


class MatchState(models.TextChoices):
    LINKED = "linked", _("Linked to a village")
    PENDING = "pending", _("Waiting for a supervisor")
    REJECTED = "rejected", _("Rejected")
    # Closed without adding anything to the gazetteer: the name is no village (a mosque, a field, a
    # quarter of another village). Kept apart from "rejected" (a village, but not to visit here).
    NOT_VILLAGE = "no_village", _("Not a village")


class ReferralMatch(TimeStampedModel):
    """One nominated (B1), referred (B2) or typed-in (B2) village name and what it was matched to."""

    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="+", verbose_name=_("round"))
    district = models.ForeignKey(
        "geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    district_code = models.CharField(max_length=32, verbose_name=_("district code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    reason = models.CharField(max_length=16, choices=PlanReason.choices, verbose_name=_("reason"))
    source_key = models.CharField(
        max_length=300,
        unique=True,
        help_text=_(
            "root instance + what was named (bma.assessments.source_keys): stable across reprocessing and reordering"
        ),
        verbose_name=_("source key"),
    )
    village_assessment = models.ForeignKey(
        "assessments.VillageAssessment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("village assessment"),
    )
    district_assessment = models.ForeignKey(
        "assessments.DistrictAssessment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("district assessment"),
    )
    outcome = models.CharField(max_length=10, choices=MatchOutcome.choices, verbose_name=_("outcome"))
    score = models.FloatField(default=0, verbose_name=_("score"))
    candidates = models.JSONField(default=list, blank=True, verbose_name=_("candidates"))
    village = models.ForeignKey(
        "geo.Settlement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("village")
    )
    # The villages entity a tablet created (or picked) for the name, in forms reading the entity list: the
    # queue links or confirms it with bma.entities.services.provisional_entity_link.
    entity_uuid = models.UUIDField(null=True, blank=True, verbose_name=_("entity ID"))
    state = models.CharField(max_length=10, choices=MatchState.choices, verbose_name=_("state"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    class Meta:
        ordering = ["state", "district_code", "name"]
        verbose_name_plural = _("referral matches")
        verbose_name = _("referral match")

    def __str__(self) -> str:
        return f"{self.name} ({self.district_code}): {self.get_outcome_display()}"
