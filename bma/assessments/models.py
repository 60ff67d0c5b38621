"""Typed assessments: what a processed submission means, in rows coordinators can count.

Every typed row set hangs off one assessment, which is keyed by the root instance of its submission
chain: an edit replaces the assessment's rows in place (the raw versions stay in submissions).
Codes (populations, reasons, services...) are the ones in bma/xforms/codelists.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bma.core.models import TimeStampedModel
from bma.xforms import codelists as cl


def _label_in_language(labels: cl.Labels) -> str:
    language = (get_language() or "en").split("-")[0]
    return labels[{"ru": 1, "tg": 2}.get(language, 0)]


_lazy_label = lazy(_label_in_language, str)


def code_choices(codes: dict) -> list[tuple[str, str]]:
    """The code list's labels, each said in the active language: the code lists carry their own ru and tg
    (the forms' choice sheets use the same), so these need no catalogue entries."""
    return [(code, _lazy_label(labels)) for code, labels in codes.items()]


POPULATION_CHOICES = code_choices(cl.POPULATIONS)


class ReviewState(models.TextChoices):
    """As ODK Central: received and edited are set by the system, the others by a supervisor."""

    RECEIVED = "received", _("Received")
    HAS_ISSUES = "has_issues", _("Has issues")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EDITED = "edited", _("Edited")


class AssessmentBase(TimeStampedModel):
    submission = models.OneToOneField(
        "submissions.Submission", on_delete=models.PROTECT, related_name="+", verbose_name=_("submission")
    )
    root_instance_id = models.CharField(max_length=255, unique=True, verbose_name=_("root instance ID"))
    form_version = models.CharField(max_length=249, verbose_name=_("form version"))
    round = models.ForeignKey("rounds.Round", on_delete=models.PROTECT, related_name="+", verbose_name=_("round"))
    province = models.ForeignKey(
        "geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    district = models.ForeignKey(
        "geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    enumerator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("enumerator")
    )
    visit_date = models.DateField(null=True, verbose_name=_("visit date"))
    started_at = models.DateTimeField(null=True, verbose_name=_("started at"))
    ended_at = models.DateTimeField(null=True, verbose_name=_("ended at"))
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, verbose_name=_("latitude"))
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, verbose_name=_("longitude"))
    gps_accuracy_m = models.FloatField(null=True, verbose_name=_("GPS accuracy (m)"))
    review_state = models.CharField(
        max_length=16, choices=ReviewState.choices, default=ReviewState.RECEIVED, verbose_name=_("review state")
    )
    # B1, spot checks and the shared B2 ask the round on the tablet; the submission's round is decided by
    # intake. The answer is kept as given so a disagreement is shown to the supervisor, never lost.
    round_answered = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("The round typed on the tablet (form versions that ask it)."),
        verbose_name=_("round answered"),
    )

    class Meta:
        abstract = True


class VillageAssessment(AssessmentBase):
    """B2: one village, one visit."""

    village = models.ForeignKey(
        "geo.Settlement", null=True, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("village")
    )
    village_name_typed = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("When the village was not listed."),
        verbose_name=_("village name as typed"),
    )
    village_entity_uuid = models.UUIDField(
        null=True,
        blank=True,
        help_text=_("The villages entity the tablet picked (forms reading the entity list)."),
        verbose_name=_("village entity ID"),
    )
    households = models.PositiveIntegerField(null=True, verbose_name=_("households"))
    # Whole-family departures and the houses they leave (per-round B2 versions; null when not asked).
    houses_empty = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Houses standing empty now."), verbose_name=_("houses empty")
    )
    houses_looked_after = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Empty houses looked after on the owners' behalf (keyholders)."),
        verbose_name=_("houses looked after"),
    )
    elderly_alone = models.CharField(
        max_length=8,
        blank=True,
        choices=code_choices(cl.YES_NO_UNKNOWN),
        help_text=_("Whether elderly people stay behind alone."),
        verbose_name=_("elderly people alone"),
    )
    # Whether this is the visit of its village that counts in the round: written only by
    # bma.assessments.counting.assessments_settle_current (the rule is in its docstring). The other
    # visits stay for the duplicate-assessment quality rule and for review, but are not counted.
    is_current = models.BooleanField(default=False, verbose_name=_("is current"))
    # A supervisor's "count this visit": it counts (unless rejected) until a supervisor picks another
    # visit of the village or rejects this one.
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chosen to count by"),
    )
    counted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("chosen to count at"))

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
        verbose_name = _("village assessment")
        verbose_name_plural = _("village assessments")

    def __str__(self) -> str:
        return f"B2 {self.village or self.village_name_typed} ({self.round_id})"


