"""The gazetteer: administrative areas in a tree, settlements (villages) under them, and aliases."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bma.core.models import TimeStampedModel


class AreaKind(models.TextChoices):
    COUNTRY = "country", "Country"
    PROVINCE = "province", "Province"
    DISTRICT = "district", "District"
    CITY = "city", "City"
    CITY_DISTRICT = "city_district", "City district"
    JAMOAT = "jamoat", "Jamoat"
    TOWN = "town", "Town"


class AreaLevel(models.IntegerChoices):
    COUNTRY = 0, "Country"
    PROVINCE = 1, "Province"
    DISTRICT = 2, "District or city"
    JAMOAT = 3, "Jamoat or town"


# Which level each kind sits at; the loader checks a row's kind against its parent's level.
KIND_LEVEL = {
    AreaKind.COUNTRY: AreaLevel.COUNTRY,
    AreaKind.PROVINCE: AreaLevel.PROVINCE,
    AreaKind.DISTRICT: AreaLevel.DISTRICT,
    AreaKind.CITY: AreaLevel.DISTRICT,
    AreaKind.CITY_DISTRICT: AreaLevel.DISTRICT,
    AreaKind.JAMOAT: AreaLevel.JAMOAT,
    AreaKind.TOWN: AreaLevel.JAMOAT,
}


class AliasKind(models.TextChoices):
    FORMER = "former", "Former name"
    RUSSIAN = "russian", "Russian-era or Russian spelling"
    ROMANIZATION = "romanization", "Latin spelling"
    MISSPELLING = "misspelling", "Common misspelling"
    OTHER = "other", "Other"


class AdminArea(TimeStampedModel):
    code = models.CharField(max_length=32, unique=True, help_text="Stable text code: ISO 3166-2 or P-code where known.")
    pcode = models.CharField(max_length=32, blank=True, help_text="OCHA P-code, when known.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    level = models.PositiveSmallIntegerField(choices=AreaLevel.choices)
    kind = models.CharField(max_length=16, choices=AreaKind.choices)
    # Codes of the ancestors and the area itself joined by '/': descendants are a prefix match,
    # which keeps supervisor scoping to one indexed query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    name_en = models.CharField(max_length=200)
    name_tg = models.CharField(max_length=200, blank=True)
    name_ru = models.CharField(max_length=200, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="area_validity_ordered",
            ),
            models.CheckConstraint(condition=Q(level__gte=0) & Q(level__lte=3), name="area_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.code})"


class AreaAlias(TimeStampedModel):
    area = models.ForeignKey(AdminArea, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AliasKind.choices, default=AliasKind.OTHER)
    valid_to = models.DateField(null=True, blank=True, help_text="For a former name: when it stopped being used.")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="area_alias_unique")]
        verbose_name_plural = "area aliases"

    def __str__(self) -> str:
        return self.name


class SettlementStatus(models.TextChoices):
    OFFICIAL = "official", "Official"
    PROVISIONAL = "provisional", "Provisional"


class SettlementSource(models.TextChoices):
    GAZETTEER = "gazetteer", "Gazetteer file"
    IMPORT = "import", "Coordinator import"
    B1_NOMINATION = "b1_nomination", "B1 nomination"
    REFERRAL = "referral", "Informant referral"
    ENUMERATOR = "enumerator", "Added by an enumerator"
    ADMIN = "admin", "Added in the admin"


class Settlement(TimeStampedModel):
    code = models.CharField(max_length=40, unique=True)
    area = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="settlements", help_text="The jamoat or district."
    )
    # The district-level ancestor, denormalised: village names repeat across districts, so matching,
    # list files and scoping all work per district.
    district = models.ForeignKey(AdminArea, on_delete=models.PROTECT, related_name="district_settlements")
    name_en = models.CharField(max_length=200)
    name_tg = models.CharField(max_length=200, blank=True)
    name_ru = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=16, choices=SettlementStatus.choices, default=SettlementStatus.OFFICIAL)
    source = models.CharField(max_length=16, choices=SettlementSource.choices, default=SettlementSource.GAZETTEER)
    source_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["district__path", "name_en"]
        indexes = [models.Index(fields=["district", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="settlement_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="settlement_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.code})"


class SettlementAlias(TimeStampedModel):
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AliasKind.choices, default=AliasKind.OTHER)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["settlement", "name"], name="settlement_alias_unique")]
        verbose_name_plural = "settlement aliases"

    def __str__(self) -> str:
        return self.name
