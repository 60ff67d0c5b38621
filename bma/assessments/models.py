"""Typed assessments: what a processed submission means, in rows coordinators can count.

Every typed row set hangs off one assessment, which is keyed by the root instance of its submission
chain: an edit replaces the assessment's rows in place (the raw versions stay in submissions).
Codes (populations, reasons, services...) are the ones in bma/xforms/codelists.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bma.core.models import TimeStampedModel
from bma.xforms import codelists as cl


def code_choices(codes: dict) -> list[tuple[str, str]]:
    return [(code, labels[0]) for code, labels in codes.items()]


POPULATION_CHOICES = code_choices(cl.POPULATIONS)


class ReviewState(models.TextChoices):
    """As ODK Central: received and edited are set by the system, the others by a supervisor."""

    RECEIVED = "received", "Received"
    HAS_ISSUES = "has_issues", "Has issues"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EDITED = "edited", "Edited"


class AssessmentBase(TimeStampedModel):
    submission = models.OneToOneField("submissions.Submission", on_delete=models.PROTECT, related_name="+")
    root_instance_id = models.CharField(max_length=255, unique=True)
    form_version = models.CharField(max_length=249)
    round = models.ForeignKey("rounds.Round", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+")
    enumerator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    visit_date = models.DateField(null=True)
    started_at = models.DateTimeField(null=True)
    ended_at = models.DateTimeField(null=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True)
    gps_accuracy_m = models.FloatField(null=True)
    review_state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.RECEIVED)
    # B1, spot checks and the shared B2 ask the round on the tablet; the submission's round is decided by
    # intake. The answer is kept as given so a disagreement is shown to the supervisor, never lost.
    round_answered = models.PositiveIntegerField(
        null=True, blank=True, help_text="The round typed on the tablet (form versions that ask it)."
    )

    class Meta:
        abstract = True


class VillageAssessment(AssessmentBase):
    """B2: one village, one visit."""

    village = models.ForeignKey("geo.Settlement", null=True, on_delete=models.PROTECT, related_name="assessments")
    village_name_typed = models.CharField(max_length=200, blank=True, help_text="When the village was not listed.")
    households = models.PositiveIntegerField(null=True)
    # Whole-family departures and the houses they leave (per-round B2 versions; null when not asked).
    houses_empty = models.PositiveIntegerField(null=True, blank=True, help_text="Houses standing empty now.")
    houses_looked_after = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty houses looked after on the owners' behalf (keyholders)."
    )
    elderly_alone = models.CharField(
        max_length=8,
        blank=True,
        choices=code_choices(cl.YES_NO_UNKNOWN),
        help_text="Whether elderly people stay behind alone.",
    )
    # The newest assessment of a village in a round is the current one; older ones stay for the
    # duplicate-assessment quality rule and for review, but are not counted.
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-visit_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "village"],
                condition=Q(is_current=True, village__isnull=False),
                name="one_current_assessment_per_village_and_round",
            )
        ]
        indexes = [models.Index(fields=["round", "district", "review_state"])]

    def __str__(self) -> str:
        return f"B2 {self.village or self.village_name_typed} ({self.round_id})"


class DistrictAssessment(AssessmentBase):
    """B1: one district, its estimates and the villages it nominates."""

    class Meta:
        ordering = ["-visit_date", "-pk"]
        indexes = [models.Index(fields=["round", "district", "review_state"])]

    def __str__(self) -> str:
        return f"B1 {self.district} ({self.round_id})"


class SpotCheckVisit(AssessmentBase):
    village = models.ForeignKey("geo.Settlement", null=True, on_delete=models.PROTECT, related_name="spot_checks")
    method = models.CharField(max_length=24, choices=code_choices(cl.CHECK_METHODS))
    notes = models.TextField(blank=True)
    photo = models.CharField(max_length=255, blank=True, help_text="Attachment file name.")

    class Meta:
        ordering = ["-visit_date", "-pk"]

    def __str__(self) -> str:
        return f"Spot check {self.village} ({self.round_id})"


class Informant(models.Model):
    """A key informant of a B1 or B2 interview. Contact details live apart, in InformantContact."""

    village_assessment = models.ForeignKey(
        VillageAssessment, null=True, on_delete=models.CASCADE, related_name="informants"
    )
    district_assessment = models.ForeignKey(
        DistrictAssessment, null=True, on_delete=models.CASCADE, related_name="informants"
    )
    position = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=8, choices=code_choices(cl.SEXES))
    informant_type = models.CharField(max_length=24, choices=code_choices(cl.INFORMANT_TYPES))
    informant_type_other = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(village_assessment__isnull=True) ^ Q(district_assessment__isnull=True),
                name="informant_belongs_to_one_assessment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_informant_type_display()} ({self.sex})"


class InformantContact(models.Model):
    """Personal data: exported only with the personal-data permission."""

    informant = models.OneToOneField(Informant, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)

    class Meta:
        permissions = [("view_personal_data", "Can see and export informants' personal data")]

    def __str__(self) -> str:
        return self.name or self.phone


class PopulationFigure(models.Model):
    assessment = models.ForeignKey(VillageAssessment, on_delete=models.CASCADE, related_name="populations")
    population = models.CharField(max_length=3, choices=POPULATION_CHOICES)
    present = models.BooleanField()
    total = models.PositiveIntegerField(null=True)
    migration_type = models.CharField(max_length=16, blank=True, choices=code_choices(cl.MIGRATION_TYPES))

    class Meta:
        ordering = ["assessment", "population"]
        constraints = [models.UniqueConstraint(fields=["assessment", "population"], name="one_figure_per_population")]

    def __str__(self) -> str:
        return f"{self.population}: {self.total}"


class FigureDetail(models.Model):
    """A row under a population figure that also carries the figure's assessment and population.

    The round report sums yearly figures, countries and reasons of every counted assessment; with
    these two columns it joins 100,000 assessments instead of 500,000 figures (about half the time of
    its three largest queries). They are written with the row (store_b2_batch) from its figure.
    """

    assessment = models.ForeignKey(VillageAssessment, on_delete=models.CASCADE, related_name="+")
    population = models.CharField(max_length=3, choices=POPULATION_CHOICES)

    class Meta:
        abstract = True


class YearlyFigure(FigureDetail):
    figure = models.ForeignKey(PopulationFigure, on_delete=models.CASCADE, related_name="yearly")
    year = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["figure", "year"], name="one_count_per_year")]

    def __str__(self) -> str:
        return f"{self.year}: {self.count}"


class CountryFigure(FigureDetail):
    """Nationality (imw), country of return (ret) or destination (emi), with a count."""

    figure = models.ForeignKey(PopulationFigure, on_delete=models.CASCADE, related_name="countries")
    country = models.CharField(max_length=2, choices=code_choices(cl.COUNTRIES))
    count = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["-count"]

    def __str__(self) -> str:
        return f"{self.country}: {self.count}"


class AreaFlow(models.Model):
    """Origin (internal migrants) or destination (internal out-migrants) district, with a count."""

    figure = models.ForeignKey(PopulationFigure, on_delete=models.CASCADE, related_name="areas")
    area = models.ForeignKey("geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=32)
    count = models.PositiveIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.area_code}: {self.count}"


class PopulationReason(FigureDetail):
    figure = models.ForeignKey(PopulationFigure, on_delete=models.CASCADE, related_name="reasons")
    reason = models.CharField(max_length=24, choices=code_choices(cl.REASONS))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["figure", "reason"], name="reason_once_per_figure")]

    def __str__(self) -> str:
        return self.reason


class ServiceAccess(models.Model):
    assessment = models.ForeignKey(VillageAssessment, on_delete=models.CASCADE, related_name="services")
    service = models.CharField(max_length=16, choices=code_choices(cl.SERVICES))
    available = models.BooleanField()
    distance_band = models.CharField(max_length=8, blank=True, choices=code_choices(cl.DISTANCE_BANDS))
    households_affected = models.PositiveIntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "service"], name="one_row_per_service")]

    def __str__(self) -> str:
        return f"{self.service}: {'yes' if self.available else self.distance_band}"


class HouseholdDeparture(models.Model):
    """Households that left the village entirely in one reference year, and where most of them went."""

    assessment = models.ForeignKey(VillageAssessment, on_delete=models.CASCADE, related_name="departures")
    year = models.PositiveSmallIntegerField()
    households = models.PositiveIntegerField()
    destination = models.CharField(max_length=16, blank=True, choices=code_choices(cl.DEPARTURE_DESTINATIONS))

    class Meta:
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["assessment", "year"], name="one_departure_count_per_year")]

    def __str__(self) -> str:
        return f"{self.year}: {self.households}"


class ReferredVillage(models.Model):
    """A village the B2 informants refer, as entered: matching happens in the referrals app."""

    assessment = models.ForeignKey(VillageAssessment, on_delete=models.CASCADE, related_name="referrals")
    position = models.PositiveSmallIntegerField()
    district_code = models.CharField(max_length=32)
    village_code = models.CharField(max_length=40, blank=True, help_text="Picked from the list, if it was.")
    name_typed = models.CharField(max_length=200, blank=True)
    populations = models.JSONField(default=list)
    estimate = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.village_code or self.name_typed


class DistrictEstimate(models.Model):
    assessment = models.ForeignKey(DistrictAssessment, on_delete=models.CASCADE, related_name="estimates")
    population = models.CharField(max_length=3, choices=POPULATION_CHOICES)
    total = models.PositiveIntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "population"], name="one_estimate_per_population")]

    def __str__(self) -> str:
        return f"{self.population}: {self.total}"


class NominatedVillage(models.Model):
    """A village the B1 names for its high inflow or outflow, with estimates per population."""

    assessment = models.ForeignKey(DistrictAssessment, on_delete=models.CASCADE, related_name="nominations")
    position = models.PositiveSmallIntegerField()
    flow = models.CharField(max_length=8, choices=code_choices(cl.FLOWS))
    village_code = models.CharField(max_length=40, blank=True)
    name_typed = models.CharField(max_length=200, blank=True)
    estimates = models.JSONField(default=dict, help_text="{population code: count}")

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.village_code or self.name_typed


class SpotCheckFigure(models.Model):
    visit = models.ForeignKey(SpotCheckVisit, on_delete=models.CASCADE, related_name="figures")
    population = models.CharField(max_length=3, choices=POPULATION_CHOICES)
    present = models.CharField(max_length=8, choices=code_choices(cl.YES_NO_UNKNOWN))
    count = models.PositiveIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.population}: {self.present} {self.count}"


class SpotCheckService(models.Model):
    visit = models.ForeignKey(SpotCheckVisit, on_delete=models.CASCADE, related_name="services")
    service = models.CharField(max_length=16, choices=code_choices(cl.SERVICES))
    observed = models.CharField(max_length=8, choices=code_choices(cl.YES_NO_UNKNOWN))

    def __str__(self) -> str:
        return f"{self.service}: {self.observed}"


class ReviewEvent(models.Model):
    """One change of an assessment's review state: who, when, from, to, and why."""

    village_assessment = models.ForeignKey(
        VillageAssessment, null=True, blank=True, on_delete=models.CASCADE, related_name="review_events"
    )
    district_assessment = models.ForeignKey(
        DistrictAssessment, null=True, blank=True, on_delete=models.CASCADE, related_name="review_events"
    )
    spot_check_visit = models.ForeignKey(
        SpotCheckVisit, null=True, blank=True, on_delete=models.CASCADE, related_name="review_events"
    )
    from_state = models.CharField(max_length=16, choices=ReviewState.choices)
    to_state = models.CharField(max_length=16, choices=ReviewState.choices)
    comment = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, help_text="Empty: the system."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_state} -> {self.to_state}"


class ContactPurge(models.Model):
    """What one run of the retention job removed from a closed round: informants' names and phones in
    the typed rows and the personal answers inside the raw payloads. The figures are not touched."""

    round = models.ForeignKey("rounds.Round", on_delete=models.PROTECT, related_name="contact_purges")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    round_closed_at = models.DateTimeField(help_text="When the round closed: the retention period ran from here.")
    retention_days = models.PositiveIntegerField()
    informants = models.PositiveIntegerField(help_text="Informants whose name and phone were deleted.")
    payloads = models.PositiveIntegerField(help_text="Raw submissions whose personal answers were blanked.")
    answers = models.PositiveIntegerField(help_text="Personal answers blanked inside those submissions.")
    unreadable = models.PositiveIntegerField(
        default=0, help_text="Raw submissions that could not be read and so were left as they were (see the log)."
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    job = models.CharField(max_length=100, help_text="What ran it: the beat job or the management command.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Round {self.round_id}: {self.informants} informants, {self.payloads} payloads ({self.created_at:%Y-%m-%d})"