class DistrictAssessment(AssessmentBase):
    """B1: one district, its estimates and the villages it nominates."""

    class Meta:
        ordering = ["-visit_date", "-pk"]
        indexes = [models.Index(fields=["round", "district", "review_state"])]
        verbose_name = _("district assessment")
        verbose_name_plural = _("district assessments")

    def __str__(self) -> str:
        return f"B1 {self.district} ({self.round_id})"


class SpotCheckVisit(AssessmentBase):
    village = models.ForeignKey(
        "geo.Settlement", null=True, on_delete=models.PROTECT, related_name="spot_checks", verbose_name=_("village")
    )
    method = models.CharField(max_length=24, choices=code_choices(cl.CHECK_METHODS), verbose_name=_("method"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    photo = models.CharField(max_length=255, blank=True, help_text=_("Attachment file name."), verbose_name=_("photo"))

    class Meta:
        ordering = ["-visit_date", "-pk"]
        verbose_name = _("spot check visit")
        verbose_name_plural = _("spot check visits")

    def __str__(self) -> str:
        return f"Spot check {self.village} ({self.round_id})"


class Informant(models.Model):
    """A key informant of a B1 or B2 interview. Contact details live apart, in InformantContact."""

    village_assessment = models.ForeignKey(
        VillageAssessment,
        null=True,
        on_delete=models.CASCADE,
        related_name="informants",
        verbose_name=_("village assessment"),
    )
    district_assessment = models.ForeignKey(
        DistrictAssessment,
        null=True,
        on_delete=models.CASCADE,
        related_name="informants",
        verbose_name=_("district assessment"),
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    sex = models.CharField(max_length=8, choices=code_choices(cl.SEXES), verbose_name=_("sex"))
    informant_type = models.CharField(
        max_length=24, choices=code_choices(cl.INFORMANT_TYPES), verbose_name=_("informant type")
    )
    informant_type_other = models.CharField(max_length=200, blank=True, verbose_name=_("other informant type"))

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(village_assessment__isnull=True) ^ Q(district_assessment__isnull=True),
                name="informant_belongs_to_one_assessment",
            )
        ]
        verbose_name = _("informant")
        verbose_name_plural = _("informants")

    def __str__(self) -> str:
        return f"{self.get_informant_type_display()} ({self.sex})"


class InformantContact(models.Model):
    """Personal data: exported only with the personal-data permission."""

    informant = models.OneToOneField(
        Informant, on_delete=models.CASCADE, related_name="contact", verbose_name=_("informant")
    )
    name = models.CharField(max_length=200, blank=True, verbose_name=_("name"))
    phone = models.CharField(max_length=32, blank=True, verbose_name=_("phone"))

    class Meta:
        permissions = [("view_personal_data", "Can see and export informants' personal data")]
        verbose_name = _("informant contact")
        verbose_name_plural = _("informant contacts")

    def __str__(self) -> str:
        return self.name or self.phone


class PopulationFigure(models.Model):
    assessment = models.ForeignKey(
        VillageAssessment, on_delete=models.CASCADE, related_name="populations", verbose_name=_("assessment")
    )
    population = models.CharField(max_length=3, choices=POPULATION_CHOICES, verbose_name=_("population"))
    present = models.BooleanField(verbose_name=_("present"))
    total = models.PositiveIntegerField(null=True, verbose_name=_("total"))
    migration_type = models.CharField(
        max_length=16, blank=True, choices=code_choices(cl.MIGRATION_TYPES), verbose_name=_("migration type")
    )

    class Meta:
        ordering = ["assessment", "population"]
        constraints = [models.UniqueConstraint(fields=["assessment", "population"], name="one_figure_per_population")]
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")

    def __str__(self) -> str:
        return f"{self.population}: {self.total}"


class FigureDetail(models.Model):
    """A row under a population figure that also carries the figure's assessment and population.

    The round report sums yearly figures, countries and reasons of every counted assessment; with
    these two columns it joins 100,000 assessments instead of 500,000 figures (about half the time of
    its three largest queries). They are written with the row (store_b2_batch) from its figure.
    """

    assessment = models.ForeignKey(
        VillageAssessment, on_delete=models.CASCADE, related_name="+", verbose_name=_("assessment")
    )
    population = models.CharField(max_length=3, choices=POPULATION_CHOICES, verbose_name=_("population"))

    class Meta:
        abstract = True


class YearlyFigure(FigureDetail):
    figure = models.ForeignKey(
        PopulationFigure, on_delete=models.CASCADE, related_name="yearly", verbose_name=_("figure")
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    count = models.PositiveIntegerField(verbose_name=_("count"))

    class Meta:
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["figure", "year"], name="one_count_per_year")]
        verbose_name = _("yearly figure")
        verbose_name_plural = _("yearly figures")

    def __str__(self) -> str:
        return f"{self.year}: {self.count}"


