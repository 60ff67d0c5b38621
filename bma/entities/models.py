"""ODK Entities: records that forms create and update on the device and read back as a list.

The gazetteer's villages are the ``villages`` entity list: one entity per Settlement, with a stable
UUID (the ``name`` column devices store as the answer) and a version that grows with each change,
as ODK Central numbers an entity's versions.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from bma.core.models import TimeStampedModel

VILLAGES = "villages"


class Entity(TimeStampedModel):
    dataset = models.CharField(max_length=64, default=VILLAGES, db_index=True, verbose_name=_("entity list"))
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, verbose_name=_("entity ID"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    label = models.CharField(max_length=400, verbose_name=_("label"))
    properties = models.JSONField(default=dict, blank=True, verbose_name=_("properties"))
    # A village that is merged into another, retired or removed from the gazetteer stays here,
    # deleted: the integrity URL must go on telling devices that still hold it that it is gone.
    deleted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deleted at"))
    settlement = models.ForeignKey(
        "geo.Settlement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entities",
        verbose_name=_("village"),
    )
    # Created on a tablet (a B2's referral, a B1's nomination) and read from its submission: counted
    # nowhere (it is no Settlement) until the referral queue links it to a village or confirms it.
    provisional = models.BooleanField(default=False, verbose_name=_("provisional"))
    source_instance_id = models.CharField(
        max_length=255, blank=True, help_text=_("The submission that created it."), verbose_name=_("source submission")
    )
    merged_into = models.ForeignKey(
        "geo.Settlement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The village this one turned out to be, when it was merged."),
        verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["dataset", "-created_at", "-pk"]
        constraints = [
            # One live entity per village: a second would show the village twice on the tablet.
            models.UniqueConstraint(
                fields=["dataset", "settlement"],
                condition=models.Q(settlement__isnull=False, deleted_at__isnull=True),
                name="entity_one_live_per_settlement",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="entity_version_positive"),
        ]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")

    def __str__(self) -> str:
        return f"{self.dataset}/{self.uuid} v{self.version}"
