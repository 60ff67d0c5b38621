"""Rounds of data collection and the assignment of people to areas for a round."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from bma.core.models import TimeStampedModel


class RoundState(models.TextChoices):
    # Russian agrees the state with the noun (раунд: открыт; форма: открыта), hence a context each.
    PLANNED = "planned", pgettext_lazy("round state", "Planned")
    OPEN = "open", pgettext_lazy("round state", "Open")
    CLOSED = "closed", pgettext_lazy("round state", "Closed")


class OutsideAssignment(models.TextChoices):
    FLAG = "flag", _("Accept and raise a quality issue")
    REFUSE = "refuse", _("Refuse at intake")


class Round(TimeStampedModel):
    number = models.PositiveIntegerField(unique=True, verbose_name=_("number"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    collection_start = models.DateField(verbose_name=_("collection start"))
    collection_end = models.DateField(verbose_name=_("collection end"))
    reference_start = models.DateField(
        help_text=_("Start of the period the figures refer to (e.g. 2020-01-01)."), verbose_name=_("reference start")
    )
    reference_end = models.DateField(
        help_text=_("End of the period the figures refer to."), verbose_name=_("reference end")
    )
    state = models.CharField(
        max_length=16, choices=RoundState.choices, default=RoundState.PLANNED, verbose_name=_("state")
    )
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opened at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    outside_assignment = models.CharField(
        max_length=16,
        choices=OutsideAssignment.choices,
        default=OutsideAssignment.FLAG,
        help_text=_("What to do with a submission for a district outside the enumerator's assignment."),
        verbose_name=_("outside assignment"),
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(collection_end__gte=models.F("collection_start")), name="round_collection_ordered"
            ),
            models.CheckConstraint(
                condition=Q(reference_end__gte=models.F("reference_start")), name="round_reference_ordered"
            ),
        ]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")

    def __str__(self) -> str:
        return gettext("Round %(number)s: %(name)s") % {"number": self.number, "name": self.name}

    @property
    def accepts_submissions(self) -> bool:
        return self.state == RoundState.OPEN

    @property
    def reference_years(self) -> list[int]:
        return list(range(self.reference_start.year, self.reference_end.year + 1))


class AssignmentRole(models.TextChoices):
    ENUMERATOR = "enumerator", _("Enumerator")
    SUPERVISOR = "supervisor", _("Supervisor")


class Assignment(TimeStampedModel):
    """Puts a user on an area (a province, district or jamoat, with everything below it) for a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("round"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("user")
    )
    area = models.ForeignKey(
        "geo.AdminArea", on_delete=models.PROTECT, related_name="assignments", verbose_name=_("area")
    )
    role = models.CharField(max_length=16, choices=AssignmentRole.choices, verbose_name=_("role"))

    class Meta:
        ordering = ["round", "user", "area__path"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user", "area", "role"], name="assignment_unique"),
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.user} {self.role} in {self.area.display_name} ({self.round})"


class EnumeratorManager(UserManager):
    # UserManager's helpers: User.clean() (run by the admin's add form) normalises the e-mail through
    # the model's default manager. Left out of migrations, as a plain manager is.
    use_in_migrations = False

    def get_queryset(self):
        from bma.core.roles import GROUP_NAMES, Role

        return super().get_queryset().filter(groups__name=GROUP_NAMES[Role.ENUMERATOR])


class Enumerator(User):
    """The accounts in the enumerator role, as the admin's list to import and set up devices from.

    A proxy, so its permissions (rounds.add_enumerator: bulk import; rounds.view_enumerator) are their
    own and not the power to edit every account that auth.change_user would give.
    """

    objects = EnumeratorManager()

    class Meta:
        proxy = True
        ordering = ["username"]
        verbose_name = _("enumerator")
        verbose_name_plural = _("enumerators")