class CountryFigure(FigureDetail):
    """Nationality (imw), country of return (ret) or destination (emi), with a count."""

    figure = models.ForeignKey(
        PopulationFigure, on_delete=models.CASCADE, related_name="countries", verbose_name=_("figure")
    )
    country = models.CharField(max_length=2, choices=code_choices(cl.COUNTRIES), verbose_name=_("country"))
    count = models.PositiveIntegerField(null=True, verbose_name=_("count"))

    class Meta:
        ordering = ["-count"]
        verbose_name = _("country figure")
        verbose_name_plural = _("country figures")

    def __str__(self) -> str:
        return f"{self.country}: {self.count}"


class AreaFlow(models.Model):
    """Origin (internal migrants) or destination (internal out-migrants) district, with a count."""

    figure = models.ForeignKey(
        PopulationFigure, on_delete=models.CASCADE, related_name="areas", verbose_name=_("figure")
    )
    area = models.ForeignKey(
        "geo.AdminArea", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    area_code = models.CharField(max_length=32, verbose_name=_("area code"))
    count = models.PositiveIntegerField(null=True, verbose_name=_("count"))

    class Meta:
        verbose_name = _("area flow")
        verbose_name_plural = _("area flows")

    def __str__(self) -> str:
        return f"{self.area_code}: {self.count}"


class PopulationReason(FigureDetail):
    figure = models.ForeignKey(
        PopulationFigure, on_delete=models.CASCADE, related_name="reasons", verbose_name=_("figure")
    )
    reason = models.CharField(max_length=24, choices=code_choices(cl.REASONS), verbose_name=_("reason"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["figure", "reason"], name="reason_once_per_figure")]
        verbose_name = _("population reason")
        verbose_name_plural = _("population reasons")

    def __str__(self) -> str:
        return self.reason


class ServiceAccess(models.Model):
    assessment = models.ForeignKey(
        VillageAssessment, on_delete=models.CASCADE, related_name="services", verbose_name=_("assessment")
    )
    service = models.CharField(max_length=16, choices=code_choices(cl.SERVICES), verbose_name=_("service"))
    available = models.BooleanField(verbose_name=_("available"))
    distance_band = models.CharField(
        max_length=8, blank=True, choices=code_choices(cl.DISTANCE_BANDS), verbose_name=_("distance band")
    )
    households_affected = models.PositiveIntegerField(null=True, verbose_name=_("households affected"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "service"], name="one_row_per_service")]
        verbose_name = _("service access")
        verbose_name_plural = _("service access")

    def __str__(self) -> str:
        return f"{self.service}: {'yes' if self.available else self.distance_band}"


