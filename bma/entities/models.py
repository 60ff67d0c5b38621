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


class Conflict(models.TextChoices):
    # soft: two devices updated one version, but no property they sent was changed meanwhile;
    # hard: a property sent was changed on the server since the device's version (Central's words).
    SOFT = "soft", _("soft")
    HARD = "hard", _("hard")


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
    # Central's conflict flag: set by an update made from an older version than the server's (updates.py),
    # cleared when a supervisor resolves it. The update is applied either way.
    conflict = models.CharField(
        max_length=8, choices=Conflict.choices, blank=True, default="", db_index=True, verbose_name=_("conflict")
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


class EntityVersion(models.Model):
    """One version of an entity, as Central keeps them: the full data after it and what made it.

    A version a submission made says the version the device had (base_version) and, for updates made
    offline one after another, the branch: ``trunk_version`` (the last server version the device had)
    and ``branch_id``; ``branch_base_version`` is the device's own base within that branch.
    """

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="versions", verbose_name=_("entity"))
    version = models.PositiveIntegerField(verbose_name=_("version"))
    label = models.CharField(max_length=400, verbose_name=_("label"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    data_received = models.JSONField(default=dict, blank=True, verbose_name=_("data received"))
    base_version = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("base version"))
    trunk_version = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("trunk version"))
    branch_id = models.CharField(max_length=64, blank=True, verbose_name=_("branch ID"))
    branch_base_version = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("branch base version"))
    # The submission (its root instance ID: an edit of it is the same source) or "" for the server's own.
    source_instance_id = models.CharField(
        max_length=255, blank=True, db_index=True, verbose_name=_("source submission")
    )
    conflict = models.CharField(max_length=8, choices=Conflict.choices, blank=True, verbose_name=_("conflict"))
    conflicting_properties = models.JSONField(null=True, blank=True, verbose_name=_("conflicting properties"))
    resolved = models.BooleanField(default=False, verbose_name=_("resolved"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["entity", "version"]
        constraints = [models.UniqueConstraint(fields=["entity", "version"], name="entity_version_unique")]
        indexes = [models.Index(fields=["entity", "branch_id", "branch_base_version"], name="entity_version_branch")]
        verbose_name = _("entity version")
        verbose_name_plural = _("entity versions")

    def __str__(self) -> str:
        return f"{self.entity_id} v{self.version}"


class EntityUpdateHeld(models.Model):
    """An offline update that arrived before the earlier update of its branch (Central's backlog): kept
    until that one arrives, or applied anyway once it has waited BMA_ENTITY_BACKLOG_HOURS."""

    dataset = models.CharField(max_length=64, default=VILLAGES, verbose_name=_("entity list"))
    entity_uuid = models.UUIDField(verbose_name=_("entity ID"))
    branch_id = models.CharField(max_length=64, verbose_name=_("branch ID"))
    base_version = models.PositiveIntegerField(verbose_name=_("base version"))
    block = models.JSONField(verbose_name=_("entity block"))
    source_instance_id = models.CharField(max_length=255, verbose_name=_("source submission"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("held since"))

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source_instance_id", "entity_uuid"], name="entity_update_held_once")
        ]
        verbose_name = _("held entity update")
        verbose_name_plural = _("held entity updates")

    def __str__(self) -> str:
        return f"{self.entity_uuid} after v{self.base_version - 1} on branch {self.branch_id}"
