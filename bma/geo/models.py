"""The gazetteer: administrative areas in a tree, settlements (villages) under them, and aliases."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bma.core.models import TimeStampedModel
from bma.geo.names import place_name


class AreaKind(models.TextChoices):
    COUNTRY = "country", _("Country")
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    CITY = "city", _("City")
    CITY_DISTRICT = "city_district", _("City district")
    JAMOAT = "jamoat", _("Jamoat")
    TOWN = "town", _("Town")


class AreaLevel(models.IntegerChoices):
    COUNTRY = 0, _("Country")
    PROVINCE = 1, _("Province")
    DISTRICT = 2, _("District or city")
    JAMOAT = 3, _("Jamoat or town")


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
    FORMER = "former", _("Former name")
    RUSSIAN = "russian", _("Russian-era or Russian spelling")
    ROMANIZATION = "romanization", _("Latin spelling")
    MISSPELLING = "misspelling", _("Common misspelling")
    OTHER = "other", _("Other")


class NamedPlace:
    """What areas and villages share: a name in the reader's language (see bma/geo/names.py)."""

    name_en: str

    @property
    def display_name(self) -> str:
        """The name in the active language: name_ru/name_tg where set, else name_en."""
        return place_name(self)

    def name_in(self, language: str | None) -> str:
        return place_name(self, language=language)

    def __str__(self) -> str:
        # What every admin list, filter and select widget shows. Datasets never use it: they read
        # name_en (and the other columns) explicitly, so they stay the same in every language.
        return f"{self.display_name} ({self.code})"


class AdminArea(NamedPlace, TimeStampedModel):
    code = models.CharField(
        max_length=32,
        unique=True,
        help_text=_("Stable text code: ISO 3166-2 or P-code where known."),
        verbose_name=_("code"),
    )
    pcode = models.CharField(
        max_length=32, blank=True, help_text=_("OCHA P-code, when known."), verbose_name=_("P-code")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    level = models.PositiveSmallIntegerField(choices=AreaLevel.choices, verbose_name=_("level"))
    kind = models.CharField(max_length=16, choices=AreaKind.choices, verbose_name=_("kind"))
    # Codes of the ancestors and the area itself joined by '/': descendants are a prefix match,
    # which keeps supervisor scoping to one indexed query.
    path = models.CharField(max_length=255, db_index=True, editable=False, verbose_name=_("path"))
    name_en = models.CharField(max_length=200, verbose_name=_("name (English)"))
    name_tg = models.CharField(max_length=200, blank=True, verbose_name=_("name (Tajik)"))
    name_ru = models.CharField(max_length=200, blank=True, verbose_name=_("name (Russian)"))
    valid_from = models.DateField(null=True, blank=True, verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))

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
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")


class AreaAlias(TimeStampedModel):
    area = models.ForeignKey(AdminArea, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("area"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(max_length=16, choices=AliasKind.choices, default=AliasKind.OTHER, verbose_name=_("kind"))
    valid_to = models.DateField(
        null=True, blank=True, help_text=_("For a former name: when it stopped being used."), verbose_name=_("valid to")
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="area_alias_unique")]
        verbose_name_plural = _("area aliases")
        verbose_name = _("area alias")

    def __str__(self) -> str:
        return self.name


class SettlementStatus(models.TextChoices):
    OFFICIAL = "official", _("Official")
    PROVISIONAL = "provisional", _("Provisional")


class SettlementSource(models.TextChoices):
    GAZETTEER = "gazetteer", _("Gazetteer file")
    IMPORT = "import", _("Coordinator import")
    B1_NOMINATION = "b1_nomination", _("B1 nomination")
    REFERRAL = "referral", _("Informant referral")
    ENUMERATOR = "enumerator", _("Added by an enumerator")
    ADMIN = "admin", _("Added in the admin")


class Settlement(NamedPlace, TimeStampedModel):
    code = models.CharField(max_length=40, unique=True, verbose_name=_("code"))
    area = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        related_name="settlements",
        help_text=_("The jamoat or district."),
        verbose_name=_("area"),
    )
    # The district-level ancestor, denormalised: village names repeat across districts, so matching,
    # list files and scoping all work per district.
    district = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="district_settlements", verbose_name=_("district")
    )
    name_en = models.CharField(max_length=200, verbose_name=_("name (English)"))
    name_tg = models.CharField(max_length=200, blank=True, verbose_name=_("name (Tajik)"))
    name_ru = models.CharField(max_length=200, blank=True, verbose_name=_("name (Russian)"))
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("latitude"))
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("longitude"))
    status = models.CharField(
        max_length=16, choices=SettlementStatus.choices, default=SettlementStatus.OFFICIAL, verbose_name=_("status")
    )
    source = models.CharField(
        max_length=16, choices=SettlementSource.choices, default=SettlementSource.GAZETTEER, verbose_name=_("source")
    )
    source_note = models.CharField(max_length=300, blank=True, verbose_name=_("source note"))

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
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")


class SettlementAlias(TimeStampedModel):
    settlement = models.ForeignKey(
        Settlement, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("settlement")
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(max_length=16, choices=AliasKind.choices, default=AliasKind.OTHER, verbose_name=_("kind"))

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["settlement", "name"], name="settlement_alias_unique")]
        verbose_name_plural = _("settlement aliases")
        verbose_name = _("settlement alias")

    def __str__(self) -> str:
        return self.name