class HouseholdDeparture(models.Model):
    """Households that left the village entirely in one reference year, and where most of them went."""

    assessment = models.ForeignKey(
        VillageAssessment, on_delete=models.CASCADE, related_name="departures", verbose_name=_("assessment")
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    households = models.PositiveIntegerField(verbose_name=_("households"))
    destination = models.CharField(
        max_length=16, blank=True, choices=code_choices(cl.DEPARTURE_DESTINATIONS), verbose_name=_("destination")
    )

    class Meta:
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["assessment", "year"], name="one_departure_count_per_year")]
        verbose_name = _("household departure")
        verbose_name_plural = _("household departures")

    def __str__(self) -> str:
        return f"{self.year}: {self.households}"


class ReferredVillage(models.Model):
    """A village the B2 informants refer, as entered: matching happens in the referrals app."""

    assessment = models.ForeignKey(
        VillageAssessment, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("assessment")
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    district_code = models.CharField(max_length=32, verbose_name=_("district code"))
    village_code = models.CharField(
        max_length=40, blank=True, help_text=_("Picked from the list, if it was."), verbose_name=_("village code")
    )
    name_typed = models.CharField(max_length=200, blank=True, verbose_name=_("name as typed"))
    entity_uuid = models.UUIDField(
        null=True,
        blank=True,
        help_text=_("The villages entity the tablet picked or created for it (forms reading the entity list)."),
        verbose_name=_("entity ID"),
    )
    populations = models.JSONField(default=list, verbose_name=_("populations"))
    estimate = models.PositiveIntegerField(null=True, verbose_name=_("estimate"))

    class Meta:
        ordering = ["position"]
        verbose_name = _("referred village")
        verbose_name_plural = _("referred villages")

    def __str__(self) -> str:
        return self.village_code or self.name_typed


class DistrictEstimate(models.Model):
    assessment = models.ForeignKey(
        DistrictAssessment, on_delete=models.CASCADE, related_name="estimates", verbose_name=_("assessment")
    )
    population = models.CharField(max_length=3, choices=POPULATION_CHOICES, verbose_name=_("population"))
    total = models.PositiveIntegerField(null=True, verbose_name=_("total"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "population"], name="one_estimate_per_population")]
        verbose_name = _("district estimate")
        verbose_name_plural = _("district estimates")

    def __str__(self) -> str:
        return f"{self.population}: {self.total}"


class NominatedVillage(models.Model):
    """A village the B1 names for its high inflow or outflow, with estimates per population."""

    assessment = models.ForeignKey(
        DistrictAssessment, on_delete=models.CASCADE, related_name="nominations", verbose_name=_("assessment")
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    flow = models.CharField(max_length=8, choices=code_choices(cl.FLOWS), verbose_name=_("flow"))
    village_code = models.CharField(max_length=40, blank=True, verbose_name=_("village code"))
    name_typed = models.CharField(max_length=200, blank=True, verbose_name=_("name as typed"))
    entity_uuid = models.UUIDField(
        null=True,
        blank=True,
        help_text=_("The villages entity the tablet picked or created for it (forms reading the entity list)."),
        verbose_name=_("entity ID"),
    )
    estimates = models.JSONField(default=dict, help_text=_("{population code: count}"), verbose_name=_("estimates"))

    class Meta:
        ordering = ["position"]
        verbose_name = _("nominated village")
        verbose_name_plural = _("nominated villages")

    def __str__(self) -> str:
        return self.village_code or self.name_typed


class SpotCheckFigure(models.Model):
    visit = models.ForeignKey(SpotCheckVisit, on_delete=models.CASCADE, related_name="figures", verbose_name=_("visit"))
    population = models.CharField(max_length=3, choices=POPULATION_CHOICES, verbose_name=_("population"))
    present = models.CharField(max_length=8, choices=code_choices(cl.YES_NO_UNKNOWN), verbose_name=_("present"))
    count = models.PositiveIntegerField(null=True, verbose_name=_("count"))

    class Meta:
        verbose_name = _("spot check figure")
        verbose_name_plural = _("spot check figures")

    def __str__(self) -> str:
        return f"{self.population}: {self.present} {self.count}"


class SpotCheckService(models.Model):
    visit = models.ForeignKey(
        SpotCheckVisit, on_delete=models.CASCADE, related_name="services", verbose_name=_("visit")
    )
    service = models.CharField(max_length=16, choices=code_choices(cl.SERVICES), verbose_name=_("service"))
    observed = models.CharField(max_length=8, choices=code_choices(cl.YES_NO_UNKNOWN), verbose_name=_("observed"))

    class Meta:
        verbose_name = _("spot check service")
        verbose_name_plural = _("spot check services")

    def __str__(self) -> str:
        return f"{self.service}: {self.observed}"


class ReviewEvent(models.Model):
    """One change of an assessment's review state: who, when, from, to, and why."""

    village_assessment = models.ForeignKey(
        VillageAssessment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_events",
        verbose_name=_("village assessment"),
    )
    district_assessment = models.ForeignKey(
        DistrictAssessment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_events",
        verbose_name=_("district assessment"),
    )
    spot_check_visit = models.ForeignKey(
        SpotCheckVisit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_events",
        verbose_name=_("spot check visit"),
    )
    from_state = models.CharField(max_length=16, choices=ReviewState.choices, verbose_name=_("from state"))
    to_state = models.CharField(max_length=16, choices=ReviewState.choices, verbose_name=_("to state"))
    comment = models.TextField(blank=True, verbose_name=_("comment"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty: the system."),
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review event")
        verbose_name_plural = _("review events")

    def __str__(self) -> str:
        return f"{self.from_state} -> {self.to_state}"


class ContactPurge(models.Model):
    """What one run of the retention job removed from a closed round: informants' names and phones in
    the typed rows and the personal answers inside the raw payloads. The figures are not touched."""

    round = models.ForeignKey(
        "rounds.Round", on_delete=models.PROTECT, related_name="contact_purges", verbose_name=_("round")
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    round_closed_at = models.DateTimeField(
        help_text=_("When the round closed: the retention period ran from here."), verbose_name=_("round closed at")
    )
    retention_days = models.PositiveIntegerField(verbose_name=_("retention days"))
    informants = models.PositiveIntegerField(
        help_text=_("Informants whose name and phone were deleted."), verbose_name=_("informants")
    )
    payloads = models.PositiveIntegerField(
        help_text=_("Raw submissions whose personal answers were blanked."), verbose_name=_("payloads")
    )
    answers = models.PositiveIntegerField(
        help_text=_("Personal answers blanked inside those submissions."), verbose_name=_("answers")
    )
    unreadable = models.PositiveIntegerField(
        default=0,
        help_text=_("Raw submissions that could not be read and so were left as they were (see the log)."),
        verbose_name=_("unreadable"),
    )
    exports = models.PositiveIntegerField(
        default=0,
        help_text=_("Export files with personal data, made before the purge, that were deleted."),
        verbose_name=_("export files"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("requested by")
    )
    job = models.CharField(
        max_length=100, help_text=_("What ran it: the beat job or the management command."), verbose_name=_("job")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact purge")
        verbose_name_plural = _("contact purges")

    def __str__(self) -> str:
        return f"Round {self.round_id}: {self.informants} informants, {self.payloads} payloads ({self.created_at:%Y-%m-%d})"
